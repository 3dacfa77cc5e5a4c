"""The recent-audio buffer the turns stage and the playout read by conversation time."""

import numpy as np

from visavis.runtime.audio_history import AudioHistory
from visavis.runtime.media import AudioChunk


def chunks(start: float, n: int, rate: int = 16000):
    step = 0.02
    for k in range(n):
        samples = np.full(int(rate * step), k + 1, dtype=np.float32)
        yield AudioChunk(samples, rate, start + k * step)


def test_reads_back_samples_between_two_times_with_silence_where_nothing_was_heard():
    history = AudioHistory(seconds=10.0)
    for c in chunks(1.0, 10):  # 1.0-1.2 s, chunk k holds the value k+1
        history.push(c)
    out = history.between(0.9, 1.05)
    assert out.shape == (2400,)
    assert np.all(out[:1600] == 0)  # before the first chunk
    assert np.all(out[1600:1920] == 1) and np.all(out[1920:2240] == 2)
    assert np.all(out[2240:] == 3)
    assert history.end == 1.2


def test_keeps_only_the_last_seconds_and_resamples_other_rates():
    history = AudioHistory(seconds=0.1)
    for c in chunks(0.0, 20, rate=48000):
        history.push(c)
    assert np.all(history.between(0.0, 0.2)[:1600] == 0)  # forgotten
    recent = history.between(0.3, 0.4)
    assert recent.shape == (1600,) and np.abs(recent[360:600] - 17.0).max() < 0.1
