"""``visavis eval``: build the cohort, run it with a progress bar, write the report.

Kept out of ``cli.py`` so the command line only parses options; this module holds the
orchestration and the terminal summary.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from visavis.eval.cohort import cohort
from visavis.eval.metrics import CallResult, completed, summarize
from visavis.eval.report import percent, write_report
from visavis.eval.runner import jobs_for, load_results, run_cohort, write_cohort


def run_eval(
    console: Console,
    report_dir: Path,
    *,
    profiles: int | None = None,
    only: list[str] | None = None,
    workers: int = 2,
    seed: int = 7,
    quiet: bool = False,
) -> int:
    """Exit status: 0 when every measured target is met, 1 when one is missed, 2 for bad
    input (an unknown ``--only`` name)."""
    try:
        chosen = cohort(profiles, seed, only)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    if not chosen:
        console.print("[red]error:[/red] no profile selected")
        return 2
    scenarios = report_dir / "cohort.yaml"
    write_cohort(chosen, scenarios)
    jobs = jobs_for(chosen, scenarios, report_dir / "calls")
    workers = max(1, min(workers, len(jobs)))
    started = time.perf_counter()
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
    )

    def done(result: CallResult) -> None:
        mark = "[green]ok[/green]" if completed(result) else "[red]failed[/red]"
        why = "; ".join(result.problems) or (result.error or "")
        progress.console.print(
            f"  {mark} {result.name:26s} {result.duration:6.1f} s call, "
            f"{result.wall_seconds:5.1f} s wall  [dim]{why}[/dim]"
        )
        progress.advance(task)

    with progress:
        task = progress.add_task(f"{len(jobs)} calls on {workers} workers", total=len(jobs))
        results = run_cohort(jobs, workers, done)
    wall = round(time.perf_counter() - started, 1)
    summary = summarize(results)
    meta: dict[str, Any] = {"seed": seed, "workers": workers, "wall_seconds": wall}
    html, data = write_report(report_dir, results, summary, meta)
    print_summary(console, summary, wall)
    console.print(f"wrote {html}\nwrote {data}")
    return 0 if summary["targets_met"] else 1


def rebuild(console: Console, report_dir: Path) -> int:
    """Write the report again from the calls already in ``report_dir`` (no call is run)."""
    from visavis.sim.scenarios import ScenarioError

    try:
        results = load_results(report_dir)
    except ScenarioError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    if not results:
        console.print(f"[red]error:[/red] no call results in {report_dir / 'calls'}")
        return 2
    summary = summarize(results)
    # Keep the run's own facts (seed, workers, wall time, date) from the last results.json.
    meta: dict[str, Any] = {"rebuilt": True}
    previous = report_dir / "results.json"
    if previous.exists():
        old = json.loads(previous.read_text())
        meta |= {k: old[k] for k in ("created", "seed", "workers", "wall_seconds") if k in old}
    html, data = write_report(report_dir, results, summary, meta)
    print_summary(console, summary, sum(r.wall_seconds for r in results))
    console.print(f"wrote {html}\nwrote {data}")
    return 0 if summary["targets_met"] else 1


def print_summary(console: Console, summary: dict[str, Any], wall: float) -> None:
    table = Table(title=f"{summary['calls']} calls in {wall:.0f} s")
    for column in ("kind", "completed", "escalated (expected)", "booked", "variables", "dead air"):
        table.add_column(column)
    for kind, k in summary["by_kind"].items():
        table.add_row(
            kind,
            f"{k['completed']}/{k['calls']}",
            f"{k['escalated']} ({k['escalate_expected']})",
            percent(k["follow_up_booked_rate"]),
            percent(k["variable_accuracy"]),
            f"{k['dead_air_per_call']}",
        )
    console.print(table)
    for target in summary["targets"]:
        met = {True: "[green]met[/green]", False: "[red]missed[/red]", None: "not measured"}
        value = target["value"]
        shown = percent(value) if isinstance(value, float) else str(value)
        console.print(f"{target['name']}: {shown} (target {target['target']}) {met[target['met']]}")
