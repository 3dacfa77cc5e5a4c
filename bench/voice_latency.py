"""Voice-to-voice latency of whole calls on the real-time clock, with the per-stage breakdown.

Usage: python bench/voice_latency.py [--scenarios a,b,...] [--min-turns 20] [--no-write]

Runs flagship scenarios one after another on the real clock (a simulated patient on a simulated
line, all models on this CPU) until at least ``--min-turns`` answered turns are collected, then
prints p50/p95 and writes the "voice_latency" section of docs/benchmarks.md.

Voice-to-voice latency is measured from the end of the patient's speech *in the input audio*
(the last 10 ms window above -40 dBFS on the patient's channel of call.wav before the reply) to
the first agent sample leaving the transport (``conversation.replica.started_speaking``). The
stages in between come from ``metrics.turn_latency``: the end-of-turn wait (from the VAD's end
of speech to the decision), the ASR final, the mind's reply, and the first sentence's TTS. ASR,
reply and TTS run speculatively during the end-of-turn wait, so they overlap it.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

from report import DOC, machine, write_section
from visavis.demo import run_demo
from visavis.engines import load_engines
from visavis.models import install_models
from visavis.runtime.events import TurnLatency

DEFAULT_SCENARIOS = ["adherent_books", "missed_doses", "hesitant", "interrupter", "red_flag"]


def speech_end_before(user: np.ndarray, rate: int, t: float) -> float | None:
    """End of the last voiced 10 ms window of ``user`` before time ``t`` (seconds)."""
    win = rate // 100
    stop = min(len(user), int(t * rate)) // win
    if stop == 0:
        return None
    levels = np.sqrt(np.mean(np.square(user[: stop * win].reshape(stop, win)), axis=1))
    voiced = np.flatnonzero(levels > 0.01)
    return None if len(voiced) == 0 else float((voiced[-1] + 1) * win / rate)


def collect(scenarios: list[str], min_turns: int, out_root: Path) -> list[dict[str, float]]:
    engines = load_engines(deterministic=False)  # a live call's natural voice
    rows: list[dict[str, float]] = []
    rounds = 0
    while len(rows) < min_turns:
        for name in scenarios:
            out = out_root / f"{name}-{rounds}"
            print(f"  {name}: real-time call ...", end="", flush=True)
            result = asyncio.run(run_demo(name, out, clock_kind="realtime", engines=engines))
            audio, rate = soundfile.read(str(out / "call.wav"), dtype="float32")
            found = 0
            for lat in result.latencies:
                end = speech_end_before(audio[:, 0], rate, lat.first_audio_at - 0.01)
                if end is None:
                    continue
                rows.append(_row(lat, end, name))
                found += 1
            print(f" {found} turns, outcome ok: {not result.problems}")
            if len(rows) >= min_turns:
                break
        rounds += 1
    return rows


def _row(lat: TurnLatency, speech_end: float, scenario: str) -> dict[str, float]:
    return {
        "scenario": scenario,  # type: ignore[dict-item]
        "voice_to_voice_ms": (lat.first_audio_at - speech_end) * 1000.0,
        "vad_to_voice_ms": lat.voice_to_voice_ms,
        "endpoint_ms": lat.endpoint_ms,
        "asr_final_ms": lat.asr_final_ms,
        "reply_ms": lat.reply_ms,
        "tts_first_audio_ms": lat.tts_first_audio_ms,
    }


def summarize(rows: list[dict[str, float]]) -> dict[str, tuple[float, float, float]]:
    keys = [k for k in rows[0] if k != "scenario"]
    out = {}
    for key in keys:
        values = np.array([r[key] for r in rows], dtype=float)
        out[key] = (
            float(np.percentile(values, 50)),
            float(np.percentile(values, 95)),
            float(values.max()),
        )
    return out


LABELS = {
    "voice_to_voice_ms": "**voice to voice** (end of speech in the audio to first agent sample)",
    "vad_to_voice_ms": "VAD end of speech to first agent sample",
    "endpoint_ms": "end-of-turn wait (baseline silence rule, 500 ms)",
    "asr_final_ms": "ASR final (Whisper, during the wait)",
    "reply_ms": "reply (objectives engine, during the wait)",
    "tts_first_audio_ms": "TTS first sentence (Piper, during the wait)",
}


def render(rows, stats, load_seconds, peak_rss_mb, scenarios) -> str:
    lines = [
        "## Voice-to-voice latency (real-time clock)",
        "",
        f"{len(rows)} answered turns from real-time calls ({', '.join(scenarios)}) with the "
        "baseline end-of-turn rule (500 ms of silence), all models on this CPU; "
        f"{machine()} by `bench/voice_latency.py`. Target: p50 <= 700 ms, p95 <= 1000 ms.",
        "",
        "| stage | p50 | p95 | max |",
        "|---|---|---|---|",
    ]
    for key, (p50, p95, top) in stats.items():
        lines.append(f"| {LABELS[key]} | {p50:.0f} ms | {p95:.0f} ms | {top:.0f} ms |")
    lines += [
        "",
        "The ASR final, the reply and the first sentence's audio are prepared speculatively as "
        "soon as the VAD hears a pause, so they overlap the end-of-turn wait instead of adding "
        "to it; voice-to-voice is the wait plus the VAD's confirmation delay and the first "
        "20 ms frame.",
        "",
        "Model load time: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in load_seconds.items())
        + f" (total {sum(load_seconds.values()):.2f} s). Peak memory (RSS) of the process "
        f"running these calls with all models loaded, the agent's and the simulated patient's: "
        f"{peak_rss_mb:.0f} MB.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default=",".join(DEFAULT_SCENARIOS))
    parser.add_argument("--min-turns", type=int, default=20)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    install_models()
    scenarios = args.scenarios.split(",")
    started = time.perf_counter()
    engines = load_engines(deterministic=False)  # a live call's natural voice
    print(f"models loaded in {time.perf_counter() - started:.2f} s: {engines.load_seconds}")
    with tempfile.TemporaryDirectory() as tmp:
        rows = collect(scenarios, args.min_turns, Path(tmp))
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    stats = summarize(rows)
    print(f"\n{len(rows)} turns")
    for key, (p50, p95, top) in stats.items():
        print(f"  {key:20s} p50 {p50:7.0f} ms   p95 {p95:7.0f} ms   max {top:7.0f} ms")
    print(f"peak RSS {peak_rss_mb:.0f} MB")
    if not args.no_write:
        text = render(rows, stats, engines.load_seconds, peak_rss_mb, scenarios)
        write_section("voice_latency", text)
        print(f"wrote the voice latency section of {DOC}")


if __name__ == "__main__":
    sys.exit(main())
