"""Eyebrow positions read from the image, guided by the mesh.

The face mesh barely moves its brow landmarks when brows move (measured: a 0.2 inter-ocular
brow lift on a real photo moved them by 0.02), so brow cues taken from the mesh alone stay flat.
Brows are dark bands over lighter skin; in an upright, scale-normalised strip around each mesh
brow point we look for the strongest such band (a valley in the column's brightness profile)
within a window around the mesh's guess. Where the band is too faint (light brows, strong shadows)
the mesh's own position is kept, so the cue degrades to the mesh's weak signal, never to noise.
"""

from __future__ import annotations

import cv2
import numpy as np

from visavis.perception.vision.crop import RotatedCrop

#: Patch: 2.4 inter-ocular distances (IOD) wide, IOD = 50 px.
_WIDTH_IOD, _PATCH = 2.4, 120
_IOD_PX = _PATCH / _WIDTH_IOD
#: Landmark groups marking the inner, middle and outer part of each brow (the person's right
#: brow first), searched as vertical columns.
COLUMNS = (
    (107, 55), (105, 52, 66, 65), (70, 46, 63, 53),
    (336, 285), (334, 282, 296, 295), (300, 276, 293, 283),
)  # fmt: skip
#: How far from the mesh's brow the band may be (IOD), and the band contrast (grey levels) below
#: which the image is not trusted.
_SEARCH, _MIN_CONTRAST = 0.2, 18.0


def brow_heights(rgb: np.ndarray, points: np.ndarray, pitch: float = 0.0) -> np.ndarray:
    """Height of each brow column above the eye line, in IOD, roll removed (6 values: right
    inner, middle, outer, then left inner, middle, outer).

    The unit is the mesh's 3D inter-ocular distance (which does not shrink when the head turns),
    and heights are divided by cos(pitch), undoing the foreshortening of a nod.
    """
    xy = points[:, :2]
    eye_r, eye_l = xy[[33, 133]].mean(0), xy[[263, 362]].mean(0)
    iod = float(np.linalg.norm(eye_l - eye_r))
    iod3 = float(np.linalg.norm(points[[263, 362]].mean(0) - points[[33, 133]].mean(0)))
    angle = float(np.arctan2(eye_l[1] - eye_r[1], eye_l[0] - eye_r[0]))
    up = np.array([np.sin(angle), -np.cos(angle)])
    centre = (eye_r + eye_l) / 2 + up * 0.3 * iod
    crop = RotatedCrop(float(centre[0]), float(centre[1]), _WIDTH_IOD * max(iod, 1.0), angle)
    gray = cv2.cvtColor(crop.warp(rgb, _PATCH), cv2.COLOR_RGB2GRAY).astype(np.float32)
    inv = cv2.invertAffineTransform(crop.matrix(_PATCH))
    local = xy @ inv[:, :2].T + inv[:, 2]
    eye_y = float(local[[33, 133, 263, 362], 1].mean())
    band = max(2, round(0.08 * _IOD_PX))  # half-thickness of a brow band
    heights = np.empty(len(COLUMNS))
    for i, group in enumerate(COLUMNS):
        gx, gy = local[list(group)].mean(0)
        heights[i] = (eye_y - gy) / _IOD_PX
        x = round(gx)
        if not band + 3 <= x < _PATCH - band - 3:
            continue
        profile = gray[:, x - 3 : x + 4].mean(1)
        lo = max(band, round(gy - _SEARCH * _IOD_PX))
        hi = min(_PATCH - band - 1, round(gy + _SEARCH * _IOD_PX), round(eye_y - 0.1 * _IOD_PX))
        if hi <= lo:
            continue
        ys = np.arange(lo, hi)
        valley = 0.5 * (profile[ys - band] + profile[ys + band]) - profile[ys]
        best = int(np.argmax(valley))
        if valley[best] >= _MIN_CONTRAST:
            # A parabola through the peak and its neighbours: a whole pixel is 0.02 IOD, as
            # coarse as the brow movements we are looking for.
            shift = 0.0
            if 0 < best < len(valley) - 1:
                a, b, c = valley[best - 1], valley[best], valley[best + 1]
                denom = a - 2 * b + c
                shift = float(np.clip(0.5 * (a - c) / denom, -0.5, 0.5)) if denom < 0 else 0.0
            heights[i] = (eye_y - ys[best] - shift) / _IOD_PX
    # The patch was scaled by the on-screen IOD; convert to the true (3D) one.
    return heights * (iod / max(iod3, 1e-9)) / max(np.cos(np.radians(pitch)), 0.5)
