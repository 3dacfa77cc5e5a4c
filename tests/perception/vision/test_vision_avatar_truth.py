"""Ground truth from our own avatar renderer: we know the pose and expression we asked for.

BlazeFace and the face mesh both find the three built-in avatars (checked at every setting here),
so these are real end-to-end readings. The renderer's scales (``visavis.face.geometry``): head
yaw 1 = 24 degrees, pitch 1 = 14 degrees, roll 1 = 12 degrees. The assertions are about order
and margins, because the avatars are drawn, not photographed: the mesh model's prior is a real
face, and a stylised feature moves its landmarks less than the drawing does.
"""

from __future__ import annotations

import numpy as np
import pytest

AVATARS = ("ava", "sam", "lin")
YAW_DEG, PITCH_DEG, ROLL_DEG = 24.0, 14.0, 12.0
SWEEP = (-1.0, -0.5, 0.0, 0.5, 1.0)


def _read(analyzer, render, avatar: str, **params: float):
    obs = analyzer.analyze(render(avatar, **params), 0.0)
    assert len(obs.faces) == 1, (avatar, params, obs.issues)
    return obs.face


@pytest.mark.parametrize("avatar", AVATARS)
def test_head_yaw_sign_order_and_size(analyzer, render, avatar: str) -> None:
    yaws = [_read(analyzer, render, avatar, head_yaw=v).yaw for v in SWEEP]
    assert all(b > a + 5 for a, b in zip(yaws, yaws[1:], strict=False)), yaws
    for v, measured in zip(SWEEP, yaws, strict=True):
        assert measured == pytest.approx(v * YAW_DEG, abs=6), (v, yaws)


@pytest.mark.parametrize("avatar", AVATARS)
def test_head_pitch_sign_and_order(analyzer, render, avatar: str) -> None:
    pitches = [_read(analyzer, render, avatar, head_pitch=v).pitch for v in SWEEP]
    assert all(b > a + 2 for a, b in zip(pitches, pitches[1:], strict=False)), pitches
    assert pitches[0] < -6 and pitches[-1] > 8 and abs(pitches[2]) < 5


@pytest.mark.parametrize("avatar", AVATARS)
def test_head_roll_matches(analyzer, render, avatar: str) -> None:
    for v in SWEEP:
        assert _read(analyzer, render, avatar, head_roll=v).roll == pytest.approx(
            v * ROLL_DEG, abs=3
        )


@pytest.mark.parametrize("avatar", AVATARS)
def test_furrowed_brow_reads_above_rest(analyzer, render, avatar: str) -> None:
    rest = _read(analyzer, render, avatar).brow_furrow
    knit = _read(analyzer, render, avatar, brow_furrow=1.0).brow_furrow
    half = _read(analyzer, render, avatar, brow_furrow=0.5).brow_furrow
    assert rest < 0.25 and knit > rest + 0.3 and rest - 0.05 <= half <= knit + 0.05


@pytest.mark.parametrize("avatar", AVATARS)
def test_raised_brows_read_above_rest(analyzer, render, avatar: str) -> None:
    rest = _read(analyzer, render, avatar).brow_raise
    raised = _read(analyzer, render, avatar, brow_raise=1.0).brow_raise
    assert raised > rest + 0.2


@pytest.mark.parametrize("avatar", AVATARS)
def test_smile_reads_above_rest_and_an_open_jaw_is_not_a_smile(analyzer, render, avatar) -> None:
    rest = _read(analyzer, render, avatar)
    smile = _read(analyzer, render, avatar, smile=1.0, lip_spread=0.3)
    jaw = _read(analyzer, render, avatar, jaw_open=1.0)
    assert smile.smile > rest.smile + 0.2
    assert jaw.smile < smile.smile - 0.1
    assert jaw.mouth_open > 0.4 > rest.mouth_open + 0.2


@pytest.mark.parametrize("avatar", AVATARS)
def test_mouth_opening_is_ordered(analyzer, render, avatar: str) -> None:
    values = [_read(analyzer, render, avatar, jaw_open=v).mouth_open for v in (0.0, 0.4, 0.8)]
    assert values[0] < values[1] < values[2]


@pytest.mark.parametrize("avatar", AVATARS)
def test_closed_eyes_read_closed(analyzer, render, avatar: str) -> None:
    def closure(amount: float) -> float:
        face = _read(analyzer, render, avatar, blink_left=amount, blink_right=amount)
        return face.eye_closure

    open_, half, closed = closure(0.0), closure(0.6), closure(1.0)
    assert open_ < 0.15 and closed > 0.8 and open_ <= half < closed
    shut = _read(analyzer, render, avatar, blink_left=1.0, blink_right=1.0)
    assert shut.gaze_at_camera < 0.2  # closed eyes look at nothing


@pytest.mark.parametrize("avatar", AVATARS)
def test_looking_away_with_the_eyes_or_the_head(analyzer, render, avatar: str) -> None:
    at = _read(analyzer, render, avatar).gaze_at_camera
    assert at > 0.8
    for params in ({"gaze_x": 1.0}, {"gaze_x": -1.0}, {"head_yaw": 1.0}, {"head_yaw": -1.0}):
        away = _read(analyzer, render, avatar, **params).gaze_at_camera
        assert away < 0.5, params


@pytest.mark.parametrize("avatar", AVATARS)
def test_eyes_swung_back_to_the_lens_count_as_looking(analyzer, render, avatar: str) -> None:
    """Head turned one way, eyes the other: the iris model sees the eyes compensate."""
    for sign in (1.0, -1.0):
        turned = _read(analyzer, render, avatar, head_yaw=sign).gaze_at_camera
        back = _read(analyzer, render, avatar, head_yaw=sign, gaze_x=-0.8 * sign).gaze_at_camera
        assert turned < 0.5 < back


def test_fast_pass_keeps_pose_and_drops_the_expensive_cues(analyzer, render) -> None:
    frame = render("ava", head_yaw=0.5, jaw_open=0.8)
    full = analyzer.analyze(frame, 0.0).face
    fast = analyzer.analyze_fast(frame, 0.0).face
    assert fast.expression is None and full.expression is not None
    assert fast.yaw == pytest.approx(full.yaw) and fast.roll == pytest.approx(full.roll)
    assert fast.mouth_open == pytest.approx(full.mouth_open)
    assert np.isfinite([fast.gaze_at_camera, fast.eye_closure, fast.smile]).all()
