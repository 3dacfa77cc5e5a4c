"""The hair that falls in front of the face (fringe and hairline), per hair style."""

from __future__ import annotations

import numpy as np
import skia

from .avatar import Hair
from .geometry import HeadPose, closed_path, mix, open_path, rgb


def _hairline(style: str, parting: float, w: float, h: float) -> np.ndarray:
    """The inner edge of the hair across the forehead, from the right temple to the left."""
    xs = np.linspace(1.0, -1.0, 9)
    if style == "bob":  # straight-cut bangs, slightly longer at the sides
        ys = -0.42 + 0.12 * xs**4
    elif style == "long":  # a side-swept fringe: low on the far side of the parting
        d = xs - parting
        ys = -0.78 + 0.55 * np.clip(np.abs(d) / 1.2, 0, 1) ** 1.3 * np.where(d < 0, 1.0, 0.55)
        ys = np.minimum(ys, -0.3)
    else:  # short and curly: a natural hairline with slightly receded temples
        ys = -0.64 - 0.06 * np.cos(xs * np.pi) + 0.1 * xs**6
    return np.stack((xs * w * 0.96, ys * h), axis=1)


def fringe(
    c: skia.Canvas, pose: HeadPose, hair: Hair, fill: skia.Paint, stroke: skia.Paint
) -> None:
    w, h = pose.w, pose.h
    theta = np.linspace(np.pi * 1.04, np.pi * 1.96, 13)  # over the top, left temple to right
    grow = 1.05 + 0.05 * hair.volume
    outer = np.stack(
        (np.cos(theta) * w * grow, np.sin(theta) * h * (1.0 + 0.04 * hair.volume) - 0.05 * h),
        axis=1,
    )
    if hair.style == "curly":
        outer *= (1.0 + 0.05 * np.cos(np.linspace(0, 14 * np.pi, 13)))[:, None]
    pts = np.vstack((outer, _hairline(hair.style, hair.parting, w, h)))
    # The crown edge turns with the head outline; the hairline lies on the forehead.
    z = np.concatenate(
        (np.full(len(outer), 0.15 * pose.depth), pose.surface_z(pts[len(outer) :]) + 6.0)
    )
    proj = pose.project(pts, z)
    top_y = pose.cy - h * 1.1
    fill.setShader(
        skia.GradientShader.MakeLinear(
            [(0, top_y), (0, pose.cy - 0.2 * h)],
            [rgb(mix(hair.color, hair.highlight, 0.35)), rgb(hair.color)],
        )
    )
    c.drawPath(closed_path(proj), fill)
    # A sheen arc: hair reads as hair (not a helmet) once it catches the light.
    sheen_t = np.linspace(np.pi * 1.25, np.pi * 1.6, 5)
    sheen = np.stack((np.cos(sheen_t) * w * 0.8, np.sin(sheen_t) * h * 0.92 - 0.05 * h), axis=1)
    stroke.setColor(rgb(hair.highlight, 120))
    stroke.setStrokeWidth(7.0)
    c.drawPath(open_path(pose.project(sheen, 0.6 * pose.depth)), stroke)
