"""Peer benchmark: the same patient audio through Pipecat 1.14.0 and through visavis.

Usage: python bench/peer_pipecat.py [--no-write] [--keep DIR] [--only visavis|pipecat]

1. Builds the patient's side of a call: 24 scripted turns (short complete answers, full
   sentences, hesitant answers with 0.6-1.0 s pauses mid-sentence) in a simulated patient's
   voice (the Piper voice shifted 3 semitones, as the ``hesitant`` scenario), each followed by
   7 s of silence for the agent's answer. The end of each turn's speech is known from the
   script (the last voiced 10 ms window of its audio).
2. Creates ``.bench-venvs/pipecat`` (``python -m venv``; ``pip install
   pipecat-ai[whisper,piper]==1.14.0``: faster-whisper and piper-tts, no torch; the check below
   fails the run if torch is importable there) and runs ``bench/peer_pipecat_driver.py`` with
   that venv's python: a stock Pipecat pipeline on the same model files.
3. Runs the same WAV through visavis's loop in this process (``bench/peer_visavis.py``).
4. Voice-to-voice for each turn, on both sides by the same code (``bench/peer_metrics.py``):
   from the end of the patient's speech in the input audio to the first voiced 10 ms window of
   the agent's output audio after it, both on the real-time clock of the run (second 0 = the
   WAV's first sample). Prints the table and writes the "Peer: Pipecat side by side" section of
   docs/benchmarks.md.

Neither side has an LLM: both answer every turn at once with the same fixed reply.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

from peer_metrics import (
    TARGET_P50_RATIO,
    TARGET_P95_RATIO,
    Turn,
    TurnResult,
    markdown_table,
    ratio_rows,
    speech_end,
    speech_spans,
    summarize,
    turn_results,
)
from report import DOC, machine, write_section

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".bench-venvs" / "pipecat"
PIPECAT = "pipecat-ai[whisper,piper]==1.14.0"
DRIVER = Path(__file__).resolve().parent / "peer_pipecat_driver.py"
RATE = 16000
REPLY = "Thank you. And how have you been feeling?"
LEAD = 2.0  # the greeting ("Hello.") plays in it
SLOW = 2.8  # an answer this late came from a silence fallback, not a turn model
GAP = 7.0  # silence after each turn: room for a 3.5 s answer plus the reply (~2.5 s)

#: (kind, line); "[pause s]" is a silence of s seconds mid-turn.
SCRIPT: list[tuple[str, str]] = [
    ("short", "Yes, this is Maria."),
    ("complete", "I have been taking all my medications every morning."),
    ("hesitant", "It's, um, [pause 0.9] March fourteenth, [pause 0.6] nineteen fifty two."),
    ("short", "Yes."),
    ("complete", "My daughter drives me to the clinic on Tuesdays."),
    (
        "hesitant",
        "I've been taking, um, [pause 0.9] the water pill, and the, uh, [pause 1.0] "
        "the metoprolol, yes, all of them.",
    ),
    ("short", "No."),
    ("complete", "The pain in my knee started about two weeks ago."),
    ("hesitant", "Let me think. [pause 1.0] Tuesday morning, I think."),
    ("short", "About two weeks ago."),
    ("complete", "I feel much better than last week, thank you."),
    ("hesitant", "No, [pause 0.7] that's all."),
    ("short", "Not really."),
    ("complete", "I would like to book an appointment for next Friday."),
    ("hesitant", "Um, [pause 0.8] maybe a little dizzy when I stand up."),
    ("short", "Tuesday morning."),
    ("complete", "The swelling in my ankles has gone down."),
    ("hesitant", "I think, [pause 0.6] uh, [pause 0.8] twice a day."),
    ("short", "Okay."),
    ("complete", "I sleep about seven hours a night."),
    ("hesitant", "Well, [pause 0.9] I forgot it once, on Sunday."),
    ("short", "Yes, that's right."),
    (
        "hesitant",
        "I feel, [pause 0.7] well, the first few days were hard, I was tired in the "
        "afternoons and, [pause 0.9] and this week, [pause 0.7] a bit better.",
    ),
    ("short", "No, that's all."),
]
_PAUSE = re.compile(r"\[pause ([0-9.]+)\]")


def _trim(audio: np.ndarray, head: bool, tail: bool) -> np.ndarray:
    spans = speech_spans(audio, RATE)
    if not spans:
        return audio
    keep = int(0.03 * RATE)
    start = max(0, int(spans[0][0] * RATE) - keep) if head else 0
    end = min(len(audio), int(spans[-1][1] * RATE) + keep) if tail else len(audio)
    return audio[start:end]


def build_patient_audio(path: Path) -> list[Turn]:
    """Write the patient WAV (16 kHz mono) and return its turns."""
    from visavis.engines import load_engines
    from visavis.runtime.media import resample

    engines = load_engines(deterministic=True)  # the same patient audio on every run
    voice = engines.voice("piper", "en-us", 160, 3.0)
    pieces = [np.zeros(int(LEAD * RATE), dtype=np.float32)]
    at = LEAD
    turns = []
    for kind, line in SCRIPT:
        parts = _PAUSE.split(line)
        audio_parts = []
        for i, part in enumerate(parts):
            if i % 2 == 1:
                audio_parts.append(np.zeros(int(float(part) * RATE), dtype=np.float32))
            elif part.strip():
                speech = voice.synthesize(part.strip())
                audio = resample(speech.samples, speech.sample_rate, RATE)
                audio_parts.append(_trim(audio, head=i > 0, tail=i < len(parts) - 1))
        audio = (np.concatenate(audio_parts) * 0.8).astype(np.float32)
        end = speech_end(audio, RATE)
        assert end is not None
        turns.append(Turn(round(at, 4), round(at + end, 4), _PAUSE.sub("...", line), kind))
        pieces += [audio, np.zeros(int(GAP * RATE), dtype=np.float32)]
        at += len(audio) / RATE + GAP
    soundfile.write(str(path), np.concatenate(pieces), RATE)
    return turns


def ensure_pipecat_venv() -> Path:
    """The venv's python, with pipecat-ai 1.14.0 (and no torch) installed."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    probe = "import importlib.metadata as m; print(m.version('pipecat-ai'))"
    found = subprocess.run([str(python), "-c", probe], capture_output=True, text=True)
    if found.stdout.strip() != "1.14.0":
        subprocess.run([str(python), "-m", "pip", "install", "-q", PIPECAT], check=True)
    torch = "import importlib.util as u; print(u.find_spec('torch') is not None)"
    has_torch = subprocess.run([str(python), "-c", torch], capture_output=True, text=True)
    if has_torch.stdout.strip() != "False":
        raise SystemExit(f"torch is installed in {VENV}: this benchmark runs without it")
    return python


def run_pipecat(python: Path, wav: Path, out: Path) -> np.ndarray:
    from visavis.models import locate

    cmd = [
        str(python), str(DRIVER), str(wav), str(out),
        "--whisper", str(locate("asr.whisper-tiny.en")),
        "--piper", str(locate("tts.piper-joe")),
        "--reply", REPLY,
    ]  # fmt: skip
    with (out.parent / "pipecat.log").open("w") as log:
        subprocess.run(cmd, check=True, stdout=log, stderr=subprocess.STDOUT)
    audio, _ = soundfile.read(str(out / "out.wav"), dtype="float32")
    return audio


def run_ours(wav: Path, out: Path) -> np.ndarray:
    from peer_visavis import run_visavis
    from visavis.engines import load_engines

    engines = load_engines(deterministic=False)  # a live call's natural voice
    return run_visavis(wav, out, engines, REPLY)


def results_for(turns: list[Turn], output: np.ndarray) -> list[TurnResult]:
    onsets = [start for start, _ in speech_spans(output, RATE)]
    return turn_results(turns, onsets)


def slow(results: list[TurnResult]) -> int:
    return sum(r.latency is not None and r.latency >= SLOW for r in results)


def per_kind(results: list[TurnResult]) -> dict[str, str]:
    out = {}
    for kind in ("short", "complete", "hesitant"):
        lat = [r.latency for r in results if r.turn.kind == kind and r.latency is not None]
        out[kind] = f"{np.median(lat) * 1000:.0f} ms (n={len(lat)})" if lat else "-"
    return out


def render(ours: list[TurnResult], peer: list[TurnResult], pip_log: str) -> str:
    a, b = summarize("visavis", ours), summarize("Pipecat", peer)
    ka, kb = per_kind(ours), per_kind(peer)
    n = {k: sum(r.turn.kind == k for r in ours) for k in ("short", "complete", "hesitant")}
    lines = [
        "## Peer: Pipecat side by side",
        "",
        f"The same {len(ours)} scripted patient turns ({n['short']} short answers, "
        f"{n['complete']} full sentences, {n['hesitant']} hesitant answers with 0.6-1.0 s "
        "pauses mid-sentence, each followed by 7 s of silence) fed in real time, 20 ms frames, "
        f"through visavis and through a stock Pipecat 1.14.0 pipeline; {machine()} by "
        "`bench/peer_pipecat.py`. Both sides use the same model files (Silero VAD, Smart Turn "
        "v3.2, Whisper tiny.en CTranslate2 int8, the Piper joe voice) and the same instant "
        f'responder in the LLM slot ("{REPLY}"). Voice to voice: from the end of the patient\'s '
        "speech in the input audio to the first voiced 10 ms (-40 dBFS) of the agent's output "
        "audio after it, on the real-time clock, measured by the same code for both. "
        f"Targets (visavis / Pipecat): p50 <= {TARGET_P50_RATIO}x, p95 <= {TARGET_P95_RATIO}x.",
        "",
        markdown_table(ratio_rows(a, b)),
        f"| median: short answers | {ka['short']} | {kb['short']} | | |",
        f"| median: full sentences | {ka['complete']} | {kb['complete']} | | |",
        f"| median: hesitant answers (after the last pause) | {ka['hesitant']} | "
        f"{kb['hesitant']} | | |",
        f"| answers after >= {SLOW:.1f} s (Pipecat: Smart Turn judged the turn unfinished and "
        f"its 3 s silence fallback answered) | {slow(ours)} | {slow(peer)} | | |",
        "",
        "**Pipecat, as configured.** Its own venv (`.bench-venvs/pipecat`, `pip install "
        f"'{PIPECAT}'`: faster-whisper 1.2.1 and piper-tts, no torch). Pipeline, as in its "
        "examples: input, `WhisperSTTService` (model = the tiny.en directory, `device='cpu'`, "
        "`compute_type='int8'`, other settings default), `LLMContextAggregatorPair` with "
        "`LLMUserAggregatorParams(vad_analyzer=SileroVADAnalyzer())` and the default user turn "
        "strategies (start: VAD, transcription; stop: `TurnAnalyzerUserTurnStopStrategy("
        "LocalSmartTurnAnalyzerV3())`, default params, the wheel's ONNX files), the fixed "
        "responder, `PiperTTSService` (the joe voice file), output, assistant aggregator. "
        "`PipelineParams` at 16 kHz in and out; idle timeout off. The transport is a small "
        "one in the shape of `LocalAudioTransport`: the WAV pushed in 20 ms frames, each at "
        "the end of its 20 ms; the output a blocking sound card that records when each chunk "
        "starts playing. "
        f"{pip_log}",
        "",
        "**visavis.** Its live loop (`Conversation`) with default `TurnSettings` (the fused "
        "end-of-turn model, speculation), the live Piper voice, the files transport as the "
        'caller, and a mind that gives the same fixed reply. Both sides greet with "Hello." '
        "before the first turn (the same warm-up).",
        "",
        "A cut-in is agent audio that starts inside a patient turn (between its first word "
        "and the end of its speech: an answer in a hesitation pause, or a backchannel); the "
        "latency of that turn is still measured to the first agent audio after its end.",
    ]
    return "\n".join(lines)


def endpoint_waits(timeline: Path) -> list[float]:
    """visavis's ``metrics.turn_latency`` end-of-turn waits (ms), for the diagnosis."""
    out = []
    for line in timeline.read_text().splitlines():
        event = json.loads(line)
        if event.get("type") == "metrics.turn_latency":
            out.append(float(event["endpoint_ms"]))
    return out


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000.0, 1)


def print_turns(name: str, results: list[TurnResult]) -> None:
    print(f"\n{name}:")
    for r in results:
        lat = "  -  " if r.latency is None else f"{r.latency * 1000:5.0f}"
        flag = " CUT-IN" if r.cut_in else ""
        print(f"  {r.turn.kind:8s} {lat} ms{flag}  {r.turn.text[:60]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep the run's files in this folder")
    args = parser.parse_args()
    from visavis.models import install_models

    install_models()
    python = ensure_pipecat_venv()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        wav = work / "patient.wav"
        turns = build_patient_audio(wav)
        (work / "turns.json").write_text(json.dumps([t.__dict__ for t in turns], indent=1))
        print(f"patient audio: {len(turns)} turns, {soundfile.info(str(wav)).duration:.0f} s")
        loads = {"Pipecat": os.getloadavg()[0]}
        started = time.perf_counter()
        peer_out = run_pipecat(python, wav, work / "pipecat")
        print(f"pipecat side done in {time.perf_counter() - started:.0f} s")
        loads["visavis"] = os.getloadavg()[0]
        started = time.perf_counter()
        ours_out = run_ours(wav, work / "visavis")
        print(f"visavis side done in {time.perf_counter() - started:.0f} s")
        soundfile.write(str(work / "visavis" / "out.wav"), ours_out, RATE)
        timings = json.loads((work / "pipecat" / "timings.json").read_text())
        waits = endpoint_waits(work / "visavis" / "timeline.jsonl")
    ours, peer = results_for(turns, ours_out), results_for(turns, peer_out)
    if args.keep:
        rows = [
            {**t.__dict__, "visavis_ms": _ms(a.latency), "pipecat_ms": _ms(b.latency),
             "visavis_cut_in": a.cut_in, "pipecat_cut_in": b.cut_in}
            for t, a, b in zip(turns, ours, peer, strict=True)
        ]  # fmt: skip
        (args.keep / "results.json").write_text(json.dumps(rows, indent=1) + "\n")
    print_turns("visavis", ours)
    print_turns("Pipecat", peer)
    a, b = summarize("visavis", ours), summarize("Pipecat", peer)
    print()
    print(markdown_table(ratio_rows(a, b)))
    note = (
        f"Pipecat's models loaded in {timings['load_seconds']:.1f} s. The two sides ran one "
        "after the other (Pipecat first); the machine's 1-minute load average as each began: "
        + ", ".join(f"{k} {v:.1f}" for k, v in loads.items())
        + "."
    )
    if waits:
        note += (
            f" visavis's own timeline: end-of-turn wait (VAD end of speech to the decision) "
            f"p50 {np.percentile(waits, 50):.0f} ms, p95 {np.percentile(waits, 95):.0f} ms."
        )
    print(note)
    if not args.no_write:
        write_section("peer_pipecat", render(ours, peer, note))
        print(f"wrote the Peer: Pipecat section of {DOC}")


if __name__ == "__main__":
    sys.exit(main())
