"""The interface every text-to-speech engine implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from visavis.runtime.events import PhonemeTiming, WordTiming


@dataclass(slots=True)
class SynthesizedSpeech:
    """Mono float32 audio for one piece of text, with timings relative to its first sample."""

    samples: np.ndarray
    sample_rate: int
    phonemes: list[PhonemeTiming] = field(default_factory=list)
    words: list[WordTiming] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


class SpeechSynthesizer(Protocol):
    """Turns text into speech. ``synthesize`` is blocking and thread-safe for one caller."""

    name: str
    sample_rate: int

    def synthesize(self, text: str) -> SynthesizedSpeech: ...
