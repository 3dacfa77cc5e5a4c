"""End-of-turn benchmark: sweep every registered detector over the turn set.

Usage: python bench/turns/run.py [--detector NAME ...] [--relabel] [--no-write]

Builds (or loads from out/turns-cache/) the set, runs each detector in ``detectors.REGISTRY``
causally over it, draws docs/turns-tradeoff.png and writes the ``turns`` section of
docs/benchmarks.md (other benchmarks own the other sections).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench.*`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.report import DOC, machine, write_section  # noqa: E402
from bench.turns.dataset import load_set  # noqa: E402
from bench.turns.detectors import REGISTRY  # noqa: E402
from bench.turns.harness import (  # noqa: E402
    TIMEOUT,
    Point,
    Turn,
    cutoff_rate_at_dead_air,
    dead_air_at_cutoff_rate,
    sweep,
)
from bench.turns.plot import draw  # noqa: E402

PNG = DOC.parent / "turns-tradeoff.png"
DEAD_AIR_TARGET = 0.3
CUTOFF_TARGET = 0.05


def describe(turns: Sequence[Turn]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for t in turns:
        row = out.setdefault(t.source, {"turns": 0, "hold": 0, "end": 0})
        row["turns"] += 1
        for s in t.silences:
            row[s.label] += 1
    return out


def _ms(x: float | None) -> str:
    return "-" if x is None else f"{x * 1000:.0f} ms"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def _rows(points: Sequence[Point], limit: int = 12) -> list[Point]:
    """At most ``limit`` points, spread evenly over the sweep."""
    if len(points) <= limit:
        return list(points)
    step = (len(points) - 1) / (limit - 1)
    return [points[round(i * step)] for i in range(limit)]


def _held_out() -> list[str]:
    """The fused model's figures on the split it was not fitted on (from ``fit.py``)."""
    from visavis.turns.fusion import MODEL_PATH

    fit = json.loads(MODEL_PATH.read_text()).get("fit", {})
    split = fit.get("test_split")
    if not split:
        return []
    lines = [
        "",
        f"The fused model is fitted on these turns, so its row above is in-sample. Held out "
        f"({fit.get('split', 'a split by script line')}), fitted on the rest "
        "(`bench/turns/fit.py`):",
        "",
        "| detector, held-out split | false cut-offs at 300 ms median dead air "
        "| median dead air at 5% false cut-offs |",
        "|---|---|---|",
    ]
    for name, figures in split.items():
        lines.append(
            f"| {name} | {_pct(figures['cutoff_at_300ms'])} | {_ms(figures['dead_air_at_5pct'])} |"
        )
    spec = json.loads(MODEL_PATH.read_text())
    terms = ", ".join(f"`{t}`" for t in spec["weights"] if t not in fit.get("unfitted", []))
    unfitted = ", ".join(f"`{t}`" for t in fit.get("unfitted", []))
    lines += [
        "",
        f"The fused model's terms: {terms} (each described in "
        "`src/visavis/turns/eot_model.json`). `expectation` reads the agent's question each "
        "synthetic line answers (`bench/turns/script.py`; the Beckett monologue has none, so 0) "
        "through `expectation_from_prompt`; which terms to add was chosen by cross-validation "
        "inside the train split, not on the held-out lines. The prompts were written for this "
        "set, with answers of the kind each question invites, so the expectation terms likely "
        "help less in real calls than here.",
    ]
    if unfitted:
        lines.append(
            f"Not fitted (weight 0, no labels for it in this audio set): {unfitted}, the face's "
            "cue; the live model takes it as an input that changes nothing until a fit on data "
            "that has it."
        )
    return lines


def render(
    counts: dict[str, dict[str, int]],
    results: dict[str, list[Point]],
    seconds: float,
    labels: dict[str, str] | None = None,
) -> str:
    total = {k: sum(c[k] for c in counts.values()) for k in ("turns", "hold", "end")}
    by_source = "; ".join(
        f"{src}: {c['turns']} turn{'s' * (c['turns'] != 1)}, {c['hold']} hold / {c['end']} end"
        for src, c in counts.items()
    )
    lines = [
        "## End of turn: false cut-offs against dead air",
        "",
        f"{machine()} by `bench/turns/run.py` ({seconds:.0f} s). "
        f"{total['turns']} complete user turns ({by_source}); every silence of 100 ms or more "
        "is labelled hold or end (labels in `bench/turns/labels/`). Real: the Beckett "
        "recording shipped in a package, labelled by hand. Synthetic: patient answers "
        "(lists, self-corrections, filled pauses, long hesitations mid-phrase, tellings of "
        "several sentences, yes/no then more, answers of another kind than asked, questions "
        "back) spoken by Piper in three voices and three rates, each line in one breath and "
        "cut at its 0.2-1.5 s marked pauses (the words before a pause keep the sentence's "
        "melody), 2 s of silence after each turn.",
        "",
        "Each detector hears the audio 20 ms at a time and is asked every 20 ms during a "
        "silence; its first answer at or above the threshold is the decision. A decision "
        "inside a hold silence is a false cut-off; on the end silence, dead air is the time "
        f"from the silence's start to the decision ({TIMEOUT:.0f} s if none, a timeout).",
        "",
        "![trade-off](turns-tradeoff.png)",
        "",
        f"| detector | false cut-offs at {DEAD_AIR_TARGET * 1000:.0f} ms median dead air "
        f"| median dead air at {CUTOFF_TARGET:.0%} false cut-offs |",
        "|---|---|---|",
    ]
    for name, points in results.items():
        lines.append(
            f"| {name} | {_pct(cutoff_rate_at_dead_air(points, DEAD_AIR_TARGET))} "
            f"| {_ms(dead_air_at_cutoff_rate(points, CUTOFF_TARGET))} |"
        )
    lines += _held_out()
    for name, points in results.items():
        lines += [
            "",
            f"**{name}** (selected sweep points; interpolated figures above use all of them)",
            "",
            f"| {(labels or {}).get(name, 'setting')} | threshold | false cut-offs "
            "| median dead air | p90 dead air | timeouts |",
            "|---|---|---|---|---|---|",
        ]
        for p in _rows(points):
            lines.append(
                f"| {p.setting:g} | {p.threshold:g} | {p.false_cutoff_rate:.1%} "
                f"({p.cutoffs}/{p.holds}) | {_ms(p.median_dead_air)} | {_ms(p.p90_dead_air)} "
                f"| {p.timeouts}/{p.ends} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detector", action="append", help="only these (by name)")
    parser.add_argument("--relabel", action="store_true", help="rewrite synthetic labels")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    began = time.perf_counter()
    turns = load_set(args.relabel, progress=lambda m: print(m, flush=True))
    counts = describe(turns)
    for src, c in counts.items():
        print(f"{src}: {c['turns']} turn(s), {c['hold']} hold and {c['end']} end silences")
    results: dict[str, list[Point]] = {}
    colors = {}
    for candidate in REGISTRY:
        if args.detector and candidate.name not in args.detector:
            continue
        started = time.perf_counter()
        print(f"sweeping {candidate.name} ...", flush=True)
        results[candidate.name] = sweep(candidate, turns)
        colors[candidate.name] = candidate.color
        points = results[candidate.name]
        print(
            f"  {candidate.name}: {time.perf_counter() - started:.1f} s; false cut-offs at "
            f"{DEAD_AIR_TARGET * 1000:.0f} ms dead air "
            f"{_pct(cutoff_rate_at_dead_air(points, DEAD_AIR_TARGET))}, dead air at "
            f"{CUTOFF_TARGET:.0%} false cut-offs "
            f"{_ms(dead_air_at_cutoff_rate(points, CUTOFF_TARGET))}"
        )
    seconds = time.perf_counter() - began
    if not args.no_write:
        curves = [(name, colors[name], pts) for name, pts in results.items()]
        draw(curves, PNG, "End of turn: false cut-offs vs dead air (bench/turns)")
        names = {c.name: c.setting_label for c in REGISTRY}
        write_section("turns", render(counts, results, seconds, names))
        print(f"wrote {PNG} and the turns section of {DOC}")
    print(f"done in {seconds:.0f} s")


if __name__ == "__main__":
    main()
