"""Model load time and peak memory (RSS) of one whole call, in a fresh process.

Usage: python bench/call_memory.py [--scenario adherent_books] [--no-write]

Reports the load time of each embedded model, the resident memory with all models loaded, and
the peak resident memory of the process over one complete simulated call (the agent's VAD,
Whisper and Piper plus the simulated patient's recognizer pass and voice). Writes the
"call_memory" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import tempfile
import time
from pathlib import Path

from report import DOC, machine, write_section
from visavis.demo import run_demo
from visavis.engines import load_engines
from visavis.models import install_models


def rss_mb() -> float:
    """Current resident set size in MB (from /proc; falls back to the peak)."""
    try:
        with open(f"/proc/{os.getpid()}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return peak_mb()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="adherent_books")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    install_models()
    before = rss_mb()
    started = time.perf_counter()
    engines = load_engines()
    load_total = time.perf_counter() - started
    loaded = rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(
            run_demo(args.scenario, Path(tmp) / "call", engines=engines, video=False)
        )
    peak = peak_mb()
    loads = ", ".join(f"{k} {v:.2f} s" for k, v in engines.load_seconds.items())
    print(f"model load: {loads} (total {load_total:.2f} s)")
    print(f"RSS before models {before:.0f} MB, with all models loaded {loaded:.0f} MB")
    print(f"peak RSS over one {result.duration:.0f} s call ({args.scenario}): {peak:.0f} MB")
    if not args.no_write:
        write_section(
            "call_memory",
            "\n".join(
                [
                    "## Model load time and memory of one call",
                    "",
                    f"{machine()} by `bench/call_memory.py` (a fresh process, one "
                    f"`{args.scenario}` call of {result.duration:.0f} s on the virtual clock).",
                    "",
                    "| figure | value |",
                    "|---|---|",
                    f"| model load time | {loads}; total {load_total:.2f} s |",
                    f"| RSS with all models loaded (VAD, Whisper, Piper) | {loaded:.0f} MB |",
                    f"| peak RSS over the whole call, simulated patient included | {peak:.0f} MB |",
                ]
            ),
        )
        print(f"wrote the call memory section of {DOC}")


if __name__ == "__main__":
    main()
