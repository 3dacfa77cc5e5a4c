"""Whole-call perception as running totals: what the end-of-call report, the whole-call analysis
queries and the person's resting face need, without keeping a call's frames.

The stage keeps raw observations (about 10 a second) and prosody frames (50 a second) only for
a recent window, enough for any user turn; everything about the call as a whole is folded in
here as each frame arrives. The totals are fixed-size (sums, a maximum, a pitch histogram) except
the expression timeline, which gains one bin per ``BIN_SECONDS`` of camera (what the report
lists), so a 30-minute call costs about the same memory as a 30-second one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from visavis.perception.types import EXPRESSIONS, ProsodyFrame, VisualObservation

#: Expressions are summarised per window of this many seconds.
BIN_SECONDS = 10.0
#: The first face's measurements averaged over the call (``Evidence`` names; ``gaze`` and
#: ``attention`` are both the mean of ``gaze_at_camera``).
FACE_METRICS = ("smile", "brow_furrow", "brow_raise", "eye_closure", "yaw", "pitch", "mouth_open")
#: Voiced pitch is counted in bins this wide (Hz) up to ``PITCH_MAX_HZ``: the call's median
#: pitch is then exact to a quarter of a hertz, from a histogram of fixed size.
PITCH_BIN_HZ = 0.5
PITCH_MAX_HZ = 1000.0


class CallTotals:
    """Running totals of one call's observations and prosody frames."""

    def __init__(self) -> None:
        self.frames = 0
        self.visible = 0
        self.looking = 0
        self.max_faces = 0
        self._face_sums = dict.fromkeys((*FACE_METRICS, "gaze_at_camera"), 0.0)
        self._last_mouth: float | None = None
        self._mouth_change = 0.0
        self._mouth_steps = 0
        #: Sums of expression scores (``EXPRESSIONS`` order) and their count, per call and
        #: per ``BIN_SECONDS`` bin.
        self._expression_sum = np.zeros(len(EXPRESSIONS))
        self._expression_n = 0
        self._bins: dict[int, tuple[np.ndarray, int]] = {}
        self._pitch = np.zeros(int(PITCH_MAX_HZ / PITCH_BIN_HZ), dtype=np.int64)
        self._voiced = 0
        self._voiced_db = 0.0

    # --- updates -------------------------------------------------------------------------------

    def add_observation(self, obs: VisualObservation) -> None:
        self.frames += 1
        self.max_faces = max(self.max_faces, len(obs.faces))
        face = obs.face
        if face is None:
            return
        self.visible += 1
        self.looking += face.gaze_at_camera >= 0.5
        for name in self._face_sums:
            self._face_sums[name] += getattr(face, name)
        if self._last_mouth is not None:
            self._mouth_change += abs(face.mouth_open - self._last_mouth)
            self._mouth_steps += 1
        self._last_mouth = face.mouth_open
        if face.expression:
            scores = np.array([face.expression.get(n, 0.0) for n in EXPRESSIONS])
            self._expression_sum += scores
            self._expression_n += 1
            index = int(obs.t // BIN_SECONDS)
            total, n = self._bins.get(index, (np.zeros(len(EXPRESSIONS)), 0))
            self._bins[index] = (total + scores, n + 1)

    def add_prosody(self, frame: ProsodyFrame) -> None:
        if not (frame.voiced and frame.pitch_hz):
            return
        index = int(frame.pitch_hz / PITCH_BIN_HZ)
        self._pitch[min(max(index, 0), len(self._pitch) - 1)] += 1
        self._voiced += 1
        self._voiced_db += frame.energy_db

    # --- readings ------------------------------------------------------------------------------

    def expression_baseline(self) -> dict[str, float]:
        """The mean expression scores over the call so far (the person's resting face)."""
        if not self._expression_n:
            return {}
        mean = self._expression_sum / self._expression_n
        return {n: float(v) for n, v in zip(EXPRESSIONS, mean, strict=True)}

    def expressions(self) -> list[dict[str, Any]]:
        """The report's expression timeline: per ``BIN_SECONDS`` bin, the mean scores."""
        out = []
        for index in sorted(self._bins):
            total, n = self._bins[index]
            mean = {
                name: round(float(v) / n, 3) for name, v in zip(EXPRESSIONS, total, strict=True)
            }
            out.append(
                {
                    "start": index * BIN_SECONDS,
                    "end": (index + 1) * BIN_SECONDS,
                    "dominant": max(mean, key=mean.__getitem__),
                    "scores": mean,
                }
            )
        return out

    def metrics(self) -> dict[str, float]:
        """The whole call's measurements, as ``PerceptionStage.evidence`` gives a window's."""
        metrics: dict[str, float] = {}
        if self.frames:
            metrics["faces"] = float(self.max_faces)
        if self.visible:
            for name in FACE_METRICS:
                metrics[name] = self._face_sums[name] / self.visible
            steps = self._mouth_steps
            metrics["mouth_motion"] = self._mouth_change / steps if steps else 0.0
            metrics["attention"] = metrics["gaze"] = (
                self._face_sums["gaze_at_camera"] / self.visible
            )
        if self._voiced:
            metrics["pitch_hz"] = (self._median_pitch_bin() + 0.5) * PITCH_BIN_HZ
            metrics["energy_db"] = self._voiced_db / self._voiced
        return metrics

    def _median_pitch_bin(self) -> int:
        return int(np.searchsorted(np.cumsum(self._pitch), (self._voiced + 1) // 2))
