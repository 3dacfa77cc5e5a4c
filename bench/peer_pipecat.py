"""Peer benchmark: the same patient audio through Pipecat 1.14.0 and through visavis.

Usage: python bench/peer_pipecat.py [--no-write] [--keep DIR]

1. Builds the patient's side of a post-discharge follow-up call (``bench/peer_script.py``, the
   one script both sides read): 24 scripted turns (short complete answers, full sentences,
   hesitant answers with 0.6-1.0 s pauses mid-sentence) in a simulated patient's voice (the
   Piper voice shifted 3 semitones, as the ``hesitant`` scenario). Each line answers the
   question the agent asks right before it: the greeting is the first question, the agent's
   reply to turn i is the question of turn i+1, and to the last turn a closing line. The
   silence after each turn leaves room for a late answer (3.5 s) plus that whole reply plus
   1 s (at least 7 s); the silence before the first turn, for the greeting. The end of each
   turn's speech is known from the script (the last voiced 10 ms window of its audio).
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

Neither side has an LLM: both answer each turn at once with the script's next line, the same
sequence on both sides, picked by the clock (``peer_script.reply_at``). Pipecat's Smart Turn
hears audio only, so the agent's question does not change its decision; visavis's fused
end-of-turn model reads the question's expectation (a yes/no question expects a short answer),
which is what a realistic script lets it use.
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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from peer_metrics import (
    TARGET_P50_RATIO,
    TARGET_P95_RATIO,
    Turn,
    TurnResult,
    markdown_table,
    percentiles,
    ratio_intervals,
    ratio_rows,
    reply_ready_ms,
    speech_end,
    speech_spans,
    summarize,
    turn_results,
)
from peer_script import SCRIPT, replies
from report import DOC, machine, write_section

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".bench-venvs" / "pipecat"
PIPECAT = "pipecat-ai[whisper,piper]==1.14.0"
DRIVER = Path(__file__).resolve().parent / "peer_pipecat_driver.py"
RATE = 16000
#: The agent's reply must have started by this long after the patient's speech (Pipecat's
#: Smart Turn fallback answers ~3.1 s after it) ...
ANSWER_ROOM = 3.5
#: ... and the patient waits this long after the reply has played before answering.
AFTER_REPLY = 1.0
MIN_GAP = 7.0  # silence after each turn, at least
SLOW = 2.8  # an answer this late came from a silence fallback, not a turn model


def sentences(text: str) -> list[str]:
    """A reply sentence by sentence, as both sides' TTS speak it."""
    return [x for x in re.split(r"(?<=[.?!])\s+", text.strip()) if x]


def reply_seconds(synthesizer: object, text: str) -> float:
    """How long ``text`` plays in the Piper joe voice (with 0.3 s between sentences), plus 15%
    for the live voice's variation."""
    parts = sentences(text)
    speech = sum(synthesizer.synthesize(x).duration for x in parts)  # type: ignore[attr-defined]
    return 1.15 * (speech + 0.3 * (len(parts) - 1))


def build_patient_audio(path: Path) -> tuple[list[Turn], dict[str, object]]:
    """Write the patient WAV (16 kHz mono); return its turns and the agent's script for both
    sides (``replies``: greeting, the reply after each turn; ``starts``: each turn's start).

    The silence before the first turn leaves room for the greeting, the one after each turn for
    a late answer (``ANSWER_ROOM``) plus the whole reply, then ``AFTER_REPLY`` before the
    patient's next line (at least ``MIN_GAP``)."""
    from visavis.engines import load_engines
    from visavis.sim.phrasing import plain, speak_line

    engines = load_engines(deterministic=True)  # the same patient audio on every run
    voice = engines.voice("piper", "en-us", 160, 3.0)
    sequence = replies()
    lengths = [reply_seconds(engines.synthesizer, x) for x in sequence]
    lead = 1.0 + lengths[0] + AFTER_REPLY
    pieces = [np.zeros(int(lead * RATE), dtype=np.float32)]
    at = lead
    turns = []
    gaps = []
    for i, step in enumerate(SCRIPT):
        spoken = speak_line(voice, step.line, RATE)
        audio = (spoken.audio * 0.8).astype(np.float32)
        end = speech_end(audio, RATE)
        assert end is not None
        turns.append(Turn(round(at, 4), round(at + end, 4), plain(step.line), step.kind))
        gap = max(MIN_GAP, ANSWER_ROOM + lengths[i + 1] + AFTER_REPLY)
        gaps.append(round(gap, 2))
        pieces += [audio, np.zeros(int(gap * RATE), dtype=np.float32)]
        at += len(audio) / RATE + gap
    soundfile.write(str(path), np.concatenate(pieces), RATE)
    script = {
        "replies": sequence,
        "starts": [t.start for t in turns],
        "lead": round(lead, 2),
        "gaps": gaps,
        "reply_seconds": [round(x, 2) for x in lengths],
    }
    return turns, script


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


def run_pipecat(python: Path, wav: Path, script: Path, out: Path) -> np.ndarray:
    from visavis.models import locate

    cmd = [
        str(python), str(DRIVER), str(wav), str(out),
        "--whisper", str(locate("asr.whisper-tiny.en")),
        "--piper", str(locate("tts.piper-joe")),
        "--script", str(script),
    ]  # fmt: skip
    with (out.parent / "pipecat.log").open("w") as log:
        subprocess.run(cmd, check=True, stdout=log, stderr=subprocess.STDOUT)
    audio, _ = soundfile.read(str(out / "out.wav"), dtype="float32")
    return audio


def run_ours(wav: Path, script: dict[str, object], out: Path) -> np.ndarray:
    from peer_visavis import run_visavis
    from visavis.engines import load_engines

    engines = load_engines(deterministic=False)  # a live call's natural voice
    return run_visavis(wav, out, engines, script)


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


def render(
    ours: list[TurnResult], peer: list[TurnResult], script: dict[str, object], pip_log: str
) -> str:
    a, b = summarize("visavis", ours), summarize("Pipecat", peer)
    ka, kb = per_kind(ours), per_kind(peer)
    n = {k: sum(r.turn.kind == k for r in ours) for k in ("short", "complete", "hesitant")}
    gaps = script["gaps"]
    assert isinstance(gaps, list)
    lines = [
        "## Peer: Pipecat side by side",
        "",
        f"The same {len(ours)} scripted patient turns of a post-discharge follow-up call "
        f"({n['short']} short answers, {n['complete']} full sentences, {n['hesitant']} "
        "hesitant answers with 0.6-1.0 s pauses mid-sentence: each line said in one breath by "
        "Piper and cut at its pauses, so the words before a pause keep the sentence's melody, "
        "`visavis.sim.phrasing`) fed in real time, 20 ms frames, "
        f"through visavis and through a stock Pipecat 1.14.0 pipeline; {machine()} by "
        "`bench/peer_pipecat.py`. Both sides use the same model files (Silero VAD, Smart Turn "
        "v3.2, Whisper tiny.en CTranslate2 int8, the Piper joe voice). Neither has an LLM: the "
        "same instant responder sits in the LLM slot and says the same lines "
        "(`bench/peer_script.py`): each patient line answers the question the agent asked just "
        'before it (the greeting "Hello, this is the care team at Riverside. Am I speaking '
        'with Maria Lopez?" before "Yes, this is Maria."; "Which day suits you for a follow-up '
        'visit?" before "Let me think. ... Tuesday morning, I think."), the reply to each turn '
        "is the next turn's question, and to the last a closing line. The two sides use the "
        "question differently: Pipecat's Smart Turn hears only the audio, so the words do not "
        "change its decision; visavis's fused end-of-turn model reads what the question asks "
        "for (a yes/no question or a single fact expects a short answer, a list or a story a "
        "long one) and weighs it with Smart Turn, the prosody and the partial transcript. Each "
        f"turn is followed by {min(gaps):.1f}-{max(gaps):.1f} s of silence (room for a late "
        "answer, the whole next question and 1 s). Voice to voice: from the end of the "
        "patient's speech in the input audio to the first voiced 10 ms (-40 dBFS) of the "
        "agent's output audio after it, on the real-time clock, measured by the same code for "
        f"both. Targets (visavis / Pipecat): p50 <= {TARGET_P50_RATIO}x, p95 <= "
        f"{TARGET_P95_RATIO}x. In brackets, each ratio's 95% interval by a paired bootstrap "
        "over the turns (the same turns drawn for both sides): how far the ratio could move "
        "with another draw of turns of these kinds.",
        "",
        markdown_table(ratio_rows(a, b, ratio_intervals(ours, peer))),
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
        "LocalSmartTurnAnalyzerV3())`, default params, the wheel's ONNX files), the scripted "
        "responder, `PiperTTSService` (the joe voice file), output, assistant aggregator. "
        "`PipelineParams` at 16 kHz in and out; idle timeout off. The transport is a small "
        "one in the shape of `LocalAudioTransport`: the WAV pushed in 20 ms frames, each at "
        "the end of its 20 ms; the output a blocking sound card that records when each chunk "
        "starts playing. "
        f"{pip_log}",
        "",
        "**visavis.** Its live loop (`Conversation`) with default `TurnSettings` (the fused "
        "end-of-turn model, speculation), the live Piper voice, the files transport as the "
        "caller, and a mind that says the script's lines. They reach the end-of-turn model as "
        "a real mind's do: spoken through the speaker, whose `ReplySentence` events the turns "
        "stage keeps as the agent's last question. Both sides greet with the first question "
        "before the first turn.",
        "",
        "A cut-in is agent audio that starts inside a patient turn (between its first word "
        "and the end of its speech: an answer in a hesitation pause, or a backchannel); the "
        "latency of that turn is still measured to the first agent audio after its end.",
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class Stage:
    """visavis's own account of one answered turn (its timeline's ``metrics.turn_latency``)."""

    kind: str
    text: str
    vad_lag_ms: float  # the VAD's end of speech minus the script's
    endpoint_ms: float  # VAD end of speech to the turn decision
    to_audio_ms: float  # decision to first audio
    #: The end of the patient's voice to the reply being ready (transcribed, planned, its first
    #: sentence synthesized): what a perfect end-of-turn decision would give; None for a pause
    #: inside the turn (a cut-in) or when no reply was prepared (the agent was still speaking).
    ready_ms: float | None
    reason: str
    probability: float | None
    expectation: float


def stages(timeline: Path, turns: list[Turn], script: dict[str, object]) -> list[Stage]:
    """Each ``metrics.turn_latency`` of visavis's timeline, matched to its script turn."""
    from visavis.turns.transcript_cues import expectation_from_prompt

    events = [json.loads(line) for line in timeline.read_text().splitlines()]
    decisions = [
        e for e in events if e.get("type") == "turn.decision" and e.get("action") == "respond"
    ]
    speculation = [e for e in events if e.get("type") == "turn.speculation"]
    sequence = script["replies"]
    assert isinstance(sequence, list)
    out = []
    for e in events:
        if e.get("type") != "metrics.turn_latency":
            continue
        stop = float(e["user_stopped_at"])
        i = max((k for k, t in enumerate(turns) if t.start <= stop), default=None)
        if i is None:
            continue
        decided = stop + float(e["endpoint_ms"]) / 1000.0
        near = min(decisions, key=lambda d: abs(_t(d) - decided), default=None)
        out.append(
            Stage(
                kind=turns[i].kind,
                text=turns[i].text,
                vad_lag_ms=round((stop - turns[i].speech_end) * 1000.0, 1),
                endpoint_ms=float(e["endpoint_ms"]),
                to_audio_ms=round(float(e["voice_to_voice_ms"]) - float(e["endpoint_ms"]), 1),
                # A pause inside the turn answered (a cut-in) is not the turn's reply.
                ready_ms=reply_ready_ms(speculation, stop, turns[i].speech_end)
                if stop >= turns[i].speech_end
                else None,
                reason=str(near.get("reason")) if near else "?",
                probability=near.get("probability") if near else None,
                expectation=expectation_from_prompt(str(sequence[i])),
            )
        )
    return out


def reply_ready_floor(rows: list[Stage]) -> tuple[float, float, int]:
    """p50 and p95 (ms) of ``ready_ms`` over the turns that have it, and their number: the
    voice-to-voice latency visavis would reach with a perfect end-of-turn decision (each turn
    answered the moment its reply is ready, no pause ever answered)."""
    ready = [r.ready_ms for r in rows if r.ready_ms is not None]
    p50, p95 = percentiles(ready)
    return p50, p95, len(ready)


def _t(event: dict[str, object]) -> float:
    for key in ("t", "time", "at"):
        if key in event:
            return float(event[key])  # type: ignore[arg-type]
    return float("nan")


def stage_medians(rows: list[Stage]) -> dict[str, tuple[float, float]]:
    """Per kind (and "all"): median end-of-turn wait and median decision-to-audio (ms)."""
    out = {}
    for kind in ("short", "complete", "hesitant", "all"):
        sel = [r for r in rows if kind in ("all", r.kind)]
        if sel:
            out[kind] = (
                float(np.median([r.endpoint_ms for r in sel])),
                float(np.median([r.to_audio_ms for r in sel])),
            )
    return out


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000.0, 1)


def print_turns(name: str, results: list[TurnResult]) -> None:
    print(f"\n{name}:")
    for r in results:
        lat = "  -  " if r.latency is None else f"{r.latency * 1000:5.0f}"
        flag = " CUT-IN" if r.cut_in else ""
        print(f"  {r.turn.kind:8s} {lat} ms{flag}  {r.turn.text[:60]}")


def _or_dash(ms: float | None) -> str:
    return "  -  " if ms is None else f"{ms:5.0f}"


def print_stages(rows: list[Stage]) -> None:
    print(
        "\nvisavis stages (VAD lag, end-of-turn wait, decision to audio, voice end to reply "
        "ready; reason p; expectation):"
    )
    for r in rows:
        p = "  -  " if r.probability is None else f"{r.probability:.2f}"
        print(
            f"  {r.kind:8s} lag {r.vad_lag_ms:5.0f}  wait {r.endpoint_ms:5.0f}  "
            f"to audio {r.to_audio_ms:4.0f}  ready {_or_dash(r.ready_ms)}  {r.reason:11s} {p}  "
            f"e={r.expectation:+.1f}  {r.text[:40]}"
        )
    for k, (w, d) in stage_medians(rows).items():
        print(f"  median {k:8s}: wait {w:.0f} ms, decision to audio {d:.0f} ms")


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
        turns, script = build_patient_audio(wav)
        (work / "turns.json").write_text(json.dumps([t.__dict__ for t in turns], indent=1))
        script_file = work / "script.json"
        script_file.write_text(json.dumps(script, indent=1) + "\n")
        print(f"patient audio: {len(turns)} turns, {soundfile.info(str(wav)).duration:.0f} s")
        loads = {"Pipecat": os.getloadavg()[0]}
        started = time.perf_counter()
        peer_out = run_pipecat(python, wav, script_file, work / "pipecat")
        print(f"pipecat side done in {time.perf_counter() - started:.0f} s")
        loads["visavis"] = os.getloadavg()[0]
        started = time.perf_counter()
        ours_out = run_ours(wav, script, work / "visavis")
        print(f"visavis side done in {time.perf_counter() - started:.0f} s")
        soundfile.write(str(work / "visavis" / "out.wav"), ours_out, RATE)
        timings = json.loads((work / "pipecat" / "timings.json").read_text())
        rows = stages(work / "visavis" / "timeline.jsonl", turns, script)
    ours, peer = results_for(turns, ours_out), results_for(turns, peer_out)
    if args.keep:
        per_turn = [
            {**t.__dict__, "visavis_ms": _ms(a.latency), "pipecat_ms": _ms(b.latency),
             "visavis_cut_in": a.cut_in, "pipecat_cut_in": b.cut_in}
            for t, a, b in zip(turns, ours, peer, strict=True)
        ]  # fmt: skip
        (args.keep / "results.json").write_text(json.dumps(per_turn, indent=1) + "\n")
        (args.keep / "stages.json").write_text(
            json.dumps([r.__dict__ for r in rows], indent=1) + "\n"
        )
    print_turns("visavis", ours)
    print_turns("Pipecat", peer)
    print_stages(rows)
    a, b = summarize("visavis", ours), summarize("Pipecat", peer)
    print()
    print(markdown_table(ratio_rows(a, b, ratio_intervals(ours, peer))))
    note = (
        f"Pipecat's models loaded in {timings['load_seconds']:.1f} s. The two sides ran one "
        "after the other (Pipecat first); the machine's 1-minute load average as each began: "
        + ", ".join(f"{k} {v:.1f}" for k, v in loads.items())
        + "."
    )
    if rows:
        waits = [r.endpoint_ms for r in rows]
        medians = stage_medians(rows)
        note += (
            " visavis's own timeline: end-of-turn wait (VAD end of speech to the decision) "
            f"p50 {np.percentile(waits, 50):.0f} ms, p95 {np.percentile(waits, 95):.0f} ms; "
            "medians per kind (wait / decision to first audio): "
            + ", ".join(f"{k} {w:.0f} / {d:.0f} ms" for k, (w, d) in medians.items() if k != "all")
            + "."
        )
        f50, f95, n_ready = reply_ready_floor(rows)
        note += (
            " The floor under the end-of-turn decision: from the end of the patient's voice to "
            "visavis's reply being ready (the VAD's end of speech and hangover, Whisper on the "
            f"turn, the first sentence synthesized), p50 {f50:.0f} ms, p95 {f95:.0f} ms over "
            f"{n_ready} turns, {f50 / (b.p50 * 1000.0):.2f}x / {f95 / (b.p95 * 1000.0):.2f}x "
            "Pipecat's: a perfect end-of-turn decision, answering every turn the moment its "
            "reply is ready and no pause ever, would give no less."
        )
    print(note)
    if not args.no_write:
        write_section("peer_pipecat", render(ours, peer, script, note))
        print(f"wrote the Peer: Pipecat section of {DOC}")


if __name__ == "__main__":
    sys.exit(main())
