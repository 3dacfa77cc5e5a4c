"""Word error rate of the ASR engine on the real recorded speech listed in the model manifest.

Usage: python bench/asr_wer.py [--engine whisper] [--no-write]

Writes its table between the ``asr_wer`` markers in docs/benchmarks.md and leaves the rest of
that file alone (other benchmarks own other sections).
"""

from __future__ import annotations

import argparse
import re
import time

import jiwer

from report import DOC, machine, write_section
from visavis.models import data_entries, install_models, locate
from visavis.runtime.media import SPEECH_RATE, read_audio
from visavis.speech.asr import load_recognizer

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(n: int) -> str:
    """English words for 0..999999 (enough for spoken numbers in test sentences)."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = "" if n % 100 == 0 else " " + number_words(n % 100)
        return _ONES[n // 100] + " hundred" + rest
    rest = "" if n % 1000 == 0 else " " + number_words(n % 1000)
    return number_words(n // 1000) + " thousand" + rest


def normalize(text: str) -> str:
    """Lower case, digits spelled out, punctuation dropped, so only word choice counts."""
    text = text.lower().replace("%", " percent")
    text = re.sub(r"(\d+):(\d\d)", lambda m: f"{m.group(1)} {m.group(2)}", text)
    text = re.sub(r"\d+", lambda m: f" {number_words(int(m.group()))} ", text)
    text = re.sub(r"[^a-z' ]+", " ", text).replace("'", "")
    return " ".join(text.split())


def measure(engine: str) -> list[dict[str, object]]:
    recognizer = load_recognizer({"engine": engine})
    rows = []
    for entry in data_entries():
        path = locate(entry.name)
        audio = read_audio(path)
        recognizer.transcribe(audio[:SPEECH_RATE])  # warm-up so load costs are not counted
        # Both encoder paths: the short window the loop uses, and Whisper's full 30 s one.
        for short in (True, False):
            if hasattr(recognizer, "short_context"):
                recognizer.short_context = short
            began = time.perf_counter()
            result = recognizer.transcribe(audio)
            wall = time.perf_counter() - began
            reference = entry.transcript or ""
            rows.append(
                {
                    "file": f"{entry.package}=={entry.version}: {entry.files[0].wheel_path}",
                    "path": getattr(recognizer, "last_path", "-"),
                    "seconds": len(audio) / SPEECH_RATE,
                    "reference": reference,
                    "hypothesis": result.text,
                    "wer": jiwer.wer(normalize(reference), normalize(result.text)),
                    "rtf": wall / (len(audio) / SPEECH_RATE),
                }
            )
    return rows


def render(engine: str, rows: list[dict[str, object]]) -> str:
    lines = [
        "## ASR word error rate on real speech",
        "",
        f"Engine `{engine}` (tiny.en int8, greedy); {machine()} by `bench/asr_wer.py`. "
        "Text normalised before scoring: lower case, punctuation removed, digits spelled out. "
        "The short encoder window is what the conversation loop uses; the full 30 s window is "
        "faster-whisper's default, for comparison.",
        "",
        "| recording | encoder window | length | WER | RTF | reference | transcript |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| `{r['file']}` | {r['path']} | {r['seconds']:.1f} s | {r['wer']:.1%} "
            f"| {r['rtf']:.3f} | {r['reference']} | {r['hypothesis']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="whisper")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    install_models()
    rows = measure(args.engine)
    for r in rows:
        print(f"{r['file']} ({r['seconds']:.1f} s): WER {r['wer']:.1%}, RTF {r['rtf']:.3f}")
        print(f"  reference:  {r['reference']}\n  transcript: {r['hypothesis']}")
    if not args.no_write:
        write_section("asr_wer", render(args.engine, rows))
        print(f"wrote the ASR section of {DOC}")


if __name__ == "__main__":
    main()
