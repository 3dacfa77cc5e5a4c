"""The interface every speech recognizer implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(slots=True)
class Transcript:
    text: str
    compute_ms: float


class SpeechRecognizer(Protocol):
    """Transcribes a whole buffer of 16 kHz mono float32 speech. Blocking."""

    name: str

    def transcribe(self, samples: np.ndarray, prompt: str | None = None) -> Transcript: ...
