"""Drawing the patient's webcam picture: a room, the patient in front of it, maybe a visitor.

The avatar renderer draws a square portrait with its own backdrop. A webcam shows a person in
a room instead, so the avatar is rendered as a cut-out (transparent backdrop, exact anti-aliased
edges) and composited onto a wider room picture drawn once per camera.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import cv2
import numpy as np
import skia

from visavis.face.avatar import load_avatar
from visavis.face.params import FaceParams
from visavis.face.vector import VectorRenderer

#: Where the avatar renderer puts the face centre, as a fraction of its square (226 / 512).
FACE_Y = 226 / 512
#: The patient's square, as a fraction of frame height: the face is then ~42% of the height.
PATIENT_SCALE = 0.76
#: A visitor stands further back: smaller, a little higher, off to the side.
VISITOR_SCALE = 0.56
VISITOR_X, VISITOR_FACE_Y = 0.82, 0.40
#: Sensor-noise patterns cycled frame by frame, so a still scene is not bit-identical.
NOISE_PATTERNS = 3


@dataclass(frozen=True, slots=True)
class Shot:
    """Everything needed to draw one frame; made on the event loop, drawn on a worker."""

    index: int  # frame number: picks the noise pattern
    patient: FaceParams | None  # None: out of the frame
    patient_out: float  # 0 in place .. 1 walked out to the viewer's left
    visitor: FaceParams | None
    visitor_in: float  # 0 outside on the viewer's right .. 1 in place
    visitor_avatar: str


class _CutoutRenderer(VectorRenderer):
    """The vector avatar on a transparent backdrop.

    ``VectorRenderer`` paints its backdrop as one static image at the start of each frame;
    making that image transparent and clearing the canvas first leaves unpremultiplied RGBA
    with the person's exact coverage in alpha (the surface wraps ``_rgba``)."""

    def _draw_background(self) -> skia.Image:
        surface = skia.Surface(self.size, self.size)
        surface.getCanvas().clear(skia.ColorTRANSPARENT)
        return surface.makeImageSnapshot()

    def cutout(self, params: FaceParams) -> np.ndarray:
        self._canvas.clear(skia.ColorTRANSPARENT)
        self.render(params)
        return self._rgba


def _blend(dst: np.ndarray, src: np.ndarray) -> None:
    """Alpha-blend unpremultiplied RGBA ``src`` onto RGB ``dst`` in place.

    OpenCV's per-pixel weighted blend is ~3.5x faster than the same sum in numpy, and this is
    the largest cost of a frame after drawing the avatar itself."""
    src = np.ascontiguousarray(src)
    weight = src[..., 3].astype(np.float32) * (1.0 / 255.0)
    dst[...] = cv2.blendLinear(cv2.cvtColor(src, cv2.COLOR_RGBA2RGB), dst, weight, 1.0 - weight)


def _place(frame: np.ndarray, sprite: np.ndarray, cx: float, top: int) -> None:
    """Composite a square cut-out centred at ``cx``; below it, its last row is repeated down
    to the frame's edge, so the torso continues out of the picture as in a real webcam."""
    h, w = frame.shape[:2]
    s = sprite.shape[0]
    left = int(round(cx - s / 2))
    x0, x1 = max(0, left), min(w, left + s)
    if x1 <= x0:
        return
    y0, y1 = max(0, top), min(h, top + s)
    if y1 > y0:
        _blend(frame[y0:y1, x0:x1], sprite[y0 - top : y1 - top, x0 - left : x1 - left])
    below = max(top + s, 0)
    if below < h:
        row = sprite[s - 1 : s, x0 - left : x1 - left]
        _blend(frame[below:h, x0:x1], np.broadcast_to(row, (h - below, x1 - x0, 4)))


def _rgb(hex_color: str, alpha: int = 255) -> int:
    v = int(hex_color[1:], 16)
    return skia.ColorSetARGB(alpha, (v >> 16) & 255, (v >> 8) & 255, v & 255)


def draw_room(size: tuple[int, int], seed: int) -> list[np.ndarray]:
    """A living-room wall behind the patient (window, curtain, shelf, picture, sofa back), with
    ``NOISE_PATTERNS`` sensor-noise variants. Laid out on a 640x480 canvas and scaled."""
    w, h = size
    rgba = np.zeros((h, w, 4), dtype=np.uint8)
    c = skia.Surface(rgba).getCanvas()
    c.scale(w / 640, h / 480)
    p = skia.Paint(AntiAlias=True)  # shaded fills
    solid = skia.Paint(AntiAlias=True)  # a skia paint's shader cannot be unset

    def grad(p0: tuple[float, float], p1: tuple[float, float], a: str, b: str) -> None:
        p.setShader(skia.GradientShader.MakeLinear([p0, p1], [_rgb(a), _rgb(b)]))

    def rect(x0: float, y0: float, x1: float, y1: float, color: str | None = None) -> None:
        if color is not None:
            solid.setColor(_rgb(color))
        c.drawRect(skia.Rect(x0, y0, x1, y1), p if color is None else solid)

    grad((0, 0), (0, 480), "#dcd1bf", "#b3a58f")
    rect(0, 0, 640, 480)
    # Window on the left, daylight outside, with its glow on the wall.
    rect(22, 34, 196, 282, "#efebe3")
    grad((0, 44), (0, 272), "#bcd6ec", "#e9f1f4")
    rect(32, 44, 186, 272)
    rect(105, 44, 113, 272, "#efebe3")
    rect(32, 152, 186, 160, "#efebe3")
    p.setShader(
        skia.GradientShader.MakeRadial((110, 160), 280, [_rgb("#ffffff", 46), _rgb("#ffffff", 0)])
    )
    c.drawCircle(110, 160, 280, p)
    grad((190, 0), (230, 0), "#7d8f72", "#5f7057")  # curtain
    rect(190, 24, 230, 320)
    # A framed picture and a shelf of books on the right.
    rect(492, 44, 598, 124, "#4a3b30")
    grad((0, 52), (0, 116), "#9fb7c9", "#8c9c6e")
    rect(500, 52, 590, 116)
    rng = np.random.default_rng(seed)
    palette = ["#8c3b32", "#2f4f6b", "#c9a227", "#4e6b3a", "#6b4a7a", "#d9d2c4", "#3a3a3a"]
    x = 470.0
    while x < 630:
        bw, bh = float(rng.uniform(9, 18)), float(rng.uniform(38, 66))
        rect(x, 214 - bh, x + bw - 1, 214, palette[int(rng.integers(len(palette)))])
        x += bw
    rect(462, 214, 640, 224, "#7b5a3e")
    # Sofa back behind the shoulders.
    solid.setColor(_rgb("#6c5a4f"))
    c.drawRRect(skia.RRect.MakeRectXY(skia.Rect(-40, 392, 680, 560), 40, 40), solid)
    # Vignette: webcam lenses darken toward the corners.
    p.setShader(
        skia.GradientShader.MakeRadial(
            (320, 240), 420, [_rgb("#000000", 0), _rgb("#000000", 70)], [0.55, 1.0]
        )
    )
    rect(0, 0, 640, 480)
    room = rgba[..., :3].astype(np.int16)
    return [
        np.clip(room + rng.normal(0, 1.8, room.shape), 0, 255).astype(np.uint8)
        for _ in range(NOISE_PATTERNS)
    ]


class Scene:
    """Draws ``Shot``s; holds the renderers (one drawing at a time, hence the lock)."""

    def __init__(self, avatar: str, size: tuple[int, int], seed: int) -> None:
        w, h = size
        self.size = size
        self.rooms = draw_room(size, seed)
        self.patient = _CutoutRenderer(load_avatar(avatar), 2 * round(PATIENT_SCALE * h / 2))
        self._visitors: dict[str, _CutoutRenderer] = {}
        self._visitor_px = 2 * round(VISITOR_SCALE * h / 2)
        self._lock = threading.Lock()

    def _visitor(self, avatar: str) -> _CutoutRenderer:
        if avatar not in self._visitors:
            self._visitors[avatar] = _CutoutRenderer(load_avatar(avatar), self._visitor_px)
        return self._visitors[avatar]

    def draw(self, shot: Shot) -> np.ndarray:
        w, h = self.size
        frame = self.rooms[shot.index % len(self.rooms)].copy()
        with self._lock:
            if shot.visitor is not None:
                s = self._visitor_px
                target, outside = VISITOR_X * w, w + s / 2
                cx = outside + (target - outside) * shot.visitor_in
                top = int(round(VISITOR_FACE_Y * h - FACE_Y * s))
                _place(frame, self._visitor(shot.visitor_avatar).cutout(shot.visitor), cx, top)
            if shot.patient is not None:
                s = self.patient.size
                cx = w / 2 - shot.patient_out * (w / 2 + s / 2)
                top = int(round(0.5 * h - FACE_Y * s))
                _place(frame, self.patient.cutout(shot.patient), cx, top)
        return frame
