"""The last few seconds of one audio stream, addressable by conversation time.

The turns stage keeps the microphone's recent past (Smart Turn reads the turn so far; an overlap
is judged on the audio since its onset) and the playout keeps what the agent said (to recognise
our own voice coming back as echo). Both ask for "the samples between t0 and t1" at 16 kHz.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from .media import SPEECH_RATE, AudioChunk, resample


class AudioHistory:
    """Chunks in time order, kept for ``seconds``; read back as 16 kHz mono (silence where
    nothing was recorded, so reads line up with the clock)."""

    def __init__(self, seconds: float = 12.0, rate: int = SPEECH_RATE) -> None:
        self.seconds = seconds
        self.rate = rate
        self._chunks: deque[AudioChunk] = deque()

    def push(self, chunk: AudioChunk) -> None:
        if chunk.sample_rate != self.rate:
            chunk = AudioChunk(
                resample(chunk.samples, chunk.sample_rate, self.rate), self.rate, chunk.start
            )
        self._chunks.append(chunk)
        while self._chunks and chunk.end - self._chunks[0].end > self.seconds:
            self._chunks.popleft()

    @property
    def end(self) -> float:
        """The time just after the newest sample (0 before any)."""
        return self._chunks[-1].end if self._chunks else 0.0

    def between(self, t0: float, t1: float) -> np.ndarray:
        """The samples from ``t0`` to ``t1`` (seconds of conversation time)."""
        n = max(int(round((t1 - t0) * self.rate)), 0)
        out = np.zeros(n, dtype=np.float32)
        for chunk in self._chunks:
            if chunk.end <= t0 or chunk.start >= t1:
                continue
            lo = int(round((chunk.start - t0) * self.rate))
            a, b = max(lo, 0), min(lo + len(chunk.samples), n)
            if b > a:
                out[a:b] = chunk.samples[a - lo : b - lo]
        return out

    def clear(self) -> None:
        self._chunks.clear()
