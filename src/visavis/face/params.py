"""The avatar's control vector: what animation decides and what a renderer draws.

Every value is normalised so that animation never needs to know the avatar's geometry: 0..1 for
amounts (jaw opening, blink), -1..1 for signed directions (gaze, head pose, smile). Renderers map
them onto their own ranges (a head yaw of 1 is about 25 degrees in the vector renderer).
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields, replace


@dataclass(frozen=True, slots=True)
class FaceParams:
    """One frame's face state; all fields normalised (see the module docstring)."""

    jaw_open: float = 0.0  # 0 closed lips .. 1 wide open
    lip_spread: float = 0.0  # 0 neutral width .. 1 spread (ee)
    lip_round: float = 0.0  # 0 neutral .. 1 rounded and protruded (oo)
    smile: float = 0.0  # -1 downturned .. 1 broad smile
    brow_raise: float = 0.0  # 0 rest .. 1 raised
    brow_furrow: float = 0.0  # 0 rest .. 1 knit together (concern)
    blink_left: float = 0.0  # 0 open .. 1 closed (the avatar's left eye, viewer's right)
    blink_right: float = 0.0
    gaze_x: float = 0.0  # -1 viewer's left .. 1 viewer's right
    gaze_y: float = 0.0  # -1 up .. 1 down
    head_pitch: float = 0.0  # -1 chin up .. 1 chin down (nod)
    head_yaw: float = 0.0  # -1 turned to the viewer's left .. 1 right
    head_roll: float = 0.0  # -1 .. 1, tilt (clockwise positive)
    breath: float = 0.0  # -1 exhaled .. 1 inhaled (shoulders rise)

    def with_(self, **changes: float) -> FaceParams:
        return replace(self, **changes)

    def blink(self, amount: float) -> FaceParams:
        """Both eyes at once, the common case."""
        return replace(self, blink_left=amount, blink_right=amount)

    def clamped(self) -> FaceParams:
        """Values forced into their ranges, so additive layers cannot push a renderer off-model."""
        out = {}
        for f, v in zip(fields(self), astuple(self), strict=True):
            lo = -1.0 if f.name in _SIGNED else 0.0
            out[f.name] = float(min(1.0, max(lo, v)))
        return FaceParams(**out)

    def as_tuple(self) -> tuple[float, ...]:
        return astuple(self)


_SIGNED = frozenset({"smile", "gaze_x", "gaze_y", "head_pitch", "head_yaw", "head_roll", "breath"})

PRESETS: dict[str, FaceParams] = {
    "neutral": FaceParams(),
    "neutral_listening": FaceParams(smile=0.25, brow_raise=0.1, head_pitch=0.08, head_roll=0.05),
    "speaking": FaceParams(
        jaw_open=0.55, lip_spread=0.35, smile=0.2, brow_raise=0.3, head_yaw=0.05, gaze_x=0.05
    ),
    "concerned": FaceParams(
        smile=-0.25, brow_raise=0.35, brow_furrow=0.6, head_pitch=0.12, head_roll=-0.08
    ),
    "smile": FaceParams(smile=0.8, brow_raise=0.2, jaw_open=0.1, lip_spread=0.3),
    "blink": FaceParams(blink_left=1.0, blink_right=1.0),
    "look_left": FaceParams(gaze_x=-0.8, head_yaw=-0.5, head_roll=-0.1),
}


def preset(name: str) -> FaceParams:
    """A named expression (``neutral_listening``, ``speaking``, ``concerned``...)."""
    try:
        return PRESETS[name]
    except KeyError:
        known = ", ".join(sorted(PRESETS))
        raise ValueError(f"unknown face preset {name!r}; known presets: {known}") from None
