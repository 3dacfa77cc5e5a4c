"""Lip-sync offset of a rendered demo call: does the mouth move with the voice?

Usage: python bench/lipsync.py [--scenario adherent_books] [--no-write]

Runs a demo call on the virtual clock, renders its video, and finds the lag that maximises the
cross-correlation between the mouth opening of the rendered frames and the loudness envelope of
the agent's audio (positive: the mouth is late). Target: |offset| <= 40 ms. Writes the "lipsync"
section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

import soundfile

from report import DOC, machine, write_section
from visavis.demo import run_demo
from visavis.face import lipsync_offset_ms
from visavis.models import install_models

SCENARIOS = ["adherent_books", "red_flag", "interrupter"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    install_models()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.scenarios.split(","):
            out = Path(tmp) / name
            result = asyncio.run(run_demo(name, out))
            assert result.video is not None
            audio, rate = soundfile.read(str(out / "call.wav"), dtype="float32")
            offset = lipsync_offset_ms(result.video.mouth, audio[:, 1], rate, fps=25)
            rows.append((name, result.duration, result.video.frames, offset))
            print(f"{name}: {result.video.frames} frames, lip-sync offset {offset:+.0f} ms")
    if not args.no_write:
        lines = [
            "## Lip-sync offset",
            "",
            f"{machine()} by `bench/lipsync.py`: the lag that maximises the cross-correlation "
            "between the rendered mouth opening (25 fps) and the agent's audio envelope; "
            "positive means the mouth is late. Target |offset| <= 40 ms.",
            "",
            "| call | length | frames | offset |",
            "|---|---|---|---|",
        ]
        lines += [f"| {n} | {d:.0f} s | {f} | {o:+.0f} ms |" for n, d, f, o in rows]
        write_section("lipsync", "\n".join(lines))
        print(f"wrote the lip-sync section of {DOC}")


if __name__ == "__main__":
    main()
