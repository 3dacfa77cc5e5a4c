"""The detectors ``run.py`` sweeps. Add yours to ``REGISTRY``: a ``Candidate`` whose
``settings()`` builds the detector(s) lazily (models load only when the sweep runs) and whose
``thresholds`` are the end-of-turn probabilities to sweep (see ``harness.Candidate``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from bench.turns.harness import Candidate, Detector, SilenceThreshold

#: Silence thresholds swept by the baseline: 100 ms to 2 s in 20 ms steps.
SILENCE_GRID = [round(0.1 + 0.02 * i, 2) for i in range(96)]
#: A probability sweep for detectors that output a calibrated-ish probability.
PROBABILITIES = [round(0.02 * i, 2) for i in range(1, 50)]


def silence_settings() -> Sequence[tuple[float, Detector]]:
    return [(t, SilenceThreshold(t)) for t in SILENCE_GRID]


#: Smart Turn is asked when the VAD reports the pause (Silero's stop needs ~100-200 ms of
#: silence), as pipecat asks it; until then the turn is not over.
VAD_STOP = 0.2


class SmartTurnDetector:
    """Smart Turn v3.2 alone: one decision per silence, on the turn's audio so far."""

    def __init__(self) -> None:
        from visavis.turns.smart_turn import SmartTurn

        self.model = SmartTurn()
        self._audio: list[np.ndarray] = []
        self._asked: dict[float, float] = {}

    def reset(self) -> None:
        self._audio.clear()
        self._asked.clear()

    def push(self, chunk: np.ndarray) -> None:
        self._audio.append(chunk)

    def end_probability(self, silence_started_at: float, now: float) -> float:
        if now - silence_started_at < VAD_STOP:
            return 0.0
        if silence_started_at not in self._asked:
            heard = np.concatenate(self._audio)[: int((silence_started_at + VAD_STOP) * 16000)]
            self._asked[silence_started_at] = self.model.probability(heard)
        return self._asked[silence_started_at]


def smart_turn_settings() -> Sequence[tuple[float, Detector]]:
    return [(0.5, SmartTurnDetector())]


def fused_settings() -> Sequence[tuple[float, Detector]]:
    """The fused end-of-turn model (``visavis.turns.fusion``, fitted by ``bench/turns/fit.py``):
    Smart Turn, prosody, Whisper's partial transcript, the agent's question (the harness sets
    ``prompt`` per turn) and elapsed silence, per 20 ms."""
    from visavis.turns.fusion import EndOfTurnDetector

    return [(0.5, EndOfTurnDetector())]


REGISTRY: list[Candidate] = [
    Candidate("silence threshold", silence_settings, (0.5,), (60, 60, 200), "silence (s)"),
    Candidate("Smart Turn v3.2", smart_turn_settings, PROBABILITIES, (40, 160, 40), "-"),
    # Fitted on this very set (all turns): its curve here is in-sample; `bench/turns/fit.py`
    # reports it on a held-out split of script lines.
    Candidate("fused, in-sample", fused_settings, PROBABILITIES, (200, 120, 40), "-"),
]
