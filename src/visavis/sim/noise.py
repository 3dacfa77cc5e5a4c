"""Background noise for the simulated patient's microphone: a room, a fan, mains hum.

The noise is a short loop generated once per call from the scenario's seed, so a replayed call
hears the same noise sample for sample. Pink and brown loops are shaped in the frequency domain
(their spectra are periodic, so the loop joins without a click); the hum is whole cycles of
60 Hz and its harmonics over the loop's length.
"""

from __future__ import annotations

import numpy as np

from .scenarios import Noise

#: Loop length (seconds): long enough that nobody hears the repetition, short enough to be cheap.
_LOOP_SECONDS = 8.0


def noise_loop(noise: Noise, rate: int, seed: int) -> np.ndarray:
    """``_LOOP_SECONDS`` of the scenario's noise at ``noise.level_db`` dBFS (RMS)."""
    rng = np.random.default_rng(seed)
    n = int(_LOOP_SECONDS * rate)
    if noise.kind == "hum":
        t = np.arange(n) / rate
        x = sum(
            amp * np.sin(2 * np.pi * freq * t)
            for freq, amp in ((60, 1.0), (120, 0.5), (180, 0.35), (240, 0.15))
        )
        # A hum is never a pure tone: a little hiss keeps it from sounding synthetic.
        x = np.asarray(x) + 0.05 * rng.standard_normal(n)
    else:
        spectrum = np.fft.rfft(rng.standard_normal(n))
        freqs = np.fft.rfftfreq(n, 1.0 / rate)
        freqs[0] = freqs[1]  # no division by zero at DC
        # Pink falls 3 dB per octave (like a room or a fan), brown 6 dB (like traffic).
        spectrum /= np.sqrt(freqs) if noise.kind == "pink" else freqs
        x = np.fft.irfft(spectrum, n)
    level = float(np.sqrt(np.mean(np.square(x))))
    return (x / level * 10 ** (noise.level_db / 20.0)).astype(np.float32)


def loop_slice(loop: np.ndarray, start_sample: int, n: int) -> np.ndarray:
    """``n`` samples of the loop from absolute sample ``start_sample`` (wrapping)."""
    return loop[(start_sample + np.arange(n)) % len(loop)]
