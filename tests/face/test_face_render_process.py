"""The avatar drawn in a child process: the same frames as in-process, and clear failures."""

from __future__ import annotations

import os
import signal

import av
import numpy as np
import pytest

from visavis.face import DEFAULT_AVATAR, Animator, FaceParams, make_renderer
from visavis.face.render_process import RenderProcess, RenderProcessError, to_i420


def params(n: int) -> list[FaceParams]:
    animator = Animator(seed=3)
    return [animator.params_at(0.5 + i * 0.37) for i in range(n)]


def test_frames_match_drawing_in_process():
    local = make_renderer(DEFAULT_AVATAR, 96)
    child = RenderProcess(DEFAULT_AVATAR, 96)
    try:
        for p in params(4):
            frame = child.i420(p)
            assert frame.shape == (144, 96)
            np.testing.assert_array_equal(frame, to_i420(local.render(p)))
    finally:
        child.close()
    assert child._process.exitcode == 0  # it left on request, not by force
    child.close()  # idempotent


def test_i420_matches_libav_conversion():
    rgb = make_renderer(DEFAULT_AVATAR, 64).render(params(1)[0])
    ours = to_i420(rgb).astype(int)
    libav = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
    theirs = libav.to_ndarray().astype(int)
    assert ours.shape == theirs.shape
    luma, chroma = np.abs(ours - theirs)[:64], np.abs(ours - theirs)[64:]
    assert luma.max() <= 2  # the same BT.601 limited-range brightness, up to rounding
    # Chroma is averaged over 2x2 blocks with another filter: close, not equal, at edges.
    assert chroma.mean() < 1.0


def test_an_avatar_that_will_not_load_is_a_clear_error():
    with pytest.raises(RenderProcessError, match="no-such-avatar"):
        RenderProcess("no-such-avatar", 64)


def test_a_child_that_dies_is_an_error_not_a_hang():
    child = RenderProcess(DEFAULT_AVATAR, 64, timeout=5.0)
    first = params(2)
    child.i420(first[0])
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    with pytest.raises(RenderProcessError, match="went away"):
        child.i420(first[1])
    child.close()
