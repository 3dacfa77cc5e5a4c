"""Avatar render speed on one core: frames per second, p50/p95 frame time, peak memory.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/render.py`` (threads are pinned here too).
"""

from __future__ import annotations

import contextlib
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import resource  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from report import machine, write_section  # noqa: E402
from visavis.face import Animator, make_renderer  # noqa: E402
from visavis.runtime.events import PhonemeTiming, SentencePlayback, SpeechSynthesized  # noqa: E402

FRAMES = 600


def _params(n: int) -> list:
    """Realistic parameter vectors: an animator speaking a made-up sentence, with idle life."""
    sounds = ["h", "ə", "l", "ˈoʊ", "m", "aɪ", "n", "ˈeɪ", "m", "ɪ", "z", "b", "ˈɑː", "b", "_"]
    phonemes = [
        PhonemeTiming(phoneme=p, start=i * 0.08, duration=0.08) for i, p in enumerate(sounds * 8)
    ]
    animator = Animator(seed=0)
    sentence = SpeechSynthesized(
        reply_id="r", index=0, text="", duration=len(phonemes) * 0.08, compute_ms=0,
        engine="bench", phonemes=phonemes,
    )  # fmt: skip
    animator.on_event(sentence)
    animator.on_event(SentencePlayback(t=0.5, reply_id="r", index=0))
    return [animator.params_at(i / 25) for i in range(n)]


def bench(avatar: str, size: int, params: list) -> dict[str, float]:
    renderer = make_renderer(avatar, size)
    for p in params[:30]:
        renderer.render(p)
    times = np.empty(len(params))
    for i, p in enumerate(params):
        t0 = time.perf_counter()
        renderer.render(p)
        times[i] = time.perf_counter() - t0
    return {
        "fps": len(params) / times.sum(),
        "p50": float(np.percentile(times, 50) * 1000),
        "p95": float(np.percentile(times, 95) * 1000),
    }


def main() -> None:
    with contextlib.suppress(AttributeError, OSError):  # one core, really (Linux only)
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    params = _params(FRAMES)
    rows = []
    for avatar in ("ava", "sam"):
        for size in (512, 256):
            r = bench(avatar, size, params)
            rows.append((avatar, size, r))
            print(f"{avatar:5s} {size}x{size}: {r['fps']:6.0f} fps  p50 {r['p50']:.2f} ms  "
                  f"p95 {r['p95']:.2f} ms")  # fmt: skip
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:.0f} MB")
    lines = [
        "## Avatar rendering (vector renderer, skia, one core)",
        "",
        f"{machine()}; {FRAMES} animated frames, one thread pinned to one core.",
        "",
        "| avatar | size | fps | p50 ms | p95 ms |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {a} | {s}x{s} | {r['fps']:.0f} | {r['p50']:.2f} | {r['p95']:.2f} |" for a, s, r in rows
    ]
    lines += ["", f"Peak memory (process RSS, including Python and numpy): {peak_mb:.0f} MB."]
    write_section("render", "\n".join(lines))


if __name__ == "__main__":
    main()
