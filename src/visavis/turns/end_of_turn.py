"""The fused end-of-turn model on the live microphone stream.

``turns/fusion.py`` defines the model and its features; this keeps what they read from a live
call: the user's turn so far (audio for Smart Turn, prosody frames), and scores a pause once
its two slow inputs are in. Smart Turn runs here, on a worker thread, at the VAD's stop; the
partial transcript comes from the speculative transcription the loop starts at the same moment
(``turn.speculation`` ``transcribed``), so Whisper runs once per pause, not twice.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import numpy as np

from visavis.models import ModelUnavailableError
from visavis.perception.prosody.tracker import ProsodyTracker, TrackedFrame
from visavis.runtime.audio_history import AudioHistory
from visavis.runtime.media import AudioChunk
from visavis.turns.fusion import RATE, EndOfTurnModel, silence_feature_set
from visavis.turns.settings import TurnSettings
from visavis.turns.smart_turn import WINDOW_SECONDS, load_smart_turn

log = logging.getLogger(__name__)


class TurnCompleteness(Protocol):
    """Smart Turn's interface: P(the turn is complete) from the turn's audio."""

    def probability(self, audio: Any) -> float: ...


class LiveEndOfTurn:
    """One speaker's turn as the model sees it; ``new_turn`` when the agent takes the floor."""

    def __init__(self, model: EndOfTurnModel, smart_turn: TurnCompleteness) -> None:
        self.model = model
        self.smart_turn = smart_turn
        self._audio = AudioHistory(seconds=WINDOW_SECONDS + 1.0, rate=RATE)
        self._tracker = ProsodyTracker(RATE)
        self.new_turn()

    def new_turn(self) -> None:
        self._frames: list[TrackedFrame] = []
        self.speech_start: float | None = None

    def push(self, chunk: AudioChunk) -> None:
        self._audio.push(chunk)
        frame = self._tracker.push(chunk)
        if self.speech_start is None:
            if not frame.voiced:
                return
            self.speech_start = frame.t
        self._frames.append(frame)

    def spoken(self, until: float) -> float:
        """Seconds from the turn's first voiced frame to ``until`` (0 before any speech)."""
        return 0.0 if self.speech_start is None else max(until - self.speech_start, 0.0)

    def turn_audio(self) -> np.ndarray:
        """What Smart Turn reads: the turn so far (its last 8 s), from 0.5 s before its first
        voiced frame (pipecat's lead-in) up to now. Read on the loop, scored on a worker."""
        start = self.speech_start if self.speech_start is not None else self._audio.end
        start = max(start - 0.5, self._audio.end - WINDOW_SECONDS)
        return self._audio.between(start, self._audio.end)

    def completeness(self, audio: np.ndarray) -> float:
        """Smart Turn's P(complete) for ``audio``; blocking, ~0.1 s: run it on a worker."""
        return float(self.smart_turn.probability(audio))

    def features(
        self, *, smart_turn_p: float, text: str, silence_start: float, prompt: str
    ) -> dict[str, float]:
        """Every feature of the pause but ``elapsed`` and ``visual_cue``."""
        return silence_feature_set(
            smart_turn_p=smart_turn_p,
            text=text,
            frames=self._frames,
            speech_start=self.speech_start,
            silence_start=silence_start,
            prompt=prompt,
            model=self.model,
        )

    def probability(self, features: dict[str, float], elapsed: float, visual_cue: float) -> float:
        return self.model.probability({**features, "elapsed": elapsed, "visual_cue": visual_cue})


def live_end_of_turn(
    settings: TurnSettings, smart_turn: TurnCompleteness | None
) -> LiveEndOfTurn | None:
    """The fused end-of-turn model, or None for the silence detector (also, with a warning,
    when the Smart Turn model file is missing: the call still works, on silence alone)."""
    if settings.detector != "fused":
        return None
    if smart_turn is None:
        try:
            smart_turn = load_smart_turn()
        except ModelUnavailableError as exc:
            log.warning("end-of-turn model unavailable (%s): using the silence detector", exc)
            settings.detector = "silence"
            return None
    return LiveEndOfTurn(EndOfTurnModel.load(), smart_turn)
