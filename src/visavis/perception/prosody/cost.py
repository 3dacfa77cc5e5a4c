"""What ``ProsodyTracker.push`` costs per chunk, on real speech (for the perception benchmark)."""

from __future__ import annotations

import time

import numpy as np

from visavis.runtime.media import AudioChunk, resample

from .tracker import ProsodyTracker

_SENTENCES = (
    "Hello, my name is Alex and I will call you tomorrow morning about your appointment. "
    "Did you take the blue tablets after dinner, or did you forget them again?"
)


def chunk_cost_ms(
    n: int = 500, speech: np.ndarray | None = None, sample_rate: int = 16000
) -> tuple[float, float]:
    """(p50, p95) milliseconds of one ``push`` of a 20 ms chunk, over ``n`` chunks of speech.

    ``speech`` is mono float audio at ``sample_rate``; by default the embedded Piper voice
    reads two sentences (loaded lazily through ``visavis.engines``, so importing perception
    never pulls in the speech stage). The audio loops if ``n`` chunks need more of it."""
    if speech is None:
        from visavis.engines import load_engines

        synthesized = load_engines().synthesizer.synthesize(_SENTENCES)
        speech = resample(synthesized.samples, synthesized.sample_rate, sample_rate)
    step = sample_rate // 50
    audio = np.asarray(speech, dtype=np.float32)
    if len(audio) < step:
        raise ValueError("need at least one 20 ms chunk of speech")
    chunks = len(audio) // step

    def chunk(i: int) -> AudioChunk:
        return AudioChunk(audio[i * step : (i + 1) * step], sample_rate, i * step / sample_rate)

    tracker = ProsodyTracker(sample_rate)
    # Warm-up (first FFT plans, caches) is not the steady-state cost.
    offset = min(10, chunks)
    for i in range(offset):
        tracker.push(chunk(i))
    times = np.empty(n)
    for k in range(n):
        i = (offset + k) % chunks
        if i == 0:
            tracker = ProsodyTracker(sample_rate)
        piece = chunk(i)
        started = time.perf_counter()
        tracker.push(piece)
        times[k] = time.perf_counter() - started
    p50, p95 = np.percentile(times * 1000.0, [50, 95])
    return float(p50), float(p95)
