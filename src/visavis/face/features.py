"""Facial features drawn outside the main renderer module (kept small for reading)."""

from __future__ import annotations

import numpy as np
import skia

from .avatar import Avatar
from .geometry import HeadPose, mix, open_path, rgb


def radial(cx: float, cy: float, r: float, colors: list[int]) -> skia.Shader:
    return skia.GradientShader.MakeRadial((cx, cy), max(r, 1.0), colors)


def draw_nose(
    c: skia.Canvas,
    pose: HeadPose,
    avatar: Avatar,
    fill: skia.Paint,
    flat: skia.Paint,
    stroke: skia.Paint,
) -> None:
    s = avatar.skin
    nl = avatar.face.nose_length
    tip_y = 0.26 * pose.h * nl
    relief = 0.28 * pose.depth
    # A soft shadow down the unlit side of the bridge gives the nose its volume.
    bridge = np.array([[5.0, -0.05 * pose.h], [7.0, tip_y * 0.55], [10.0, tip_y * 0.9]])
    stroke.setColor(rgb(s.shadow, 60))
    stroke.setStrokeWidth(5.0)
    c.drawPath(open_path(pose.on_face(bridge, relief * 0.5)), stroke)
    tx, ty = pose.point(0.0, tip_y, relief)
    fill.setShader(radial(tx - 3, ty - 4, 11, [rgb(s.highlight, 150), rgb(s.highlight, 0)]))
    c.drawCircle(tx - 3, ty - 4, 11, fill)
    wing = np.array(
        [
            [-15.0, tip_y - 3],
            [-10.0, tip_y + 7],
            [0.0, tip_y + 9],
            [10.0, tip_y + 7],
            [15.0, tip_y - 3],
        ]
    )
    stroke.setColor(rgb(s.shadow, 170))
    stroke.setStrokeWidth(2.0)
    c.drawPath(open_path(pose.on_face(wing, relief * 0.6)), stroke)
    flat.setColor(rgb(mix(s.shadow, "#000000", 0.3), 150))
    for side in (-1.0, 1.0):
        nx, ny = pose.point(side * 6.5, tip_y + 5.5, relief * 0.7)
        c.drawOval(skia.Rect(nx - 3.6, ny - 2.0, nx + 3.6, ny + 2.0), flat)
