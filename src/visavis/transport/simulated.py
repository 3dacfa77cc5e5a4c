"""A simulated phone line between the agent and a simulated patient, recorded to a WAV file.

The line is the agent's transport: it delivers the patient's microphone in 20 ms chunks, each
when it has been "captured" on the conversation clock, and carries the agent's frames to the
patient's ear. Both directions are recorded sample-accurately by media time, so ``call.wav`` is
what a listener on the line would have heard.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

import numpy as np

from visavis.runtime.clock import Clock
from visavis.runtime.media import AudioChunk, resample, write_audio


class Caller(Protocol):
    """The far end of the line."""

    hung_up: bool

    def hear(self, frame: AudioChunk) -> None: ...

    def mouth(self, start: float, n: int) -> np.ndarray: ...


class CallRecorder:
    """Two tracks placed by media time; gaps are silence."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._tracks: list[list[tuple[int, np.ndarray]]] = [[], []]

    def add(self, track: int, chunk: AudioChunk) -> None:
        samples = resample(chunk.samples, chunk.sample_rate, self.rate)
        self._tracks[track].append((int(round(chunk.start * self.rate)), samples))

    def render(self) -> np.ndarray:
        """(n, 2) float32: channel 0 the caller, channel 1 the agent."""
        end = 0
        for track in self._tracks:
            for start, samples in track:
                end = max(end, start + len(samples))
        out = np.zeros((end, 2), dtype=np.float32)
        for channel, track in enumerate(self._tracks):
            for start, samples in track:
                out[start : start + len(samples), channel] += samples
        return out

    def write(self, path: Path) -> None:
        write_audio(path, self.render(), self.rate)


class SimulatedLine:
    """AudioSource and AudioSink for the agent, joined to a simulated caller."""

    USER, AGENT = 0, 1

    def __init__(
        self,
        clock: Clock,
        caller: Caller,
        rate: int = 16000,
        chunk_seconds: float = 0.02,
        recorder: CallRecorder | None = None,
    ) -> None:
        self.clock = clock
        self.caller = caller
        self.sample_rate = rate
        self.chunk_seconds = chunk_seconds
        self.recorder = recorder or CallRecorder(rate)

    async def chunks(self) -> AsyncIterator[AudioChunk]:
        n = int(self.sample_rate * self.chunk_seconds)
        index = 0
        while not self.caller.hung_up:
            start = index * self.chunk_seconds
            # A chunk is delivered once all of it has been captured.
            await self.clock.sleep_until(start + self.chunk_seconds)
            chunk = AudioChunk(self.caller.mouth(start, n), self.sample_rate, start)
            self.recorder.add(self.USER, chunk)
            yield chunk
            index += 1

    def write(self, frame: AudioChunk) -> None:
        self.recorder.add(self.AGENT, frame)
        self.caller.hear(frame)

    def clear(self) -> None:
        """Nothing is buffered on a simulated line: frames reach the ear as they are written."""
