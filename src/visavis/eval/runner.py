"""Run the cohort: every profile's call on the virtual clock, in parallel worker processes.

Processes, not threads: a call is CPU-bound Python plus ONNX/CTranslate2 work, and the GIL would
serialise the Python half. Each worker loads the engines once (a few seconds) and then runs
calls one after another; the virtual clock makes a call's timeline independent of how busy the
machine is, so the figures do not depend on the number of workers.

The cohort is written as an ordinary scenario file (``cohort.yaml``) and each call goes through
``run_demo``, so any profile can be replayed alone with ``visavis demo --scenarios``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import signal
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from visavis.engines import Engines
from visavis.eval.cohort import Profile
from visavis.eval.metrics import CallResult

#: A call longer than this is cut (the longest cohort calls take about two minutes).
MAX_CALL_SECONDS = 240.0

#: Each call's ``CallResult``, beside its files.
RESULT_FILE = "result.json"

_engines: Engines | None = None


@dataclass(frozen=True)
class Job:
    """What a worker needs to run one profile (plain data: it is pickled to the worker)."""

    name: str
    kind: str
    description: str
    voice: str
    patient_id: str
    escalate: bool
    truth: dict[str, Any]
    expect: dict[str, Any]
    scenarios: Path
    out_dir: Path


def write_cohort(profiles: list[Profile], path: Path) -> None:
    """The cohort as a scenario file: replayable with ``visavis demo --scenarios PATH``."""
    scenarios = {
        p.name: p.scenario.model_dump(mode="json", exclude={"name"}, exclude_defaults=True)
        for p in profiles
    }
    for p in profiles:  # the defaults dropped above may still be worth reading in the file
        scenarios[p.name]["voice"] = p.scenario.voice.model_dump(mode="json")
    header = "# The simulated patient cohort of `visavis eval` (generated; do not edit).\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + yaml.safe_dump({"scenarios": scenarios}, sort_keys=False, width=100))


def jobs_for(profiles: list[Profile], scenarios: Path, calls_dir: Path) -> list[Job]:
    return [
        Job(
            name=p.name,
            kind=p.kind,
            description=p.scenario.description,
            voice=p.voice_label,
            patient_id=p.scenario.patient_id,
            escalate=p.escalate,
            truth=p.truth,
            expect=p.scenario.expect,
            scenarios=scenarios,
            out_dir=calls_dir / p.name,
        )
        for p in profiles
    ]


def _init_worker() -> None:
    """Load the engines once per worker process; quiet logs so they do not tear the bar."""
    global _engines
    from visavis.engines import load_engines
    from visavis.logs import configure

    configure(logging.ERROR)
    # The parent handles Ctrl-C and terminates the workers; a worker interrupted mid-call
    # would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _engines = load_engines(deterministic=True)


def run_job(job: Job, engines: Engines | None = None) -> CallResult:
    """One profile's call, and what the metrics need from it; a crash becomes ``error``."""
    from visavis.demo import cut_ins, run_demo
    from visavis.runtime.events import Utterance
    from visavis.runtime.timeline import read_jsonl

    result = CallResult(
        name=job.name,
        kind=job.kind,
        description=job.description,
        voice=job.voice,
        patient_id=job.patient_id,
        escalate_expected=job.escalate,
        truth=job.truth,
        expect=job.expect,
    )
    engines = engines or _engines
    assert engines is not None, "run_job needs engines (or a worker started by run_cohort)"
    started = time.perf_counter()
    try:
        demo = asyncio.run(
            run_demo(
                job.name,
                job.out_dir,
                scenarios_path=job.scenarios,
                engines=engines,
                video=False,
                max_call_duration=MAX_CALL_SECONDS,
            )
        )
        events = read_jsonl(job.out_dir / "timeline.jsonl")
        said = json.loads((job.out_dir / "patient.json").read_text())["said"]
        result.patient = [(float(s["t"]), float(s["end"])) for s in said]
        result.agent = [
            (e.start, e.end, e.interrupted)
            for e in events
            if isinstance(e, Utterance) and e.role == "replica"
        ]
        heard = [e for e in events if isinstance(e, Utterance) and e.role == "user"]
        result.heard = [
            (s["text"], " ".join(u.speech for u in heard if s["t"] - 0.3 <= u.start <= s["end"]))
            for s in said
        ]
        result.outcome = demo.outcome
        result.problems = demo.problems
        result.duration = demo.duration
        result.latencies_ms = [lat.voice_to_voice_ms for lat in demo.latencies]
        result.cut_ins = cut_ins(events, result.patient)
    except Exception as exc:  # one broken call must not sink the cohort: it is reported
        result.error = f"{type(exc).__name__}: {exc}"
    result.wall_seconds = round(time.perf_counter() - started, 2)
    return result


def run_cohort(
    jobs: list[Job],
    workers: int = 2,
    on_done: Callable[[CallResult], None] | None = None,
    engines: Engines | None = None,
) -> list[CallResult]:
    """Run every job; results in the jobs' order. ``workers <= 1`` runs in this process
    (with ``engines`` if given), which is what tests and debugging want."""
    results: dict[str, CallResult] = {}

    out_dirs = {job.name: job.out_dir for job in jobs}

    def done(result: CallResult) -> None:
        results[result.name] = result
        # Kept beside the call's files: the report can be rebuilt without running it again.
        out_dir = out_dirs[result.name]
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / RESULT_FILE).write_text(json.dumps(result.as_dict(), default=str) + "\n")
        if on_done is not None:
            on_done(result)

    if workers <= 1:
        if engines is None:
            from visavis.engines import load_engines

            engines = load_engines(deterministic=True)
        for job in jobs:
            done(run_job(job, engines))
    else:
        # spawn: a forked child would inherit the parent's threads (rich's refresher) mid-state.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker) as pool:
            pending: set[Future[CallResult]] = {pool.submit(run_job, job) for job in jobs}
            try:
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        done(future.result())
            except BaseException:
                # Ctrl-C (workers ignore SIGINT, see _init_worker): drop the queue and stop the
                # calls under way instead of waiting minutes for them to finish.
                pool.shutdown(wait=False, cancel_futures=True)
                for process in getattr(pool, "_processes", {}).values():
                    process.terminate()
                raise
    return [results[job.name] for job in jobs]


def load_results(report_dir: Path) -> list[CallResult]:
    """The results of a cohort already run into ``report_dir``, in the cohort's order."""
    from visavis.sim.scenarios import load_scenarios

    names = load_scenarios(report_dir / "cohort.yaml")
    found = [report_dir / "calls" / name / RESULT_FILE for name in names]
    return [CallResult.from_dict(json.loads(p.read_text())) for p in found if p.exists()]
