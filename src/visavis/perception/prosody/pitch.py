"""Pitch of one short window: YIN (de Cheveigné & Kawahara 2002) with octave-error guards.

YIN's cumulative-mean-normalised difference function ``d'(tau)`` is near 0 at the period and
its multiples and about 1 for noise, so its minimum doubles as a voicing measure
("aperiodicity"). Taking the *first* dip under a threshold, not the deepest one, is what keeps
YIN from choosing twice the period (an octave too low); the remaining octave-too-high errors
(half the period, on voices with a weak fundamental) and multiple-period picks on falling,
creaky ends of phrases are handled by ``choose`` with a reference: the pitch of the last 150 ms,
or the speaker's median at the start of a voiced stretch.

The difference function's cross term is a correlation, computed with two forward real FFTs and
one inverse, so a 50 ms window costs a few tens of microseconds in numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: How much d' one octave of distance from the reference costs (d' spans ~0 voice .. 1 noise).
PULL = 0.25


@dataclass(frozen=True, slots=True)
class PitchEstimate:
    #: Fundamental frequency in Hz (None when no period was found in range).
    hz: float | None
    #: YIN's d' at the chosen lag: ~0 for a clean periodic sound, ~1 for noise.
    aperiodicity: float


class Yin:
    """A YIN analyser for windows of ``length`` samples (precomputes its FFT plan sizes)."""

    def __init__(
        self,
        sample_rate: int,
        fmin: float = 60.0,
        fmax: float = 400.0,
        length: int | None = None,
        threshold: float = 0.15,
    ) -> None:
        self.sample_rate = sample_rate
        self.tau_min = max(2, int(math.floor(sample_rate / fmax)))
        self.tau_max = int(math.ceil(sample_rate / fmin))
        # The integration window must hold at least one full period of the lowest pitch; the
        # default (2 x the longest period + a little) gives 50 ms at 16 kHz and 60 Hz.
        self.length = length or 2 * self.tau_max + 266 * sample_rate // 16000
        self.width = self.length - self.tau_max
        if self.width < self.tau_max:
            raise ValueError(f"window of {self.length} samples is too short for {fmin} Hz")
        # Circular correlation of x[:W] with x covers lags up to tau_max without wrap-around
        # as long as the FFT holds the whole window.
        self.nfft = 1 << (self.length - 1).bit_length()
        self.threshold = threshold
        self._taus = np.arange(self.tau_max + 1, dtype=np.float64)

    def cmndf(self, x: np.ndarray) -> np.ndarray:
        """d'(tau) for tau = 0..tau_max of the window ``x`` (length ``self.length``)."""
        x = np.asarray(x, dtype=np.float64)
        w, tmax = self.width, self.tau_max
        spec_a = np.fft.rfft(x[:w], self.nfft)
        spec_b = np.fft.rfft(x, self.nfft)
        cross = np.fft.irfft(np.conj(spec_a) * spec_b, self.nfft)[: tmax + 1]
        cs = np.concatenate(([0.0], np.cumsum(x * x)))
        energy = cs[w : w + tmax + 1] - cs[: tmax + 1]
        d = energy[0] + energy - 2.0 * cross
        d[0] = 0.0
        np.maximum(d, 0.0, out=d)  # rounding can leave tiny negatives
        running = np.cumsum(d)
        out = np.ones_like(d)
        nz = running[1:] > 1e-20
        out[1:][nz] = d[1:][nz] * self._taus[1:][nz] / running[1:][nz]
        return out

    def candidates(self, dn: np.ndarray) -> list[int]:
        """Local minima of d' inside the search range, in lag order."""
        lo, hi = self.tau_min, self.tau_max
        seg = dn[lo - 1 : hi + 2] if hi + 2 <= len(dn) else np.append(dn[lo - 1 :], 1.0)
        mid = seg[1:-1]
        is_min = (mid <= seg[:-2]) & (mid < seg[2:])
        return [int(i) + lo for i in np.flatnonzero(is_min)]

    def estimate(
        self, x: np.ndarray, reference_hz: float | None = None, firm: bool = True
    ) -> PitchEstimate:
        """Pitch of the window ``x``. ``reference_hz`` is where the pitch is expected; a
        ``firm`` one (the pitch a moment ago) arbitrates every octave ambiguity, a loose one
        (the speaker's median, at the start of a voiced stretch) only those YIN cannot settle
        by itself."""
        dn = self.cmndf(x)
        minima = self.candidates(dn)
        if not minima:
            return PitchEstimate(None, 1.0)
        tau = self.choose(dn, minima, reference_hz, firm)
        return PitchEstimate(self.sample_rate / _refine(dn, tau), float(dn[tau]))

    def choose(
        self, dn: np.ndarray, minima: list[int], reference_hz: float | None, firm: bool = True
    ) -> int:
        """YIN's first dip under the threshold (else the deepest), then the octave guard."""
        first = next((t for t in minima if dn[t] < self.threshold), None)
        if reference_hz is not None and (firm or first is None):
            # Every reasonably periodic lag competes on periodicity plus distance from the
            # reference: this stops half-, double- and triple-period picks inside a voiced
            # stretch, where d' at two lags often differs by less than its own noise. A
            # loose reference is not used when YIN found a clear dip: a voice may well start
            # a phrase an octave above its median, and the median would fold it down.
            ref_tau = self.sample_rate / reference_hz
            best_d = min(float(dn[t]) for t in minima)
            pool = [t for t in minima if dn[t] <= best_d + 0.8 * PULL]
            return min(pool, key=lambda t: dn[t] + PULL * abs(math.log2(t / ref_tau)))
        tau = first if first is not None else min(minima, key=lambda t: dn[t])
        # Without one, a clearly more periodic double-period lag wins (YIN's half-period
        # error on a voice with a weak fundamental).
        alt = _near(minima, 2.0 * tau)
        if alt is not None and dn[tau] - dn[alt] > 0.1:
            tau = alt
        return tau


def _near(minima: list[int], target: float) -> int | None:
    """The local minimum within ±8% of ``target`` lag, if any."""
    hits = [t for t in minima if abs(t - target) <= 0.08 * target + 1]
    return min(hits, key=lambda t: abs(t - target)) if hits else None


def _refine(dn: np.ndarray, tau: int) -> float:
    """Sub-sample lag by parabolic interpolation of d' around its minimum."""
    if 0 < tau < len(dn) - 1:
        a, b, c = float(dn[tau - 1]), float(dn[tau]), float(dn[tau + 1])
        den = a - 2.0 * b + c
        if den > 1e-12:
            shift = 0.5 * (a - c) / den
            if abs(shift) <= 1.0:
                return tau + shift
    return float(tau)
