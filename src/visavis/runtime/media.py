"""Media types the stages pass on their streams: audio chunks, video frames, and audio I/O.

Audio inside the loop is mono float32 in [-1, 1]. Anything else (stereo, int16, other sample
rates) is converted at the edge by ``to_mono_float`` and ``resample``; a file that cannot be read
raises ``AudioFormatError`` with what was wrong.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import soundfile
import soxr

#: The rate of user audio inside the loop (what the VAD and ASR models expect).
SPEECH_RATE = 16000


class AudioFormatError(ValueError):
    """Audio that cannot be used, with the reason and what to do."""


@dataclass(slots=True)
class AudioChunk:
    """A run of mono samples starting at ``start`` seconds of media time."""

    samples: np.ndarray
    sample_rate: int
    start: float = 0.0

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass(slots=True)
class VideoFrame:
    """One RGB frame (height x width x 3, uint8) shown at ``t`` seconds of media time."""

    image: np.ndarray
    t: float


def to_mono_float(samples: np.ndarray) -> np.ndarray:
    """Convert int or float audio of shape (n,) or (n, channels) to mono float32 in [-1, 1]."""
    arr = np.asarray(samples)
    if arr.ndim not in (1, 2):
        raise AudioFormatError(f"audio must be 1-D or (samples, channels); got shape {arr.shape}")
    if np.issubdtype(arr.dtype, np.integer):
        out = arr.astype(np.float32) / (float(np.iinfo(arr.dtype).max) + 1.0)
    else:
        out = arr.astype(np.float32, copy=False)
    if out.ndim == 2:
        out = out.mean(axis=1, dtype=np.float32) if out.shape[1] > 0 else out.reshape(-1)
    if not np.all(np.isfinite(out)):
        raise AudioFormatError("audio contains NaN or infinite samples")
    # Clipped or over-range float input is limited, not rejected: real microphones clip.
    return np.clip(out, -1.0, 1.0)


def resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Resample mono float audio with soxr (high quality, no extra latency for whole buffers)."""
    if rate_in <= 0 or rate_out <= 0:
        raise AudioFormatError(f"sample rates must be positive; got {rate_in} -> {rate_out}")
    if rate_in == rate_out or len(samples) == 0:
        return samples.astype(np.float32, copy=False)
    return soxr.resample(samples.astype(np.float32, copy=False), rate_in, rate_out).astype(
        np.float32, copy=False
    )


class StreamResampler:
    """Chunk-by-chunk resampling that keeps filter state between chunks."""

    def __init__(self, rate_in: int, rate_out: int) -> None:
        self.rate_in = rate_in
        self.rate_out = rate_out
        self._stream = (
            None if rate_in == rate_out else soxr.ResampleStream(rate_in, rate_out, 1, "float32")
        )

    def push(self, samples: np.ndarray, last: bool = False) -> np.ndarray:
        if self._stream is None:
            return samples.astype(np.float32, copy=False)
        return self._stream.resample_chunk(samples.astype(np.float32, copy=False), last=last)


def read_audio(path: Path, rate: int = SPEECH_RATE) -> np.ndarray:
    """Read an audio file as mono float32 at ``rate``; raises ``AudioFormatError`` if unusable."""
    if not path.exists():
        raise AudioFormatError(f"audio file {path} does not exist")
    if path.stat().st_size == 0:
        raise AudioFormatError(f"audio file {path} is empty (0 bytes)")
    try:
        data, file_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as exc:
        raise AudioFormatError(
            f"cannot decode audio file {path}: {exc}. Use WAV, FLAC or OGG audio."
        ) from exc
    if data.shape[0] == 0:
        raise AudioFormatError(f"audio file {path} holds no samples")
    return resample(to_mono_float(data), int(file_rate), rate)


def write_audio(path: Path, samples: np.ndarray, rate: int) -> None:
    """Write mono (n,) or multi-channel (n, channels) float audio as 16-bit PCM WAV."""
    soundfile.write(str(path), np.clip(samples, -1.0, 1.0), rate, subtype="PCM_16")


def rms(samples: np.ndarray) -> float:
    """Root-mean-square level of a buffer (0 for an empty one)."""
    if len(samples) == 0:
        return 0.0
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


class AudioSource(Protocol):
    """Microphone audio: 16 kHz mono chunks, delivered when they have been captured."""

    def chunks(self) -> AsyncIterator[AudioChunk]: ...
