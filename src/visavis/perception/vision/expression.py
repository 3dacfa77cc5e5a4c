"""Facial expression: fer's FER-2013 classifier (``emotion_model_quantized.tflite``).

Its contract, read from fer 25.10.3's own code: a 64x64 single-channel grey face scaled to -1..1
(``x / 255``, then ``(x - 0.5) * 2``), cropped as fer crops a Haar box (square, plus 10 px each
side); the output is already softmax probabilities in ``EXPRESSIONS`` order. BlazeFace's box sits
lower and tighter than a Haar box, so we shift it up by 0.15 and widen it 1.25x, which reproduces
fer's own crop (checked on the test portraits: the same probabilities within 0.01).
"""

from __future__ import annotations

import cv2
import numpy as np

from visavis.perception.types import EXPRESSIONS
from visavis.perception.vision.crop import RotatedCrop
from visavis.perception.vision.detector import Detection
from visavis.perception.vision.tflite import EXPRESSION_ENTRY, TfliteModel, model_path

INPUT_SIZE = 64
_SHIFT_UP, _SCALE = 0.15, 1.25


def expression_crop(det: Detection) -> RotatedCrop:
    """The square, roll-corrected face region fer's model was trained on."""
    angle = 0.0
    if det.keypoints is not None:
        (rx, ry), (lx, ly) = det.keypoints[0], det.keypoints[1]
        angle = float(np.arctan2(ly - ry, lx - rx))
    side = max(det.w, det.h)
    # "Up" in the face's own frame, so a tilted head is cropped along its own axis.
    cx = det.x + det.w / 2 + np.sin(angle) * _SHIFT_UP * side
    cy = det.y + det.h / 2 - np.cos(angle) * _SHIFT_UP * side
    return RotatedCrop(float(cx), float(cy), side * _SCALE, angle)


def face_gray(rgb: np.ndarray, det: Detection) -> np.ndarray:
    """The 64x64 grey uint8 face crop (also used for the blur estimate)."""
    return cv2.cvtColor(expression_crop(det).warp(rgb, INPUT_SIZE), cv2.COLOR_RGB2GRAY)


class ExpressionModel:
    """Seven-class expression probabilities for one face (about 0.5 ms on one core)."""

    def __init__(self) -> None:
        self.model = TfliteModel(model_path(EXPRESSION_ENTRY))

    def run(self, gray64: np.ndarray) -> dict[str, float]:
        """Probabilities by ``EXPRESSIONS`` name for a ``face_gray`` crop."""
        x = gray64.astype(np.float32) * (2.0 / 255.0) - 1.0
        (probs,) = self.model(x[None, :, :, None])
        p = np.clip(probs.reshape(-1).astype(np.float64), 0.0, None)
        p = p / max(float(p.sum()), 1e-9)
        return {name: float(v) for name, v in zip(EXPRESSIONS, p, strict=True)}
