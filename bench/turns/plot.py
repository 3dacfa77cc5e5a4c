"""The trade-off chart (false cut-off rate against median dead air), drawn with OpenCV."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from bench.turns.harness import TIMEOUT, Point

W, H = 960, 640
LEFT, RIGHT, TOP, BOTTOM = 90, 220, 60, 80
FONT = cv2.FONT_HERSHEY_SIMPLEX
GREY = (200, 200, 200)
INK = (40, 40, 40)


def _xy(dead_air: float, rate: float) -> tuple[int, int]:
    x = LEFT + dead_air / TIMEOUT * (W - LEFT - RIGHT)
    y = H - BOTTOM - rate * (H - TOP - BOTTOM)
    return int(round(x)), int(round(y))


def _dashed(img: np.ndarray, a: tuple[int, int], b: tuple[int, int], color: tuple) -> None:
    n = max(1, int(np.hypot(b[0] - a[0], b[1] - a[1]) // 8))
    for i in range(0, n, 2):
        p = (a[0] + (b[0] - a[0]) * i // n, a[1] + (b[1] - a[1]) * i // n)
        q = (a[0] + (b[0] - a[0]) * (i + 1) // n, a[1] + (b[1] - a[1]) * (i + 1) // n)
        cv2.line(img, p, q, color, 1, cv2.LINE_AA)


def draw(
    curves: Sequence[tuple[str, tuple[int, int, int], Sequence[Point]]], path: Path, title: str
) -> None:
    """One curve per detector: ``(name, BGR colour, sweep points)``."""
    img = np.full((H, W, 3), 255, dtype=np.uint8)
    for i in range(11):  # grid and ticks
        rate = i / 10
        _, y = _xy(0, rate)
        cv2.line(img, (LEFT, y), (W - RIGHT, y), GREY, 1)
        cv2.putText(img, f"{rate:.0%}", (LEFT - 52, y + 5), FONT, 0.45, INK, 1, cv2.LINE_AA)
        dead = i * TIMEOUT / 10
        x, _ = _xy(dead, 0)
        cv2.line(img, (x, TOP), (x, H - BOTTOM), GREY, 1)
        label = f"{dead * 1000:.0f}"
        cv2.putText(img, label, (x - 14, H - BOTTOM + 22), FONT, 0.45, INK, 1, cv2.LINE_AA)
    _dashed(img, _xy(0.3, 0), _xy(0.3, 1), (120, 120, 120))
    _dashed(img, _xy(0, 0.05), _xy(TIMEOUT, 0.05), (120, 120, 120))
    cv2.rectangle(img, _xy(0, 1), _xy(TIMEOUT, 0), INK, 1)
    cv2.putText(
        img,
        "median dead air at end of turn (ms)",
        (LEFT + 170, H - 25),
        FONT,
        0.6,
        INK,
        1,
        cv2.LINE_AA,
    )
    ylabel = np.full((30, H - TOP - BOTTOM, 3), 255, dtype=np.uint8)
    cv2.putText(
        ylabel, "false cut-off rate (hold silences)", (80, 22), FONT, 0.6, INK, 1, cv2.LINE_AA
    )
    img[TOP : H - BOTTOM, 8:38] = cv2.rotate(ylabel, cv2.ROTATE_90_COUNTERCLOCKWISE)
    cv2.putText(img, title, (LEFT, 35), FONT, 0.6, INK, 1, cv2.LINE_AA)
    for n, (name, color, points) in enumerate(curves):
        pts = sorted((p.median_dead_air, p.false_cutoff_rate) for p in points)
        xy = np.array([_xy(min(x, TIMEOUT), y) for x, y in pts], dtype=np.int32)
        if len(xy) > 1:
            cv2.polylines(img, [xy.reshape(-1, 1, 2)], False, color, 2, cv2.LINE_AA)
        for p in xy:
            cv2.circle(img, (int(p[0]), int(p[1])), 3, color, -1, cv2.LINE_AA)
        ly = TOP + 20 + 26 * n
        cv2.line(img, (W - RIGHT + 15, ly), (W - RIGHT + 45, ly), color, 3)
        cv2.putText(img, name, (W - RIGHT + 52, ly + 5), FONT, 0.5, INK, 1, cv2.LINE_AA)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), img):
        raise OSError(f"could not write {path}")
