"""A rotated square crop of a frame: cut it out upright, and map points back to the frame.

The face models want an upright face filling a fixed-size square; people tilt their heads. So a
crop is a centre, a side length and an angle (the eye line's, in image coordinates, y down), and
one affine transform serves both directions.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class RotatedCrop:
    """A square of side ``size`` frame pixels centred at (cx, cy), rotated by ``angle`` radians
    (positive: clockwise on screen, as the eye line of a head tilted to the image's right)."""

    cx: float
    cy: float
    size: float
    angle: float

    def matrix(self, out: int) -> np.ndarray:
        """2x3 affine from crop pixels (0..out) to frame pixels."""
        s = self.size / out
        c, n = np.cos(self.angle) * s, np.sin(self.angle) * s
        half = out / 2.0
        return np.array(
            [
                [c, -n, self.cx - c * half + n * half],
                [n, c, self.cy - n * half - c * half],
            ],
            dtype=np.float64,
        )

    def warp(self, image: np.ndarray, out: int) -> np.ndarray:
        """The crop, upright, ``out`` x ``out`` pixels; outside the frame is black (as in
        MediaPipe)."""
        return cv2.warpAffine(
            image,
            self.matrix(out),
            (out, out),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0,
        )

    def to_frame(self, points: np.ndarray, out: int) -> np.ndarray:
        """Crop-pixel points (N x 2, or N x 3 with depth in crop pixels) to frame pixels."""
        m = self.matrix(out)
        xy = points[:, :2] @ m[:, :2].T + m[:, 2]
        if points.shape[1] == 2:
            return xy
        return np.concatenate([xy, points[:, 2:3] * (self.size / out)], axis=1)
