"""How much a call's vocabulary (Whisper's initial prompt) and beam search change what the
agent hears, on the patient lines of a ``visavis eval`` run.

Usage: python bench/asr_vocabulary.py [--calls out/eval/calls] [--no-write]

Run ``visavis eval --report out/eval`` first: each call's ``call.wav`` (channel 0 is the
patient's microphone, noise included) and ``patient.json`` (what the simulated patient said
and when) give about 200 lines in espeak-ng and Piper voices. Each line is transcribed four
ways: beam 1 or 5, with no prompt or with the call's prompt (``build_mind(...).hotwords``: the
patient's name, their medicines, the persona's hotwords). Reported per way: word error rate,
*key words missed* (the name in "Yes, this is ...", the birth year, a medicine, "fainted",
"swollen", the visit day), *prompt words inserted* (a prompt word heard in a line that did not
say it: the risk of a prompt) and the transcription time p50/p95. Writes the ``asr_vocabulary``
section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import jiwer
import numpy as np
import soundfile

from asr_wer import normalize
from report import DOC, machine, write_section
from visavis.mind.build import build_mind
from visavis.models import install_models, locate
from visavis.speech.asr.whisper import WhisperRecognizer

ROOT = Path(__file__).resolve().parents[1]
#: Words a prompt may put in a transcript; heard without being said, they are insertions.
PROMPT_WORDS = ("faint", "chest", "breath", "dizz", "swollen", "wednesday", "afternoon")
YEARS = ("1952", "1947", "1968")


def patient_lines(calls: Path) -> list[tuple[str, str, np.ndarray]]:
    """(patient id, what was said, the microphone audio of the line) for every call."""
    lines = []
    for call in sorted(p for p in calls.iterdir() if (p / "patient.json").is_file()):
        patient = json.loads((call / "outcome.json").read_text())["patient_id"]
        audio, rate = soundfile.read(call / "call.wav", dtype="float32")
        for said in json.loads((call / "patient.json").read_text())["said"]:
            start, end = int(max(0.0, said["t"] - 0.2) * rate), int((said["end"] + 0.3) * rate)
            lines.append((patient, said["text"], audio[start:end, 0]))
    return lines


def key_missed(said: str, heard: str) -> bool:
    """A word the call turns on, said but not heard."""
    h = heard.lower()
    if said.startswith("Yes, this is") or said.startswith("Yes, ... this is"):
        return said.split()[-1].strip(".").lower() not in h
    if "nineteen" in said:
        return not any(y in h for y in YEARS)
    for word in ("fainted", "swollen", "lisinopril", "metoprolol", "tuesday"):
        if word in said.lower() and word not in h:
            return True
    return "Tuesday" in said and "wednesday" in h


def inserted(said: str, heard: str, vocabulary: str) -> bool:
    s, h = said.lower(), heard.lower()
    medicines = re.findall(r"[a-z]{6,}", vocabulary.lower().split(".")[1]) if vocabulary else []
    return any(w in h and w not in s for w in (*PROMPT_WORDS, *medicines))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=Path, default=ROOT / "out" / "eval" / "calls")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if not args.calls.is_dir():
        print(f"{args.calls} not found: run `visavis eval --report out/eval` first")
        return 2
    install_models()
    lines = patient_lines(args.calls)
    with tempfile.TemporaryDirectory() as tmp:
        prompts = {
            p: build_mind(p, Path(tmp) / f"{p}.db", date.today()).hotwords
            for p in {patient for patient, _, _ in lines}
        }
    recognizers = {b: WhisperRecognizer(locate("asr.whisper-tiny.en"), beam_size=b) for b in (1, 5)}
    ways = [(b, prompted) for b in (1, 5) for prompted in (False, True)]
    rows = []
    for beam, prompted in ways:
        refs, hyps, ms, missed, added = [], [], [], 0, 0
        for i, (patient, said, audio) in enumerate(lines):
            prompt = prompts[patient] if prompted else None
            started = time.perf_counter()
            heard = recognizers[beam].transcribe(audio, prompt=prompt).text
            ms.append((time.perf_counter() - started) * 1000.0)
            refs.append(normalize(said))
            hyps.append(normalize(heard) or "<empty>")
            missed += key_missed(said, heard)
            added += inserted(said, heard, prompt or prompts[patient])
            print(f"\r  beam {beam}, prompt {prompted}: {i + 1}/{len(lines)}", end="", flush=True)
        print()
        rows.append((beam, prompted, jiwer.wer(refs, hyps), missed, added, ms))
    table = [
        "| beam | call prompt | WER | key words missed | prompt words inserted | ms p50 / p95 |",
        "|---|---|---|---|---|---|",
    ]
    for beam, prompted, wer, missed, added, ms in rows:
        p50, p95 = np.percentile(ms, [50, 95])
        table.append(
            f"| {beam} | {'yes' if prompted else 'no'} | {wer:.1%} | {missed} | {added} | "
            f"{p50:.0f} / {p95:.0f} |"
        )
    print("\n".join(table))
    section = (
        "## ASR: the call's vocabulary\n\n"
        f"{len(lines)} patient lines from `{args.calls.relative_to(ROOT)}` (a `visavis eval` "
        f"run: espeak-ng and Piper voices, some with noise), Whisper tiny.en int8; {machine()} "
        "by `bench/asr_vocabulary.py`. The call prompt is "
        "the patient's name, their medicines and the persona's hotwords. Key words: the name "
        'in "Yes, this is ...", the birth year, a medicine, "fainted", "swollen", the '
        "visit day. Inserted: a prompt word heard in a line that did not say it.\n\n"
        + "\n".join(table)
        + "\n"
    )
    if not args.no_write:
        write_section("asr_vocabulary", section, DOC)
    return 0


if __name__ == "__main__":
    sys.exit(main())
