"""Lip-sync offset: how far the rendered mouth lags (or leads) the agent's audio."""

from __future__ import annotations

import numpy as np

HOP = 0.005  # 5 ms resolution: well below a 40 ms video frame


def audio_envelope(audio: np.ndarray, rate: int, hop: float = HOP) -> np.ndarray:
    """RMS loudness per ``hop`` seconds."""
    n = max(1, int(rate * hop))
    frames = len(audio) // n
    x = np.asarray(audio[: frames * n], dtype=np.float64).reshape(frames, n)
    return np.sqrt(np.mean(x * x, axis=1))


def lipsync_offset_ms(
    mouth: np.ndarray, audio: np.ndarray, rate: int, fps: float = 25.0, max_lag_ms: float = 300.0
) -> float:
    """The lag (ms) that maximises the cross-correlation of the per-frame mouth opening with the
    agent audio envelope. Positive: the mouth is late; negative: it leads the sound.

    Speakers open the mouth slightly before the sound (anticipation), so a good renderer reads a
    small negative value; anything beyond about +-45 ms is visible to viewers.
    """
    env = audio_envelope(audio, rate)
    t = np.arange(len(env)) * HOP
    # Sample-and-hold: a video frame shows its mouth for its whole duration, starting at i/fps.
    idx = np.minimum((t * fps).astype(int), len(mouth) - 1)
    m = np.asarray(mouth, dtype=np.float64)[idx]
    env = (env - env.mean()) / (env.std() + 1e-12)
    m = (m - m.mean()) / (m.std() + 1e-12)
    max_lag = int(max_lag_ms / 1000 / HOP)
    best, best_lag = -np.inf, 0
    for lag in range(-max_lag, max_lag + 1):
        if lag >= 0:
            score = float(np.dot(m[lag:], env[: len(env) - lag])) / max(1, len(env) - lag)
        else:
            score = float(np.dot(m[:lag], env[-lag:])) / max(1, len(env) + lag)
        if score > best:
            best, best_lag = score, lag
    return best_lag * HOP * 1000.0
