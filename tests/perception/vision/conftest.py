"""Real faces for the vision tests: photos from installed wheels, and our own avatars."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from visavis.face import make_renderer
from visavis.face.params import FaceParams
from visavis.models import locate
from visavis.perception.vision import FrameAnalyzer

AVATARS = ("ava", "sam", "lin")


def _read_rgb(path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, f"could not read {path}"
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


@pytest.fixture(scope="session")
def photos(models_installed: None) -> dict[str, np.ndarray]:
    """astronaut (frontal, smiling), grace_hopper (frontal, neutral, glasses), camera (a man
    turned well away, grey), brick (a wall, no face)."""
    skimage = locate("data.image.skimage")
    return {
        "astronaut": _read_rgb(skimage / "astronaut.png"),
        "grace_hopper": _read_rgb(locate("data.image.grace-hopper")),
        "camera": _read_rgb(skimage / "camera.png"),
        "brick": _read_rgb(skimage / "brick.png"),
    }


@pytest.fixture(scope="session")
def analyzer(models_installed: None) -> FrameAnalyzer:
    found = FrameAnalyzer(max_faces=4, backend="mediapipe")
    assert found.backend == "mediapipe"
    return found


@pytest.fixture(scope="session")
def render():
    """``render(avatar, **params)``: one 512x512 avatar frame (a copy: renderers reuse buffers)."""
    renderers = {name: make_renderer(name, 512) for name in AVATARS}

    def draw(avatar: str, **params: float) -> np.ndarray:
        p = FaceParams(**params)
        return np.array(renderers[avatar].render(p))

    return draw
