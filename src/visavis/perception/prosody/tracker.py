"""Per-chunk prosody: pitch, energy, voicing and spectral change, plus the speaker's baseline.

``ProsodyTracker.push`` is called inline on every 20 ms microphone chunk, so it must stay cheap
(a few hundred microseconds at most; ``chunk_cost_ms`` measures it). It keeps the last 50 ms of
audio so that pitch is estimated on a window holding at least two periods of a 60 Hz voice. On
a moving pitch the estimate matches the true pitch about 10 ms before the chunk's centre
(measured on a vibrato): the lag of a causal 50 ms window, small beside the 20 ms frames.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from visavis.perception.types import ProsodyFrame
from visavis.runtime.media import AudioChunk

from .pitch import Yin

#: Windows quieter than this (dBFS) are treated as silence whatever their periodicity: below it
#: a recording is mostly dither, hum and codec residue, which YIN happily calls periodic.
SILENCE_DB = -60.0
#: Level reported for digital silence (log of zero).
FLOOR_DB = -100.0
#: YIN aperiodicity under which a frame is voiced outright, and the looser bound that a frame
#: continuing a voiced stretch at about the same pitch may use (voicing hysteresis: vowels
#: next to consonants, and Piper's vocoder, give d' of 0.3-0.45 on clearly voiced audio).
VOICED_AP = 0.3
CONTINUE_AP = 0.45
#: Voiced seconds after which the speaker's median guides new voiced stretches (15 frames
#: already give a median no single octave slip can move).
BASELINE_READY = 0.3
#: How long the last voiced frames stay the reference for the next estimate (seconds).
RECENT = 0.15


@dataclass(frozen=True)
class TrackedFrame(ProsodyFrame):
    """A ``ProsodyFrame`` with what the utterance summary needs beyond the shared fields."""

    #: YIN's d' at the chosen period: ~0 clean voice, ~1 noise (a roughness/breathiness proxy).
    aperiodicity: float = 1.0
    #: Mean absolute change of the band spectrum since the previous frame, dB (low = steady
    #: formants, as in a held "uh" or "mm").
    flux_db: float = 0.0
    #: Level of the 300-2500 Hz band (dBFS-like): vowels are loud there and the consonants
    #: between them (nasals, liquids included) are not, so syllables show as peaks.
    vowel_db: float = -100.0
    #: The speaker's running medians (pitch Hz, voiced energy dBFS) over the call *before* this
    #: frame, and how many seconds of voiced audio they rest on.
    baseline_hz: float | None = None
    baseline_db: float | None = None
    baseline_voiced: float = 0.0


class SpeakerBaseline:
    """Running medians of a speaker's voiced pitch and energy over the whole call.

    Histograms (quarter-semitone and half-dB bins) make an update O(1) and a median one
    cumulative sum, so a 30-minute call costs no more than a 3-second one."""

    _ST_REF = 50.0  # Hz at bin 0
    _ST_BINS = 4 * 40  # quarter semitones up to 50 Hz * 2**(40/12) ~ 500 Hz
    _DB_BINS = 2 * 100  # half dB from -100 to 0 dBFS

    def __init__(self) -> None:
        self._pitch = np.zeros(self._ST_BINS, dtype=np.int64)
        self._energy = np.zeros(self._DB_BINS, dtype=np.int64)
        self.count = 0
        self.voiced_seconds = 0.0
        self._cached: tuple[int, float | None, float | None] = (-1, None, None)

    def add(self, pitch_hz: float, energy_db: float, seconds: float) -> None:
        st = 12.0 * math.log2(pitch_hz / self._ST_REF)
        self._pitch[min(self._ST_BINS - 1, max(0, int(st * 4)))] += 1
        self._energy[min(self._DB_BINS - 1, max(0, int((energy_db + 100.0) * 2)))] += 1
        self.count += 1
        self.voiced_seconds += seconds

    def medians(self) -> tuple[float | None, float | None]:
        """(median pitch Hz, median voiced energy dBFS), None before any voiced frame."""
        if self.count == 0:
            return None, None
        # Recomputed every 5 voiced frames (100 ms): a median over seconds moves slowly.
        if self._cached[0] < 0 or self.count - self._cached[0] >= 5:
            st = (_median_bin(self._pitch, self.count) + 0.5) / 4.0
            db = (_median_bin(self._energy, self.count) + 0.5) / 2.0 - 100.0
            self._cached = (self.count, self._ST_REF * 2.0 ** (st / 12.0), db)
        return self._cached[1], self._cached[2]


def _median_bin(hist: np.ndarray, count: int) -> int:
    return int(np.searchsorted(np.cumsum(hist), (count + 1) // 2))


class ProsodyTracker:
    """Streaming prosody for one speaker (one per call): ``push`` every input chunk in order."""

    def __init__(self, sample_rate: int = 16000, fmin: float = 60.0, fmax: float = 400.0) -> None:
        self.sample_rate = sample_rate
        self.yin = Yin(sample_rate, fmin, fmax)
        self.fmin, self.fmax = fmin, fmax
        # Low-pass FIR (~900 Hz, 41 taps at 16 kHz) before YIN: the first formant's
        # harmonics and the fricative noise above it are what make voiced frames look
        # aperiodic and invite half-period picks; the fundamental of any voice is below it.
        taps = 41 * sample_rate // 16000 | 1
        n = np.arange(taps) - (taps - 1) / 2.0
        h = np.sinc(2.0 * 900.0 / sample_rate * n) * np.hamming(taps)
        self._fir = h / h.sum()
        self._raw_tail = np.zeros(taps - 1)
        self._window = np.zeros(self.yin.length)
        # Band spectrum for the flux: Hann window over the last 32 ms, 16 log-spaced bands
        # 150-4000 Hz (wide enough to smooth over harmonics, narrow enough to see formants).
        self._spec_len = 512 * sample_rate // 16000
        self._hann = np.hanning(self._spec_len)
        self._raw_window = np.zeros(self._spec_len)
        freqs = np.fft.rfftfreq(self._spec_len, 1.0 / sample_rate)
        edges = np.geomspace(150.0, 4000.0, 17)
        self._bands = np.stack(
            [(freqs >= lo) & (freqs < hi) for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
        ).astype(np.float64)
        self._prev_bands: np.ndarray | None = None
        self._vowel_band = ((freqs >= 300.0) & (freqs < 2500.0)).astype(np.float64)
        # Hann power gain and the rfft scaling, so the band level reads like a dBFS level.
        self._band_scale = 2.0 / (self._spec_len * float(np.sum(self._hann**2)))
        self._recent: deque[float] = deque(maxlen=5)
        self._last_voiced_t = -math.inf
        self._prev_voiced_hz: float | None = None
        self._expected_start: float | None = None
        self.baseline = SpeakerBaseline()

    def reset(self) -> None:
        """Forget the audio history (a gap in the stream); the speaker baseline is kept."""
        self._raw_tail[:] = 0.0
        self._window[:] = 0.0
        self._raw_window[:] = 0.0
        self._prev_bands = None
        self._recent.clear()
        self._prev_voiced_hz = None

    def push(self, chunk: AudioChunk) -> TrackedFrame:
        """Prosody of one chunk (any length; 20 ms in the loop), at ``chunk.start``."""
        if chunk.sample_rate != self.sample_rate:
            raise ValueError(
                f"prosody expects {self.sample_rate} Hz audio, got {chunk.sample_rate} Hz"
            )
        x = np.asarray(chunk.samples, dtype=np.float64).reshape(-1)
        n = len(x)
        if self._expected_start is not None and abs(chunk.start - self._expected_start) > 1e-3:
            self.reset()  # a gap or a jump: the history no longer precedes this chunk
        self._expected_start = chunk.start + n / self.sample_rate
        if n == 0:
            return TrackedFrame(chunk.start, 0.0, None, FLOOR_DB, False)
        energy_db = _db(float(np.mean(x * x)))

        # Slide the raw and the filtered windows by this chunk.
        padded = np.concatenate((self._raw_tail, x))
        filtered = np.convolve(padded, self._fir, mode="valid")
        self._raw_tail = padded[-(len(self._fir) - 1) :]
        self._window = _slide(self._window, filtered)
        self._raw_window = _slide(self._raw_window, x)

        window_db = _db(float(np.mean(self._window * self._window)))
        flux, vowel_db = self._spectrum(window_db)
        t = chunk.start
        hz: float | None = None
        ap = 1.0
        if window_db > SILENCE_DB and energy_db > SILENCE_DB:
            recent = bool(self._recent) and t - self._last_voiced_t <= RECENT
            reference = self._reference(recent)
            # Reversed, so that YIN's integration window is the newest 33 ms and its lags
            # reach back into the history: the estimate then describes the chunk itself
            # (centred ~1 ms before its start) rather than audio 10 ms older.
            est = self.yin.estimate(self._window[::-1], reference, firm=recent)
            ap = est.aperiodicity
            if est.hz is not None and self.fmin * 0.97 <= est.hz <= self.fmax * 1.03:
                step = abs(12.0 * math.log2(est.hz / reference)) if reference else 0.0
                continuing = (
                    self._prev_voiced_hz is not None
                    and t - self._last_voiced_t <= 0.021 + n / self.sample_rate
                    and abs(12.0 * math.log2(est.hz / self._prev_voiced_hz)) < 2.0
                )
                if recent and step > 7.0:
                    # Voices do not leap most of an octave in 20 ms: such an estimate on the
                    # edge of a voiced stretch is a burst or a half-period, unless clean.
                    voiced = ap < 0.1
                else:
                    voiced = ap < VOICED_AP or (continuing and ap < CONTINUE_AP)
                if voiced:
                    hz = est.hz
        baseline_hz, baseline_db = self.baseline.medians()
        frame = TrackedFrame(
            t=t,
            duration=n / self.sample_rate,
            pitch_hz=hz,
            energy_db=energy_db,
            voiced=hz is not None,
            aperiodicity=ap,
            flux_db=flux,
            vowel_db=vowel_db,
            baseline_hz=baseline_hz,
            baseline_db=baseline_db,
            baseline_voiced=self.baseline.voiced_seconds,
        )
        if hz is not None:
            self._recent.append(hz)
            self._last_voiced_t = t
            self._prev_voiced_hz = hz
            self.baseline.add(hz, energy_db, n / self.sample_rate)
        else:
            self._prev_voiced_hz = None
        return frame

    def _reference(self, recent: bool) -> float | None:
        """The pitch a new estimate should be near: the median of the last few voiced frames
        if they are recent, else the speaker's median once it rests on 0.3 s of voice."""
        if recent:
            return float(np.median(self._recent))
        self._recent.clear()
        if self.baseline.voiced_seconds >= BASELINE_READY:
            return self.baseline.medians()[0]
        return None

    def _spectrum(self, window_db: float) -> tuple[float, float]:
        """(spectral flux dB, vowel-band level dB) of the last 32 ms."""
        if window_db <= SILENCE_DB:
            self._prev_bands = None
            return 0.0, FLOOR_DB
        spectrum = np.abs(np.fft.rfft(self._raw_window * self._hann)) ** 2
        bands = 10.0 * np.log10(self._bands @ spectrum + 1e-12)
        vowel_db = _db(float(self._vowel_band @ spectrum) * self._band_scale)
        prev, self._prev_bands = self._prev_bands, bands
        flux = 0.0 if prev is None else float(np.mean(np.abs(bands - prev)))
        return flux, vowel_db


def _slide(window: np.ndarray, new: np.ndarray) -> np.ndarray:
    if len(new) >= len(window):
        return new[-len(window) :].copy()
    return np.concatenate((window[len(new) :], new))


def _db(power: float) -> float:
    return 10.0 * math.log10(power) if power > 1e-10 else FLOOR_DB
