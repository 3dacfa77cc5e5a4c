"""Voice-to-voice latency of whole calls on the real-time clock, with the per-stage breakdown.

Usage: python bench/voice_latency.py [--scenarios a,b,...] [--min-turns 20]
       [--detectors fused,silence] [--no-write]

Runs flagship scenarios one after another on the real clock (a simulated patient on a simulated
line, all models on this CPU) until at least ``--min-turns`` answered turns are collected, once
per end-of-turn detector (the fused model, and the 0.5 s silence rule for comparison), then
prints p50/p95 and writes the "voice_latency" section of docs/benchmarks.md. It also counts the
agent's cut-ins (answers decided while the patient was inside a line) and, for real barge-ins
(a ``tts.paused`` that ended in ``conversation.interrupt``), the time from the start of the
patient's speech to the agent's silence.

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
import json
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile

from report import DOC, machine, write_section
from visavis.demo import cut_ins, run_demo
from visavis.engines import load_engines
from visavis.models import install_models
from visavis.runtime.events import (
    BaseEvent,
    Interrupt,
    PlaybackPaused,
    TurnLatency,
    UserStartedSpeaking,
)
from visavis.runtime.timeline import read_jsonl
from visavis.turns.settings import Detector, TurnSettings

DEFAULT_SCENARIOS = ["adherent_books", "interrupter", "hesitant", "missed_doses", "red_flag"]


def speech_end_before(user: np.ndarray, rate: int, t: float) -> float | None:
    """End of the last voiced 10 ms window of ``user`` before time ``t`` (seconds)."""
    win = rate // 100
    stop = min(len(user), int(t * rate)) // win
    if stop == 0:
        return None
    levels = np.sqrt(np.mean(np.square(user[: stop * win].reshape(stop, win)), axis=1))
    voiced = np.flatnonzero(levels > 0.01)
    return None if len(voiced) == 0 else float((voiced[-1] + 1) * win / rate)


@dataclass
class Collected:
    rows: list[dict[str, float]] = field(default_factory=list)
    cut_ins: int = 0
    patient_lines: int = 0
    #: Real barge-ins: patient's speech onset to the agent's audio pausing (ms).
    barge_in_silence_ms: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def collect(scenarios: list[str], min_turns: int, out_root: Path, detector: Detector) -> Collected:
    engines = load_engines(deterministic=False)  # a live call's natural voice
    got = Collected()
    rounds = 0
    while len(got.rows) < min_turns:
        for name in scenarios:
            out = out_root / f"{detector}-{name}-{rounds}"
            print(f"  {detector} / {name}: real-time call ...", end="", flush=True)
            result = asyncio.run(
                run_demo(
                    name,
                    out,
                    clock_kind="realtime",
                    engines=engines,
                    # Fused: the defaults, and a scenario's own patience (hesitant: high).
                    turns=None if detector == "fused" else TurnSettings(detector=detector),
                    video=False,
                )
            )
            audio, rate = soundfile.read(str(out / "call.wav"), dtype="float32")
            found = 0
            for lat in result.latencies:
                end = speech_end_before(audio[:, 0], rate, lat.first_audio_at - 0.01)
                if end is None:
                    continue
                got.rows.append(_row(lat, end, name))
                found += 1
            events = read_jsonl(out / "timeline.jsonl")
            spans = patient_spans(out)
            got.cut_ins += len(cut_ins(events, spans))
            got.patient_lines += len(spans)
            got.barge_in_silence_ms += barge_in_silences(events)
            got.problems += [f"{name}: {p}" for p in result.problems]
            print(f" {found} turns, outcome ok: {not result.problems}")
            if len(got.rows) >= min_turns:
                break
        rounds += 1
    return got


def patient_spans(out: Path) -> list[tuple[float, float]]:
    said = json.loads((out / "patient.json").read_text())["said"]
    return [(s["t"], s["end"]) for s in said]


def barge_in_silences(events: list[BaseEvent]) -> list[float]:
    """For each pause that ended in an interrupt: its time less the speech onset the VAD
    stamped from the audio (``conversation.user.started_speaking`` ``start``)."""
    out = []
    onset: float | None = None
    for i, event in enumerate(events):
        if isinstance(event, UserStartedSpeaking):
            onset = event.start
        if not isinstance(event, PlaybackPaused) or onset is None:
            continue
        nxt = next((e for e in events[i + 1 :] if isinstance(e, Interrupt | PlaybackPaused)), None)
        if isinstance(nxt, Interrupt):
            out.append((event.t - onset) * 1000.0)
    return out


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
    "endpoint_ms": "end-of-turn wait (VAD end of speech to the decision)",
    "asr_final_ms": "ASR final (Whisper, during the wait)",
    "reply_ms": "reply (objectives engine, during the wait)",
    "tts_first_audio_ms": "TTS first sentence (Piper, during the wait)",
}
DETECTOR_NAMES = {"fused": "fused end-of-turn model", "silence": "silence rule (500 ms)"}


def _cell(values: tuple[float, float, float]) -> str:
    return "{:.0f} / {:.0f} / {:.0f} ms".format(*values)


def render(
    got: dict[str, Collected], load_seconds: dict[str, float], peak_rss_mb: float, scenarios
) -> str:
    detectors = list(got)
    stats = {d: summarize(got[d].rows) for d in detectors}
    names = [DETECTOR_NAMES[d] for d in detectors]
    lines = [
        "## Voice-to-voice latency (real-time clock)",
        "",
        f"Answered turns from real-time calls ({', '.join(scenarios)}), all models on this CPU, "
        f"once per end-of-turn detector; {machine()} by `bench/voice_latency.py`. "
        "Target: p50 <= 500 ms with the fused detector.",
        "",
        "| stage (p50 / p95 / max) | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for key in LABELS:
        cells = [_cell(stats[d][key]) for d in detectors]
        lines.append(f"| {LABELS[key]} | " + " | ".join(cells) + " |")
    lines.append(
        "| answered turns | " + " | ".join(str(len(got[d].rows)) for d in detectors) + " |"
    )
    lines.append(
        "| cut-ins (answer decided inside a patient's line) | "
        + " | ".join(f"{got[d].cut_ins} of {got[d].patient_lines} lines" for d in detectors)
        + " |"
    )
    lines.append(
        "| real barge-in: patient's onset to agent silence (p50 / p95) | "
        + " | ".join(_pcts(got[d].barge_in_silence_ms) for d in detectors)
        + " |"
    )
    lines += [
        "",
        "The ASR final, the reply and the first sentence's audio are prepared speculatively as "
        "soon as the VAD hears a pause, so they overlap the end-of-turn wait instead of adding "
        "to it. The fused detector decides once Smart Turn (on a worker thread) and the "
        "speculation's transcript are in, then every 20 ms. A barge-in pauses the agent at the "
        "VAD's onset, before it is judged, so the onset-to-silence time is the VAD's onset delay "
        "plus at most one 20 ms frame.",
        "",
        "Model load time: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in load_seconds.items())
        + f" (total {sum(load_seconds.values()):.2f} s). Peak memory (RSS) of the process "
        f"running these calls with all models loaded, the agent's and the simulated patient's: "
        f"{peak_rss_mb:.0f} MB.",
    ]
    return "\n".join(lines)


def _pcts(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{np.percentile(values, 50):.0f} / {np.percentile(values, 95):.0f} ms (n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default=",".join(DEFAULT_SCENARIOS))
    parser.add_argument("--min-turns", type=int, default=20)
    parser.add_argument("--detectors", default="fused,silence")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    install_models()
    scenarios = args.scenarios.split(",")
    started = time.perf_counter()
    engines = load_engines(deterministic=False)  # a live call's natural voice
    print(f"models loaded in {time.perf_counter() - started:.2f} s: {engines.load_seconds}")
    got: dict[str, Collected] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for detector in args.detectors.split(","):
            got[detector] = collect(scenarios, args.min_turns, Path(tmp), detector)  # type: ignore[arg-type]
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    for detector, data in got.items():
        print(f"\n{detector}: {len(data.rows)} turns, {data.cut_ins} cut-ins")
        for key, (p50, p95, top) in summarize(data.rows).items():
            print(f"  {key:20s} p50 {p50:7.0f} ms   p95 {p95:7.0f} ms   max {top:7.0f} ms")
        print(f"  barge-in onset to silence: {_pcts(data.barge_in_silence_ms)}")
        for problem in data.problems:
            print(f"  problem: {problem}")
    print(f"peak RSS {peak_rss_mb:.0f} MB")
    if not args.no_write:
        write_section("voice_latency", render(got, engines.load_seconds, peak_rss_mb, scenarios))
        print(f"wrote the voice latency section of {DOC}")


if __name__ == "__main__":
    sys.exit(main())
