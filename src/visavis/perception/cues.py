"""From observations to cues: hysteresis on face features, oscillation on head pose.

A cue is what a good human listener would notice: the person looking away, frowning, smiling,
closing their eyes, nodding or shaking their head, leaving the frame, someone else appearing.
Each lasting cue needs its condition to hold for a while before it starts and to be clearly
gone before it ends (two thresholds and two durations), so one noisy frame neither starts nor
ends anything. Nods and head shakes are oscillations: at least two reversals of head pitch (or
yaw) of a clear amplitude inside a short window, with the other axis comparatively still.

The detector is pure logic over ``VisualObservation``s: no model, no clock, no I/O, so each
cue is tested with observation sequences, and the stage decides where observations come from.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from visavis.perception.types import FaceFeatures, VisualObservation
from visavis.runtime.events import CueName, PerceptionCue


@dataclass
class CueSettings:
    #: gaze_at_camera below ``away_gaze`` is looking away; back above ``back_gaze``.
    away_gaze: float = 0.4
    back_gaze: float = 0.6
    away_after: float = 0.8
    #: Brow furrow and smile are read as a lift above the person's own resting level (a slow
    #: running mean while the cue is off): faces differ at rest far more than these cut points.
    frown_on: float = 0.22
    frown_off: float = 0.12
    smile_on: float = 0.3
    smile_off: float = 0.18
    #: Weight of each new frame in the resting level (about 10 s at 10 fps).
    rest_rate: float = 0.01
    #: Frames with the eyes this closed (a blink) are not used for gaze or head pose: the mesh
    #: misreads pitch while the eyelids are shut.
    blink: float = 0.5
    expression_after: float = 0.5
    eyes_closed_on: float = 0.7
    eyes_closed_off: float = 0.5
    #: Longer than a blink (100-400 ms).
    eyes_closed_after: float = 1.0
    absent_after: float = 1.0
    second_person_after: float = 1.0
    #: How long a cue's condition must be gone before the cue ends.
    release: float = 0.3
    #: Nods and shakes: reversals of at least ``gesture_swing`` degrees within the window. One
    #: quick dip and back is a nod (a slow look down at one's notes takes longer than the
    #: window, so its return is no reversal); a head turned aside and back is not yet a shake.
    gesture_window: float = 1.6
    gesture_swing: float = 6.0
    nod_reversals: int = 1
    shake_reversals: int = 2


@dataclass
class Hysteresis:
    """A boolean with two thresholds and two durations; reports start and end times."""

    on: float
    off: float
    after: float
    release: float
    #: "above" for cues that start when the value rises (frown), "below" when it falls (gaze).
    direction: str = "above"
    active: bool = False
    _since: float | None = None  # when the pending transition's condition began
    started_at: float = 0.0

    def update(self, t: float, value: float | None) -> tuple[str, float] | None:
        """Feed one reading (None: unknown, e.g. no face); returns ("start"|"end", time)."""
        if value is None:
            if self.active:  # no reading: release as if the condition were gone
                return self._pending(t, False)
            self._since = None
            return None
        if self.direction == "above":
            holds, gone = value >= self.on, value <= self.off
        else:
            holds, gone = value <= self.on, value >= self.off
        if not self.active:
            return self._pending(t, holds)
        return self._pending(t, gone)

    def _pending(self, t: float, condition: bool) -> tuple[str, float] | None:
        if not condition:
            self._since = None
            return None
        if self._since is None:
            self._since = t
        wait = self.release if self.active else self.after
        if t - self._since < wait:
            return None
        began, self._since = self._since, None
        self.active = not self.active
        if self.active:
            self.started_at = began
            return ("start", began)
        return ("end", began)


@dataclass
class Oscillation:
    """Counts direction reversals of one angle inside a sliding window."""

    window: float
    swing: float
    reversals: int
    samples: deque[tuple[float, float]] = field(default_factory=deque)
    quiet_until: float = -1.0

    def update(self, t: float, angle: float) -> tuple[float, float] | None:
        """Feed one angle; returns (start, end) of a detected oscillation, once per gesture."""
        self.samples.append((t, angle))
        while self.samples and t - self.samples[0][0] > self.window:
            self.samples.popleft()
        if t < self.quiet_until:
            # Still the same gesture while the head keeps swinging: one nodding, one cue.
            recent = [a for u, a in self.samples if t - u <= self.window / 2]
            if recent and max(recent) - min(recent) >= self.swing:
                self.quiet_until = t + self.window / 2
            return None
        if len(self.samples) < 4:
            return None
        began, turns = _reversals(self.samples, self.swing)
        if len(turns) < self.reversals:
            return None
        self.quiet_until = t + self.window / 2
        return (began, t)

    def amplitude(self) -> float:
        values = [a for _, a in self.samples]
        return max(values) - min(values) if values else 0.0


#: A nod or a shake swings back quickly; a head held turned (looking up at the ceiling to
#: think) and then brought back is not a gesture.
MAX_SWING_SECONDS = 0.7


def _reversals(samples: deque[tuple[float, float]], swing: float) -> tuple[float, list[float]]:
    """When the angle first moved away from its resting range, and the times where it turned
    back by at least ``swing`` from its last extreme, quickly (``MAX_SWING_SECONDS``)."""
    turns: list[float] = []
    lo = hi = samples[0][1]
    lo_at = hi_at = began = samples[0][0]
    extreme, direction = 0.0, 0  # +1 rising, -1 falling, 0 not yet moving
    for t, a in samples:
        if direction == 0:
            if a < lo:
                lo, lo_at = a, t
            if a > hi:
                hi, hi_at = a, t
            if a - lo >= swing:
                extreme, direction, began = a, 1, lo_at
            elif hi - a >= swing:
                extreme, direction, began = a, -1, hi_at
        elif direction == 1:
            if a > extreme:
                extreme = a
            elif extreme - a >= swing:
                _turn(turns, t, began)
                extreme, direction = a, -1
        else:
            if a < extreme:
                extreme = a
            elif a - extreme >= swing:
                _turn(turns, t, began)
                extreme, direction = a, 1
    return began, turns


def _turn(turns: list[float], t: float, began: float) -> None:
    previous = turns[-1] if turns else began
    if t - previous <= MAX_SWING_SECONDS:
        turns.append(t)
    else:
        turns.clear()  # too slow: whatever came before was not one gesture with this


class CueDetector:
    """Feed observations in time order; each call returns the cues that started or ended."""

    def __init__(self, settings: CueSettings | None = None) -> None:
        s = self.settings = settings or CueSettings()
        self._lasting: dict[CueName, Hysteresis] = {
            "looks_away": Hysteresis(s.away_gaze, s.back_gaze, s.away_after, s.release, "below"),
            "frowning": Hysteresis(s.frown_on, s.frown_off, s.expression_after, s.release),
            "smiling": Hysteresis(s.smile_on, s.smile_off, s.expression_after, s.release),
            "eyes_closed": Hysteresis(
                s.eyes_closed_on, s.eyes_closed_off, s.eyes_closed_after, s.release
            ),
            "left_frame": Hysteresis(0.5, 0.5, s.absent_after, s.release),
            "second_person": Hysteresis(1.5, 1.5, s.second_person_after, s.release),
        }
        self._nod = Oscillation(s.gesture_window, s.gesture_swing, s.nod_reversals)
        self._shake = Oscillation(s.gesture_window, s.gesture_swing, s.shake_reversals)
        self._seen_face = False
        #: Resting brow furrow and smile of this person (None until the first face).
        self._rest: dict[str, float] = {}

    def _lift(self, name: CueName, value: float) -> float:
        """``value`` above the resting level, updating the rest while the cue is off."""
        rest = self._rest.setdefault(name, value)
        if not self._lasting[name].active:
            self._rest[name] = rest + self.settings.rest_rate * (value - rest)
        return value - rest

    @property
    def active(self) -> set[CueName]:
        return {name for name, h in self._lasting.items() if h.active}

    def update(self, obs: VisualObservation) -> list[PerceptionCue]:
        face = obs.face
        if face is not None:
            self._seen_face = True
        blinking = face is not None and face.eye_closure >= self.settings.blink
        readings: dict[CueName, float | None] = {
            # A blink reads as "away"; the previous reading stands for that frame.
            "looks_away": None if face is None or blinking else face.gaze_at_camera,
            "frowning": self._lift("frowning", face.brow_furrow) if face else None,
            "smiling": self._lift("smiling", face.smile) if face else None,
            "eyes_closed": face.eye_closure if face else None,
            # Absence counts only once someone has been seen (a call starts before the camera).
            "left_frame": (0.0 if face else 1.0) if self._seen_face else None,
            "second_person": float(len(obs.faces)),
        }
        cues: list[PerceptionCue] = []
        for name, value in readings.items():
            if name == "looks_away" and blinking:
                continue  # no evidence either way in a blink
            change = self._lasting[name].update(obs.t, value)
            if change is not None:
                phase, at = change
                cues.append(self._lasting_cue(name, phase, at, obs, face))
        if face is not None and not blinking:
            cues.extend(self._gestures(obs.t, face))
        return cues

    def _lasting_cue(
        self,
        name: CueName,
        phase: str,
        at: float,
        obs: VisualObservation,
        face: FaceFeatures | None,
    ) -> PerceptionCue:
        confidence = 0.9 if face is None or face.source == "mesh" else 0.6
        if "dark" in obs.issues or "noisy" in obs.issues:
            confidence -= 0.2
        h = self._lasting[name]
        if phase == "start":
            return PerceptionCue(cue=name, phase="start", confidence=confidence, start=at)
        return PerceptionCue(
            cue=name, phase="end", confidence=confidence, start=h.started_at, end=at
        )

    def _gestures(self, t: float, face: FaceFeatures) -> list[PerceptionCue]:
        cues = []
        nod = self._nod.update(t, face.pitch)
        shake = self._shake.update(t, face.yaw)
        # A nod moves pitch much more than yaw, a shake the other way round; a head that
        # circles or sways does both and is neither.
        if nod is not None and self._shake.amplitude() < 0.5 * self._nod.amplitude():
            cues.append(self._moment("nodding", nod))
        if shake is not None and self._nod.amplitude() < 0.5 * self._shake.amplitude():
            cues.append(self._moment("head_shake", shake))
        return cues

    @staticmethod
    def _moment(name: CueName, span: tuple[float, float]) -> PerceptionCue:
        return PerceptionCue(cue=name, phase="moment", confidence=0.8, start=span[0], end=span[1])
