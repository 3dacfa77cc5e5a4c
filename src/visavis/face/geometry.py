"""Small 2.5D helpers for the vector renderer: head projection and smooth skia paths.

The head is treated as an ellipsoid: a feature drawn at (x, y) on the face gets a depth from the
ellipsoid (plus its own relief, e.g. the nose tip), and head yaw/pitch rotate those 3D points
before an orthographic projection. That gives the parallax that sells a turned head (features
slide toward the turn, the far eye narrows) at the cost of a few numpy ops per shape.
"""

from __future__ import annotations

import math

import numpy as np
import skia

YAW_RAD = math.radians(24)
PITCH_RAD = math.radians(14)
ROLL_DEG = 12.0


class HeadPose:
    """Projects face-space points (pixels, relative to the head centre) to canvas pixels."""

    def __init__(self, cx: float, cy: float, w: float, h: float, yaw: float, pitch: float) -> None:
        self.cx, self.cy, self.w, self.h = cx, cy, w, h
        self.depth = 0.95 * w
        a, b = yaw * YAW_RAD, pitch * PITCH_RAD
        self.cos_y, self.sin_y = math.cos(a), math.sin(a)
        self.cos_p, self.sin_p = math.cos(b), math.sin(b)

    def surface_z(self, pts: np.ndarray) -> np.ndarray:
        """Depth of points lying on the face ellipsoid (front is positive)."""
        u = pts[:, 0] / self.w
        v = pts[:, 1] / (self.h * 1.15)
        return self.depth * np.sqrt(np.maximum(0.04, 1.0 - u * u - v * v))

    def project(self, pts: np.ndarray, z: np.ndarray | float) -> np.ndarray:
        x, y = pts[:, 0], pts[:, 1]
        xr = x * self.cos_y + z * self.sin_y
        zr = z * self.cos_y - x * self.sin_y
        yr = y * self.cos_p + zr * self.sin_p
        return np.stack((xr + self.cx, yr + self.cy), axis=1)

    def on_face(self, pts: np.ndarray, relief: float = 0.0) -> np.ndarray:
        """Project points that sit on the face surface, raised by ``relief`` pixels."""
        return self.project(pts, self.surface_z(pts) + relief)

    def point(self, x: float, y: float, relief: float = 0.0) -> tuple[float, float]:
        p = self.on_face(np.array([[x, y]], dtype=np.float64), relief)[0]
        return float(p[0]), float(p[1])


def closed_path(pts: np.ndarray, path: skia.Path | None = None) -> skia.Path:
    """A smooth closed curve through ``pts`` (Catmull-Rom turned into cubic Béziers)."""
    path = skia.Path() if path is None else path
    prev = np.roll(pts, 1, axis=0)
    nxt = np.roll(pts, -1, axis=0)
    nxt2 = np.roll(pts, -2, axis=0)
    c1 = pts + (nxt - prev) / 6.0
    c2 = nxt - (nxt2 - pts) / 6.0
    # One tolist() per array: per-element numpy float access is the slow part of this loop.
    p, a, b = pts.tolist(), c1.tolist(), c2.tolist()
    path.moveTo(p[0][0], p[0][1])
    n = len(p)
    for i in range(n):
        j = (i + 1) % n
        path.cubicTo(a[i][0], a[i][1], b[i][0], b[i][1], p[j][0], p[j][1])
    path.close()
    return path


def open_path(pts: np.ndarray) -> skia.Path:
    """A smooth open curve through ``pts`` (end tangents from the end segments)."""
    ext = np.vstack((2 * pts[0] - pts[1], pts, 2 * pts[-1] - pts[-2]))
    c1 = ext[1:-2] + (ext[2:-1] - ext[:-3]) / 6.0
    c2 = ext[2:-1] - (ext[3:] - ext[1:-2]) / 6.0
    p, a, b = pts.tolist(), c1.tolist(), c2.tolist()
    path = skia.Path()
    path.moveTo(p[0][0], p[0][1])
    for i in range(len(p) - 1):
        path.cubicTo(a[i][0], a[i][1], b[i][0], b[i][1], p[i + 1][0], p[i + 1][1])
    return path


def ring(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """Points of a closed outline from a top edge (left to right) and a bottom edge (same)."""
    return np.vstack((top, bottom[::-1]))


def rgb(hex_color: str, alpha: int = 255) -> int:
    """A skia colour from ``#rrggbb``."""
    v = int(hex_color[1:], 16)
    return skia.ColorSetARGB(alpha, (v >> 16) & 255, (v >> 8) & 255, v & 255)


def mix(c1: str, c2: str, w: float) -> str:
    """Blend two ``#rrggbb`` colours (w=0 gives c1)."""
    a, b = int(c1[1:], 16), int(c2[1:], 16)
    chans = [round(((a >> s) & 255) * (1 - w) + ((b >> s) & 255) * w) for s in (16, 8, 0)]
    return "#" + "".join(f"{c:02x}" for c in chans)
