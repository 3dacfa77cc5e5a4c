"""Whatever a camera or a caller hands the analyzer, it answers with an observation or a clear
ValueError (only for things that are not images at all), and says what is wrong."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from visavis.perception.vision import FrameAnalyzer, VisionModelError


def _same_face(a, b) -> None:
    assert a is not None and b is not None
    assert a.box.x == pytest.approx(b.box.x, abs=0.02) and a.box.w == pytest.approx(
        b.box.w, abs=0.02
    )
    assert a.yaw == pytest.approx(b.yaw, abs=3)


def test_grey_rgba_float_and_16_bit_frames_read_like_the_rgb_one(analyzer, photos) -> None:
    rgb = photos["astronaut"]
    reference = analyzer.analyze(rgb, 0).face
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    variants = {
        "grey": grey,
        "grey HxWx1": grey[:, :, None],
        "rgba": np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)]),
        "float 0..1": rgb.astype(np.float32) / 255,
        "float 0..255": rgb.astype(np.float64),
        "uint16": rgb.astype(np.uint16) * 257,
        "strided view": np.ascontiguousarray(rgb[:, ::-1])[:, ::-1],
    }
    for name, frame in variants.items():
        face = analyzer.analyze(frame, 0).face
        assert face is not None, name
        if name != "grey" and name != "grey HxWx1":  # grey loses colour, not the face
            _same_face(face, reference)


def test_a_huge_frame_is_downscaled_and_reads_the_same(analyzer, photos) -> None:
    rgb = photos["astronaut"]
    huge = cv2.resize(rgb, (3840, 3840), interpolation=cv2.INTER_CUBIC)
    obs = analyzer.analyze(huge, 0)
    assert (obs.width, obs.height) == (3840, 3840)
    _same_face(obs.face, analyzer.analyze(rgb, 0).face)


@pytest.mark.parametrize(
    ("frame", "issue"),
    [
        (np.zeros((480, 640, 3), np.uint8), "dark"),
        (np.full((480, 640, 3), np.nan, np.float32), "dark"),
        (np.full((480, 640, 3), np.inf), "dark"),
        (np.full((8, 8, 3), 128, np.uint8), "small_face"),
        (np.full((1, 1), 200, np.uint8), "small_face"),
        (np.full((2, 4000, 3), 200, np.uint8), "small_face"),
    ],
)
def test_unreadable_frames_give_no_face_and_say_why(analyzer, frame, issue: str) -> None:
    obs = analyzer.analyze(frame, 3.0)
    assert obs.faces == () and issue in obs.issues and obs.t == 3.0


def test_random_shapes_and_types_never_raise(analyzer) -> None:
    rng = np.random.default_rng(7)
    for _ in range(40):
        h, w = (int(v) for v in rng.integers(1, 700, 2))
        shape = [(h, w), (h, w, 1), (h, w, 3), (h, w, 4)][int(rng.integers(4))]
        dtype = [np.uint8, np.int32, np.float32, np.float64, np.uint16, bool][int(rng.integers(6))]
        frame = (rng.random(shape) * rng.choice([1, 255, 70000])).astype(dtype)
        obs = analyzer.analyze(frame, 0.0)
        assert obs.width == w and obs.height == h and 0.0 <= obs.brightness <= 1.0


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "frame.png",
        b"\x89PNG",
        3.0,
        np.zeros((4, 4, 4, 4)),
        np.zeros((9, 9, 2)),
        np.zeros((0, 3)),
    ],
)
def test_what_is_not_an_image_raises_a_value_error_saying_what_was_expected(analyzer, bad) -> None:
    with pytest.raises(ValueError, match="expected"):
        analyzer.analyze(bad, 0.0)


def test_without_the_model_files_auto_falls_back_to_haar(monkeypatch, tmp_path: Path, photos):
    monkeypatch.setenv("VISAVIS_MODELS_DIR", str(tmp_path))
    fallback = FrameAnalyzer()
    assert fallback.backend == "haar" and "make models" in fallback.fallback_reason
    assert fallback.analyze(photos["grace_hopper"], 0).face.source == "haar"
    with pytest.raises(VisionModelError, match="make models"):
        FrameAnalyzer(backend="mediapipe")


def test_max_faces_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_faces"):
        FrameAnalyzer(max_faces=0, backend="haar")
