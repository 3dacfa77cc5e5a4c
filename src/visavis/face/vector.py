"""The default renderer: a stylised 2.5D character drawn with anti-aliased skia paths.

Everything is laid out on a 512x512 design canvas and scaled, so any output size draws the same
picture. The static backdrop is rendered once; per frame only the paths that move are rebuilt.
Soft shading comes from gradients (radial skin light, socket and jaw shadows fading to
transparent) rather than blurs, which are the expensive part of a raster pipeline.
"""

from __future__ import annotations

import numpy as np
import skia

from .avatar import Avatar
from .features import draw_nose
from .geometry import ROLL_DEG, HeadPose, closed_path, mix, open_path, rgb, ring
from .params import FaceParams

try:  # OpenCV's channel drop is ~40x faster than numpy's strided copy; optional.
    import cv2

    cv2.setNumThreads(1)
except ImportError:  # pragma: no cover - exercised only without opencv
    cv2 = None

DESIGN = 512.0
U7 = np.linspace(-1.0, 1.0, 7)
U9 = np.linspace(-1.0, 1.0, 9)
TAU = 2 * np.pi


def _radial(cx: float, cy: float, r: float, colors: list[int], stops: list[float] | None = None):
    return skia.GradientShader.MakeRadial((cx, cy), max(r, 1.0), colors, stops)


def _linear(p0: tuple[float, float], p1: tuple[float, float], colors: list[int]):
    return skia.GradientShader.MakeLinear([p0, p1], colors)


class VectorRenderer:
    """Renders an ``Avatar`` at ``size`` x ``size`` pixels; one instance per thread."""

    def __init__(self, avatar: Avatar, size: int = 512) -> None:
        if size < 32:
            raise ValueError("size must be at least 32 pixels")
        self.avatar = avatar
        self.size = size
        self._rgba = np.zeros((size, size, 4), dtype=np.uint8)
        self._rgb = np.zeros((size, size, 3), dtype=np.uint8)
        self._surface = skia.Surface(self._rgba)
        self._canvas = self._surface.getCanvas()
        self._scale = size / DESIGN
        self._background = self._draw_background()
        self._fill = skia.Paint(AntiAlias=True)  # shaded fills
        self._flat = skia.Paint(AntiAlias=True)  # solid fills (a shader cannot be unset)
        self._stroke = skia.Paint(AntiAlias=True, Style=skia.Paint.kStroke_Style)
        self._stroke.setStrokeCap(skia.Paint.kRound_Cap)
        f = avatar.face
        self.w, self.h = f.width, f.height
        self.cx, self.cy = 256.0, 226.0

    # --- static layers -----------------------------------------------------------------------

    def _draw_background(self) -> skia.Image:
        surface = skia.Surface(self.size, self.size)
        canvas = surface.getCanvas()
        canvas.scale(self._scale, self._scale)
        centre, edge = self.avatar.background
        paint = skia.Paint(AntiAlias=True)
        paint.setShader(_radial(230, 170, 420, [rgb(centre), rgb(edge)]))
        canvas.drawRect(skia.Rect(0, 0, DESIGN, DESIGN), paint)
        # A soft window light upper left keeps the backdrop from reading as a flat screen.
        paint.setShader(_radial(120, 90, 200, [rgb("#ffffff", 70), rgb("#ffffff", 0)]))
        canvas.drawCircle(120, 90, 200, paint)
        return surface.makeImageSnapshot()

    # --- frame -------------------------------------------------------------------------------

    def render(self, params: FaceParams) -> np.ndarray:
        p = params.clamped()
        c = self._canvas
        c.save()
        c.scale(self._scale, self._scale)
        c.resetMatrix()
        c.drawImage(self._background, 0, 0)
        c.scale(self._scale, self._scale)
        breath = p.breath * 3.0
        c.save()
        # The back hair hangs behind the shoulders, so it goes down before the torso; it still
        # follows the head's roll.
        c.rotate(p.head_roll * ROLL_DEG, 256, 400)
        pose = self._pose(p, breath)
        self._hair_back(c, pose)
        c.restore()
        self._torso(c, breath)
        # Roll pivots at the base of the neck; the head also drifts sideways with yaw because the
        # real rotation axis sits behind the face, not at its centre.
        c.rotate(p.head_roll * ROLL_DEG, 256, 400)
        self._neck(c, pose, p)
        self._ears(c, pose)
        self._face(c, pose, p)
        self._eyes(c, pose, p)
        self._brows(c, pose, p)
        self._nose(c, pose)
        self._mouth(c, pose, p)
        self._hair_front(c, pose)
        c.restore()
        if cv2 is not None:
            cv2.cvtColor(self._rgba, cv2.COLOR_RGBA2RGB, dst=self._rgb)
        else:
            np.copyto(self._rgb, self._rgba[:, :, :3])
        return self._rgb

    def _pose(self, p: FaceParams, breath: float) -> HeadPose:
        return HeadPose(
            self.cx + p.head_yaw * 10.0,
            self.cy + p.head_pitch * 6.0 - breath * 0.5,
            self.w,
            self.h,
            p.head_yaw,
            p.head_pitch,
        )

    def _torso(self, c: skia.Canvas, breath: float) -> None:
        a = self.avatar
        y0 = 410 - breath
        pts = np.array(
            [[40, 560], [52, y0 + 62], [120, y0 + 12], [200, y0 - 4], [312, y0 - 4],
             [392, y0 + 12], [460, y0 + 62], [472, 560]], dtype=np.float64
        )  # fmt: skip
        self._fill.setShader(
            _linear((0, y0), (0, 512), [rgb(a.shirt), rgb(mix(a.shirt, "#000000", 0.35))])
        )
        c.drawPath(closed_path(pts), self._fill)
        collar = np.array(
            [[196, y0 - 2], [256, y0 + 58], [316, y0 - 2], [300, y0 - 8], [256, y0 + 34],
             [212, y0 - 8]], dtype=np.float64
        )  # fmt: skip
        self._flat.setColor(rgb(a.collar))
        c.drawPath(closed_path(collar), self._flat)

    def _neck(self, c: skia.Canvas, pose: HeadPose, p: FaceParams) -> None:
        s = self.avatar.skin
        nw = self.w * 0.46
        top = pose.cy + self.h * 0.55
        pts = np.array(
            [[256 - nw + 4, top], [256 - nw, 392], [256 - nw - 10, 412], [256, 442],
             [256 + nw + 10, 412], [256 + nw, 392], [256 + nw - 4, top]], dtype=np.float64
        )  # fmt: skip
        pts[:, 0] += (pose.cx - 256) * 0.5
        shade = _linear((0, top + 20), (0, 420), [rgb(s.shadow), rgb(s.base)])
        self._fill.setShader(shade)
        c.drawPath(closed_path(pts), self._fill)

    def _hair_back(self, c: skia.Canvas, pose: HeadPose) -> None:
        hair = self.avatar.hair
        w, h, vol = self.w, self.h, hair.volume
        theta = np.linspace(0, TAU, 24, endpoint=False)
        rx, ry = w * (1.08 + 0.1 * vol), h * (1.02 + 0.05 * vol)
        pts = np.stack((np.cos(theta) * rx, np.sin(theta) * ry - h * 0.05), axis=1)
        if hair.style == "long":
            low = pts[:, 1] > 0
            pts[low, 1] = pts[low, 1] * 2.3 + 20
            pts[low, 0] *= 1.0 + 0.1 * (pts[low, 1] / h)
        elif hair.style == "bob":
            low = pts[:, 1] > 0
            pts[low, 1] = pts[low, 1] * 0.95 + 10
            pts[low, 0] *= 1.08
        elif hair.style == "curly":
            bumps = 1.0 + 0.045 * np.cos(theta * 11)
            pts *= bumps[:, None]
            pts[pts[:, 1] > 0.2 * h, 1] *= 0.6
        else:
            pts[pts[:, 1] > 0.2 * h, 1] *= 0.6
        proj = pose.project(pts, -0.35 * pose.depth)
        self._fill.setShader(
            _linear(
                (0, pose.cy - h),
                (0, pose.cy + 2 * h),
                [rgb(hair.color), rgb(mix(hair.color, "#000000", 0.3))],
            )
        )
        c.drawPath(closed_path(proj), self._fill)

    def _ears(self, c: skia.Canvas, pose: HeadPose) -> None:
        s = self.avatar.skin
        for side in (-1.0, 1.0):
            e = np.array([[side * self.w * 0.97, 0.02 * self.h]])
            x, y = pose.project(e, 0.0)[0]
            rx = self.w * 0.13 * max(0.35, 1 - 0.6 * side * -pose.sin_y / 0.41)
            self._fill.setShader(_radial(x, y, self.h * 0.16, [rgb(s.base), rgb(s.shadow)]))
            c.drawOval(skia.Rect(x - rx, y - self.h * 0.15, x + rx, y + self.h * 0.13), self._fill)

    def _face_outline(self, pose: HeadPose, jaw_open: float) -> np.ndarray:
        f = self.avatar.face
        theta = np.linspace(0, TAU, 20, endpoint=False)
        cos, sin = np.cos(theta), np.sin(theta)
        # Lower half narrows toward the chin; ``jaw`` keeps it square, ``cheek`` fills it out.
        low = np.clip(sin, 0, 1)
        narrow = 1 - (0.36 - 0.26 * f.jaw) * low**1.3 + 0.05 * f.cheek * np.sin(theta * 2) ** 2
        x = cos * self.w * narrow
        y = sin * self.h + jaw_open * 9.0 * low**3
        pts = np.stack((x, y), axis=1)
        z = pose.depth * (0.15 + 0.45 * low**2)  # the chin sits forward of the cheeks
        return pose.project(pts, z)

    def _face(self, c: skia.Canvas, pose: HeadPose, p: FaceParams) -> None:
        s = self.avatar.skin
        outline = closed_path(self._face_outline(pose, p.jaw_open))
        lx, ly = pose.point(-0.3 * self.w, -0.35 * self.h)
        self._fill.setShader(
            _radial(
                lx,
                ly,
                self.h * 1.45,
                [rgb(s.highlight), rgb(s.base), rgb(s.shadow)],
                [0.0, 0.45, 1.0],
            )
        )
        c.drawPath(outline, self._fill)
        for side in (-1.0, 1.0):  # cheeks: blush fading to nothing, no blur needed
            bx, by = pose.point(side * 0.55 * self.w, 0.28 * self.h)
            r = 0.3 * self.w
            self._fill.setShader(_radial(bx, by, r, [rgb(s.blush, 80), rgb(s.blush, 0)]))
            c.drawCircle(bx, by, r, self._fill)
            # Eye sockets: a soft shadow above and beside each eye.
            ex, ey = pose.point(side * 0.38 * self.w, -0.06 * self.h)
            r = 0.3 * self.w
            self._fill.setShader(_radial(ex, ey, r, [rgb(s.shadow, 70), rgb(s.shadow, 0)]))
            c.drawCircle(ex, ey, r, self._fill)

    def _eyes(self, c: skia.Canvas, pose: HeadPose, p: FaceParams) -> None:
        a = self.avatar
        f = a.face
        ew = 0.2 * self.w * f.eye_size
        up, lo = 0.62 * ew, 0.36 * ew
        for side, blink in ((-1.0, p.blink_right), (1.0, p.blink_left)):
            ex, ey = side * 0.38 * self.w * f.eye_spacing, -0.04 * self.h
            xs = ex + U7 * ew
            tilt = -side * U7 * 2.0  # outer corners slightly raised
            open_up = -up * (1 - U7**2) ** 0.7
            close_to = lo * 0.55 * (1 - U7**2)
            upper = np.stack((xs, ey + tilt + open_up * (1 - blink) + close_to * blink), axis=1)
            lower = np.stack((xs, ey + tilt + lo * (1 - U7**2) ** 0.8), axis=1)
            upper_p = pose.on_face(upper, 4.0)
            lower_p = pose.on_face(lower, 4.0)
            if blink < 0.97:
                opening = closed_path(ring(upper_p, lower_p))
                self._flat.setColor(rgb("#f4f1ec"))
                c.drawPath(opening, self._flat)
                c.save()
                c.clipPath(opening, skia.ClipOp.kIntersect, True)
                ix, iy = pose.point(ex + p.gaze_x * 0.42 * ew, ey + p.gaze_y * 0.3 * up, 6.0)
                ir = 0.5 * ew
                iris = rgb(a.iris)
                self._fill.setShader(
                    _radial(
                        ix,
                        iy,
                        ir,
                        [
                            rgb(mix(a.iris, "#ffffff", 0.25)),
                            iris,
                            rgb(mix(a.iris, "#000000", 0.55)),
                        ],
                        [0.0, 0.7, 1.0],
                    )
                )
                c.drawCircle(ix, iy, ir, self._fill)
                self._flat.setColor(rgb("#0d0b0b"))
                c.drawCircle(ix, iy, ir * 0.45, self._flat)
                self._flat.setColor(rgb("#ffffff", 230))
                c.drawCircle(ix - ir * 0.35, iy - ir * 0.38, ir * 0.2, self._flat)
                # The upper lid shades the top of the eyeball.
                self._fill.setShader(
                    _linear(
                        (0, upper_p[3, 1]),
                        (0, upper_p[3, 1] + up),
                        [rgb("#5a3a30", 90), rgb("#5a3a30", 0)],
                    )
                )
                c.drawPath(opening, self._fill)
                c.restore()
            self._stroke.setColor(rgb("#1e1412"))
            self._stroke.setStrokeWidth(2.8)
            c.drawPath(open_path(upper_p), self._stroke)
            crease = upper.copy()
            crease[:, 1] = ey + tilt - up * (1 - U7**2) ** 0.6 - 6.0 - 2.0 * blink
            self._stroke.setColor(rgb(a.skin.shadow, 150))
            self._stroke.setStrokeWidth(1.6)
            c.drawPath(open_path(pose.on_face(crease[1:-1], 4.0)), self._stroke)
            self._stroke.setColor(rgb(a.skin.shadow, 110))
            self._stroke.setStrokeWidth(1.2)
            c.drawPath(open_path(lower_p[1:-1]), self._stroke)

    def _brows(self, c: skia.Canvas, pose: HeadPose, p: FaceParams) -> None:
        a = self.avatar
        f = a.face
        ew = 0.2 * self.w * f.eye_size
        for side in (-1.0, 1.0):
            t = np.linspace(0.0, 1.0, 5)  # 0 inner end .. 1 outer end
            x = side * (0.15 * self.w * f.eye_spacing + t * 0.5 * self.w)
            base = -0.04 * self.h - 0.62 * ew - 0.12 * self.h
            arch = -7.0 * np.sin(np.pi * np.clip(t * 1.15, 0, 1))
            inner_w = 1 - t
            # Furrow knits the inner ends together and lifts them (the worried brow, AU1+AU4).
            x -= side * p.brow_furrow * 6.0 * inner_w
            y = base + arch - p.brow_raise * (8.0 + 4.0 * inner_w)
            y += p.brow_furrow * (3.0 * t - 6.0 * inner_w)
            th = f.brow_thickness * (2.2 + 4.2 * (1 - t) ** 0.7)
            top = np.stack((x, y - th * 0.6), axis=1)
            bottom = np.stack((x, y + th * 0.4), axis=1)
            pts = pose.on_face(ring(top, bottom), 5.0)
            self._flat.setColor(rgb(a.brow, 235))
            c.drawPath(closed_path(pts), self._flat)

    def _nose(self, c: skia.Canvas, pose: HeadPose) -> None:
        draw_nose(c, pose, self.avatar, self._fill, self._flat, self._stroke)

    def _mouth(self, c: skia.Canvas, pose: HeadPose, p: FaceParams) -> None:
        s = self.avatar.skin
        f = self.avatar.face
        my = 0.55 * self.h
        mw = (
            0.3
            * self.w
            * f.mouth_width
            * (1 + 0.22 * p.lip_spread - 0.38 * p.lip_round + 0.12 * max(p.smile, 0))
        )
        opening = p.jaw_open * 0.24 * self.h
        o_top, o_bot = opening * 0.32, opening * 0.68
        bulge = (1 - U9**2) ** (0.35 + 0.45 * (1 - p.lip_round))  # rounding makes an O
        lift = -p.smile * 7.0 * np.abs(U9) ** 3 + 1.5 * p.lip_round
        ul, ll = 5.5 * f.lip_fullness, 8.0 * f.lip_fullness * (1 + 0.25 * p.lip_round)
        xs_in, xs_out = U9 * mw, U9 * mw * 1.05
        in_up = np.stack((xs_in, my + lift - o_top * bulge), axis=1)
        in_lo = np.stack((xs_in, my + lift + o_bot * bulge), axis=1)
        cupid = 2.2 * np.exp(-((U9 * 6) ** 2))  # the dip in the middle of the upper lip
        out_up = np.stack(
            (xs_out, my + lift - o_top * bulge - ul * (1 - U9**2) ** 0.6 + cupid), axis=1
        )
        out_lo = np.stack((xs_out, my + lift + o_bot * bulge + ll * (1 - U9**2) ** 0.7), axis=1)
        relief = 0.12 * pose.depth + 6 * p.lip_round  # rounded lips protrude
        in_up_p, in_lo_p = pose.on_face(in_up, relief), pose.on_face(in_lo, relief)
        lip = rgb(s.lip)
        lip_dark = rgb(mix(s.lip, "#000000", 0.25))
        if opening > 0.6:
            inner = closed_path(ring(in_up_p, in_lo_p))
            self._flat.setColor(rgb("#2a0d0f"))
            c.drawPath(inner, self._flat)
            c.save()
            c.clipPath(inner, skia.ClipOp.kIntersect, True)
            tx, ty = in_up_p[4]
            self._flat.setColor(rgb("#eeeae2"))  # upper teeth, only their edge shows
            c.drawRoundRect(
                skia.Rect(tx - mw * 0.62, ty - 6, tx + mw * 0.62, ty + 5.5), 3, 3, self._flat
            )
            bx, by = in_lo_p[4]
            self._flat.setColor(rgb("#9c4548"))  # tongue
            c.drawOval(skia.Rect(bx - mw * 0.5, by - 7, bx + mw * 0.5, by + 9), self._flat)
            c.restore()
        upper = pose.on_face(ring(out_up, in_up), relief)
        self._fill.setShader(_linear((0, upper[4, 1]), (0, in_up_p[4, 1]), [lip_dark, lip]))
        c.drawPath(closed_path(upper), self._fill)
        lower = pose.on_face(ring(in_lo, out_lo), relief)
        top_y = float(in_lo_p[4, 1])
        self._fill.setShader(_linear((0, top_y), (0, top_y + ll + 2), [lip, lip_dark]))
        c.drawPath(closed_path(lower), self._fill)
        self._stroke.setColor(rgb(mix(s.lip, "#000000", 0.55), 200))
        self._stroke.setStrokeWidth(1.4)
        c.drawPath(open_path(in_up_p), self._stroke)
        # A soft shadow under the lower lip anchors the mouth on the face.
        sx, sy = pose.point(0.0, my + o_bot + ll + 6, relief * 0.8)
        self._fill.setShader(_radial(sx, sy, mw * 0.7, [rgb(s.shadow, 70), rgb(s.shadow, 0)]))
        c.drawOval(skia.Rect(sx - mw * 0.7, sy - 6, sx + mw * 0.7, sy + 6), self._fill)

    def _hair_front(self, c: skia.Canvas, pose: HeadPose) -> None:
        from .hair import fringe

        fringe(c, pose, self.avatar.hair, self._fill, self._stroke)
