"""The simulated patient cohort (``visavis eval``) as a benchmark: runs it, then writes its
targets and outcome table into the ``evaluation`` section of docs/benchmarks.md.

Usage: python bench/eval_cohort.py [--report out/eval] [--workers 2] [--no-write]

The full report (HTML, per-call timelines and transcripts) stays in ``--report``;
docs/evaluation.md explains the cohort and the metrics. Missed targets are printed and written,
not an error: the exit status is non-zero only when the run itself fails.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from report import DOC, machine, write_section
from visavis.eval.command import run_eval
from visavis.eval.report import percent

ROOT = Path(__file__).resolve().parents[1]


def section(results: dict[str, Any], command: str) -> str:
    s = results["summary"]
    lines = [
        "## Evaluation: the simulated patient cohort",
        "",
        f"{s['calls']} simulated patients (docs/evaluation.md), embedded defaults, virtual "
        f"clock, seed {results['seed']}; {machine()} by `{command}` in "
        f"{results['wall_seconds']:.0f} s on {results['workers']} workers.",
        "",
        "| target | figure | met? |",
        "|---|---|---|",
    ]
    for t in s["targets"]:
        value = percent(t["value"]) if isinstance(t["value"], float) else str(t["value"])
        lines.append(f"| {t['name']} {t['target']} | {value} | {'met' if t['met'] else 'missed'} |")
    lines += [
        "",
        f"Task completion {s['completed']}/{s['calls']}; follow-up booked "
        f"{percent(s['follow_up_booked_rate'])}; objective variables right "
        f"{percent(s['variable_accuracy'])}; {s['cut_ins_per_call']} false cut-ins and "
        f"{s['dead_air_per_call']} dead-air gaps per call; voice-to-voice p50 / p95 "
        f"{s['latency_ms'].get('p50', 0):.0f} / {s['latency_ms'].get('p95', 0):.0f} ms "
        "(virtual clock).",
        "",
        "| patient voice | completed | escalated (must) |",
        "|---|---|---|",
    ]
    for voice, v in s["by_voice"].items():
        lines.append(
            f"| {voice} | {v['completed']}/{v['calls']} | {v['escalated']} "
            f"({v['escalate_expected']}) |"
        )
    lines += ["", "| kind | completed | escalated (must) | booked | variables right |"]
    lines.append("|---|---|---|---|---|")
    for kind, k in s["by_kind"].items():
        lines.append(
            f"| `{kind}` | {k['completed']}/{k['calls']} | {k['escalated']} "
            f"({k['escalate_expected']}) | {percent(k['follow_up_booked_rate'])} | "
            f"{percent(k['variable_accuracy'])} |"
        )
    failed = [c for c in results["calls"] if not c["completed"]]
    if failed:
        lines += ["", "Calls that fell short:", ""]
        lines += [f"- `{c['name']}` ({c['voice']}): {'; '.join(c['problems'])}" for c in failed]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, default=ROOT / "out" / "eval")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    status = run_eval(Console(), args.report, workers=args.workers)
    if status not in (0, 1):  # 1: a target missed, which the section reports
        return status
    results = json.loads((args.report / "results.json").read_text())
    if not args.no_write:
        write_section("evaluation", section(results, "python bench/eval_cohort.py"), DOC)
    return 0


if __name__ == "__main__":
    sys.exit(main())
