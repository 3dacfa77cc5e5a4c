"""The files transport: a recorded audio file as the caller's microphone, paced by the clock.

Any format libsndfile reads (WAV, FLAC, OGG), any sample rate, mono or stereo: the file is
converted once to 16 kHz mono. After the file ends the line stays open, silent, for
``tail_seconds`` so the agent can answer the last thing said, and then the caller "hangs up".
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np

from visavis.runtime.clock import Clock
from visavis.runtime.media import SPEECH_RATE, AudioChunk, read_audio

from .simulated import CallRecorder


class FileAudioSource:
    """AudioSource reading a file; raises ``AudioFormatError`` at construction if unusable."""

    def __init__(
        self,
        path: Path,
        clock: Clock,
        recorder: CallRecorder | None = None,
        chunk_seconds: float = 0.02,
        tail_seconds: float = 4.0,
    ) -> None:
        self.samples = read_audio(path, SPEECH_RATE)
        self.clock = clock
        self.recorder = recorder
        self.chunk_seconds = chunk_seconds
        self.tail_seconds = tail_seconds

    @property
    def duration(self) -> float:
        return len(self.samples) / SPEECH_RATE

    async def chunks(self) -> AsyncIterator[AudioChunk]:
        n = int(SPEECH_RATE * self.chunk_seconds)
        total = len(self.samples) + int(self.tail_seconds * SPEECH_RATE)
        for index, offset in enumerate(range(0, total, n)):
            start = index * self.chunk_seconds
            await self.clock.sleep_until(start + self.chunk_seconds)
            piece = self.samples[offset : offset + n]
            if len(piece) < n:
                piece = np.concatenate([piece, np.zeros(n - len(piece), dtype=np.float32)])
            chunk = AudioChunk(piece, SPEECH_RATE, start)
            if self.recorder is not None:
                self.recorder.add(0, chunk)
            yield chunk


class RecordingSink:
    """AudioSink that keeps the agent's audio for ``call.wav`` (nobody listens live)."""

    def __init__(self, recorder: CallRecorder, rate: int = SPEECH_RATE) -> None:
        self.recorder = recorder
        self.sample_rate = rate

    def write(self, frame: AudioChunk) -> None:
        self.recorder.add(1, frame)

    def clear(self) -> None:
        """Nothing is buffered: frames are recorded as they leave."""
