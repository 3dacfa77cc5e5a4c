"""What the simulated patient's face does over time: idle life, a talking mouth, scripted acts.

A pure function of conversation time plus what was scheduled, like the agent's own animator:
idle motion is seeded noise and blink times come from a seeded generator in time order, so a
replayed virtual call samples the very same parameters whatever the frame times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from visavis.face.behaviour import Blinks, SmoothNoise
from visavis.face.params import FaceParams

#: Head oscillation rate of a nod or a shake (people nod "yes" at about 2-3 Hz).
SWING_HZ = 2.5
#: head_pitch 1 is ~14 degrees in the vector renderer: 0.7 is a clear ~10 degree nod.
NOD_AMPLITUDE = 0.7
#: head_yaw 1 is ~24 degrees: 0.55 is a clear ~13 degree shake.
SHAKE_AMPLITUDE = 0.55
#: Easing in and out of held acts (a look away, a frown).
RAMP = 0.25
#: Walking out of (or back into) the frame takes this long.
WALK = 0.5
#: Envelope frames per second for an audio-driven mouth.
ENV_RATE = 100

DIRECTIONS: dict[str, tuple[float, float]] = {
    "left": (-1.0, 0.0),
    "right": (1.0, 0.0),
    "up": (0.0, -1.0),
    "down": (0.0, 1.0),
    "up_left": (-0.75, -0.66),
    "up_right": (0.75, -0.66),
    "down_left": (-0.75, 0.66),
    "down_right": (0.75, 0.66),
}


@dataclass(frozen=True, slots=True)
class Act:
    """A scheduled behaviour: ``kind`` from ``BEHAVIOURS``, over [start, start + duration)."""

    kind: str
    start: float
    duration: float
    direction: str = "up_left"
    avatar: str = "sam"

    @property
    def end(self) -> float:
        return self.start + self.duration

    def hold(self, t: float, ramp: float = RAMP) -> float:
        """0 outside the act, easing to 1 over ``ramp`` at both ends (smoothstep)."""
        if not self.start <= t < self.end:
            return 0.0
        ramp = min(ramp, self.duration / 2)
        x = min(1.0, (t - self.start) / ramp, (self.end - t) / ramp)
        return x * x * (3 - 2 * x)

    def swing(self, t: float) -> float:
        """Whole cycles of a sine (a nod goes down first, a shake to the viewer's right)."""
        if not self.start <= t < self.end:
            return 0.0
        return math.sin(2 * math.pi * SWING_HZ * (t - self.start))


def speech_envelope(audio: np.ndarray, rate: int) -> np.ndarray:
    """Jaw opening (0..~0.75) at ``ENV_RATE`` Hz from the loudness of the patient's voice, so the
    mouth shuts in the ``[pause]`` silences and opens with the syllables."""
    win = max(1, rate // ENV_RATE)
    n = len(audio) // win
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    frames = audio[: n * win].astype(np.float32).reshape(n, win)
    level = np.sqrt(np.mean(np.square(frames), axis=1))
    level = np.convolve(level, np.ones(3) / 3, mode="same")  # 30 ms: lips are not that fast
    voiced = level > 0.005
    if not voiced.any():
        return np.zeros(n, dtype=np.float32)
    ref = float(np.percentile(level[voiced], 90))
    jaw = 0.75 * np.clip(level / ref, 0.0, 1.0) ** 0.6
    return np.where(voiced, jaw, 0.0).astype(np.float32)


@dataclass(frozen=True, slots=True)
class _Speech:
    start: float
    end: float
    envelope: np.ndarray | None  # at ENV_RATE; None: a generic syllable rhythm


class Motion:
    """One person's face over time; ``add`` acts and speech, then sample ``params_at(t)``."""

    def __init__(self, seed: int) -> None:
        noise_rng, blink_rng = (
            np.random.default_rng(s) for s in np.random.default_rng(seed).spawn(2)
        )
        self._noise = {
            name: SmoothNoise(noise_rng, rate)
            for name, rate in (
                ("yaw", 0.23),
                ("pitch", 0.31),
                ("roll", 0.15),
                ("gaze_x", 0.5),
                ("gaze_y", 0.4),
                ("breath", 0.05),
                ("syllable", 1.3),
            )
        }
        self._blinks = Blinks(blink_rng)
        self.acts: list[Act] = []
        self.speech: list[_Speech] = []

    def add(self, act: Act) -> None:
        self.acts.append(act)
        if act.kind == "look_away":
            # People blink as the eyes jump away and back.
            self._blinks.add(act.start + 0.02)
            self._blinks.add(act.end - RAMP * 0.5)

    def add_speech(self, start: float, end: float, envelope: np.ndarray | None = None) -> None:
        if end > start:
            self.speech.append(_Speech(start, end, envelope))

    def speaking_at(self, t: float) -> bool:
        return any(s.start <= t < s.end for s in self.speech)

    def jaw_at(self, t: float) -> float:
        for s in reversed(self.speech):  # the latest utterance wins if two overlap
            if not s.start <= t < s.end:
                continue
            if s.envelope is not None:
                i = int((t - s.start) * ENV_RATE)
                return float(s.envelope[i]) if i < len(s.envelope) else 0.0
            # No audio given: open and close at a syllable rate (~4.5 Hz, jittered), easing in
            # and out so the first and last frames are not frozen mid-word.
            x = t - s.start
            phase = 2 * math.pi * (4.5 * x + 0.3 * self._noise["syllable"].at(t))
            edge = min(1.0, x / 0.08, (s.end - t) / 0.08)
            return edge * 0.5 * (0.15 + 0.85 * 0.5 * (1 - math.cos(phase)))
        return 0.0

    def absent_at(self, t: float, kind: str = "leave") -> float:
        """How far out of the frame (0 in it, 1 gone) for ``leave``; for ``second_person`` how
        far *in* it. Walking takes ``WALK`` seconds at each end of the act."""
        out = 0.0
        for a in self.acts:
            if a.kind == kind:
                out = max(out, a.hold(t, WALK))
        return out

    def params_at(self, t: float) -> FaceParams:
        n = {k: v.at(t) for k, v in self._noise.items()}
        speaking = self.speaking_at(t)
        # Heads move more while talking, as in the agent's own animator.
        amp = 1.5 if speaking else 1.0
        yaw = 0.08 * amp * n["yaw"]
        pitch = 0.04 + 0.05 * amp * n["pitch"]
        roll = 0.05 * n["roll"]
        # Eyes counter-rotate against idle head drift: a person on a call watches the screen.
        gaze_x = 0.1 * n["gaze_x"] - 0.5 * yaw
        gaze_y = 0.08 * n["gaze_y"] - 0.3 * pitch
        smile, furrow, brows = 0.12, 0.0, 0.05 + (0.1 if speaking else 0.0)
        for a in self.acts:
            if not a.start <= t < a.end:
                continue
            if a.kind == "look_away":
                w = a.hold(t)
                dx, dy = DIRECTIONS[a.direction]
                gaze_x = (1 - w) * gaze_x + w * 0.85 * dx
                gaze_y = (1 - w) * gaze_y + w * 0.75 * dy
                yaw += w * 0.4 * dx
                pitch += w * 0.3 * dy
            elif a.kind == "frown":
                w = a.hold(t, 0.3)
                furrow += 0.8 * w
                smile -= 0.4 * w
                brows -= 0.05 * w
                pitch += 0.06 * w  # the head drops a little when puzzling
            elif a.kind == "nod":
                pitch += NOD_AMPLITUDE * a.swing(t)
            elif a.kind == "shake":
                swing = SHAKE_AMPLITUDE * a.swing(t)
                yaw += swing
                gaze_x -= 0.5 * swing  # the eyes stay on the screen while the head turns
        jaw = self.jaw_at(t)
        blink = self._blinks.at(t)
        return FaceParams(
            jaw_open=jaw,
            lip_spread=0.25 * jaw,
            smile=smile * (1.0 - 0.5 * jaw),
            brow_raise=brows,
            brow_furrow=furrow,
            blink_left=blink,
            blink_right=blink,
            gaze_x=gaze_x,
            gaze_y=gaze_y,
            head_pitch=pitch,
            head_yaw=yaw,
            head_roll=roll,
            breath=math.sin(2 * math.pi * (t / 4.1 + 0.2 * n["breath"])),
        ).clamped()
