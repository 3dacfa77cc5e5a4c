"""The face mesh: 468 3D landmarks from MediaPipe's ``face_landmark.tflite``, and irises.

The crop follows MediaPipe's ``face_detection_front_detection_to_roi``: centred on the detection
box, a square of 1.5x its long side, rotated so the eye line (right-eye -> left-eye keypoints) is
horizontal. Landmarks come back as (x, y, z) in frame pixels; z is depth in the same scale as x,
smaller toward the camera (the model's own weak-perspective estimate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from visavis.perception.vision.crop import RotatedCrop
from visavis.perception.vision.detector import Detection
from visavis.perception.vision.tflite import MEDIAPIPE_ENTRY, TfliteModel, model_path

MESH_SIZE = 192
IRIS_SIZE = 64
#: Eye corners in the 468-point topology: (outer, inner) of the person's right and left eye.
RIGHT_EYE_CORNERS = (33, 133)
LEFT_EYE_CORNERS = (263, 362)


@dataclass(frozen=True)
class Mesh:
    """468 landmarks (x, y, z) in frame pixels and the model's face-presence probability."""

    points: np.ndarray
    presence: float


def detection_crop(det: Detection, scale: float = 1.5) -> RotatedCrop:
    """The square, roll-corrected region the mesh model expects around one detection."""
    angle = 0.0
    if det.keypoints is not None:
        (rx, ry), (lx, ly) = det.keypoints[0], det.keypoints[1]
        angle = float(np.arctan2(ly - ry, lx - rx))
    return RotatedCrop(det.x + det.w / 2, det.y + det.h / 2, max(det.w, det.h) * scale, angle)


def mesh_crop(points: np.ndarray, scale: float = 1.5) -> RotatedCrop:
    """The same kind of region from a previous mesh (MediaPipe's tracking ROI): steadier than a
    fresh detection and lets a caller skip the detector between frames."""
    xy = points[:, :2]
    (rx, ry), (lx, ly) = xy[list(RIGHT_EYE_CORNERS)].mean(0), xy[list(LEFT_EYE_CORNERS)].mean(0)
    angle = float(np.arctan2(ly - ry, lx - rx))
    # Measure the extent in the face's own frame so a tilted head does not inflate the box.
    c, s = np.cos(-angle), np.sin(-angle)
    upright = xy @ np.array([[c, s], [-s, c]])
    lo, hi = upright.min(0), upright.max(0)
    centre = ((lo + hi) / 2) @ np.array([[c, -s], [s, c]])
    return RotatedCrop(float(centre[0]), float(centre[1]), float((hi - lo).max() * scale), angle)


class FaceMesh:
    """468-point face landmarks for one face crop (about 1 ms on one core)."""

    def __init__(self) -> None:
        self.model = TfliteModel(model_path(MEDIAPIPE_ENTRY, "face_landmark.tflite"))

    def run(self, rgb: np.ndarray, crop: RotatedCrop) -> Mesh:
        patch = crop.warp(rgb, MESH_SIZE).astype(np.float32) * (1.0 / 255.0)
        raw, presence_logit = self.model(patch[None])
        local = raw.reshape(-1, 3).astype(np.float64)
        presence = 1.0 / (1.0 + np.exp(-float(np.clip(presence_logit.ravel()[0], -50, 50))))
        return Mesh(crop.to_frame(local, MESH_SIZE), presence)


@dataclass(frozen=True)
class Eyes:
    """Iris centres (2 x 2 frame pixels: the person's right eye, then left) and the eyes'
    openness (lid gap over eye width from the iris model's finer eyelid contour, mean of both)."""

    irises: np.ndarray
    openness: float


#: The iris model's first 16 contour points run along the lower lid from one corner (0) to the
#: other (8), then back along the upper lid (9..15); upper point i sits over lower point i - 8.
_LID_PAIRS = ((11, 3), (12, 4), (13, 5))


class IrisModel:
    """MediaPipe's iris landmarks: iris centres and precise eyelids, from a 64x64 crop per eye.

    The model expects one eye's orientation; as in MediaPipe's graph, the person's left eye is
    mirrored before inference and its points mirrored back (checked: the contour's corners then
    land on the mesh's eye corners). Its lids follow blinks far better than the mesh does.
    """

    def __init__(self) -> None:
        self.model = TfliteModel(model_path(MEDIAPIPE_ENTRY, "iris_landmark.tflite"))

    def _eye(
        self, rgb: np.ndarray, points: np.ndarray, corners: tuple[int, int], flip: bool
    ) -> tuple[np.ndarray, float]:
        a, b = points[corners[0], :2], points[corners[1], :2]
        # Crop orientation always runs image-left -> image-right so the eye is upright.
        left, right = (a, b) if a[0] <= b[0] else (b, a)
        angle = float(np.arctan2(right[1] - left[1], right[0] - left[0]))
        centre = (a + b) / 2
        side = max(float(np.hypot(*(b - a))), 1.0) * 2.3
        crop = RotatedCrop(float(centre[0]), float(centre[1]), side, angle)
        patch = crop.warp(rgb, IRIS_SIZE).astype(np.float32) * (1.0 / 255.0)
        if flip:
            patch = np.ascontiguousarray(patch[:, ::-1])
        contour, iris = self.model(patch[None])
        lids = contour.reshape(-1, 3)[:16, :2]
        width = max(float(np.linalg.norm(lids[0] - lids[8])), 1e-6)
        gap = np.mean([np.linalg.norm(lids[u] - lids[d]) for u, d in _LID_PAIRS])
        centre_px = iris.reshape(-1, 3)[:1, :2].astype(np.float64)
        if flip:
            centre_px[:, 0] = IRIS_SIZE - centre_px[:, 0]
        return crop.to_frame(centre_px, IRIS_SIZE)[0], float(gap / width)

    def run(self, rgb: np.ndarray, points: np.ndarray) -> Eyes:
        right, open_r = self._eye(rgb, points, RIGHT_EYE_CORNERS, flip=False)
        left, open_l = self._eye(rgb, points, LEFT_EYE_CORNERS, flip=True)
        return Eyes(np.stack([right, left]), (open_r + open_l) / 2)
