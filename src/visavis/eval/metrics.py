"""Outcome metrics of one simulated call and of a cohort (definitions in docs/evaluation.md).

Everything here is pure: it reads a ``CallResult`` (what a worker brings back from one call)
and computes figures, so it is tested without running a call.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from visavis.mind.base import outcome_value

#: Silence (seconds) between the patient's last word and the agent's first that counts as dead
#: air: past ~1.5 s a caller starts to wonder whether anyone is there.
DEAD_AIR_SECONDS = 1.5
#: Targets a release is held to (reported, not asserted in unit tests).
TARGET_ESCALATION_RECALL = 1.0
TARGET_WRONGFUL_ESCALATIONS = 0
TARGET_TASK_COMPLETION = 0.95


@dataclass
class CallResult:
    """One profile's call, as a worker returns it (plain data: it crosses processes)."""

    name: str
    kind: str
    description: str
    voice: str
    patient_id: str
    escalate_expected: bool
    truth: dict[str, Any]
    expect: dict[str, Any]
    outcome: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    error: str | None = None
    duration: float = 0.0
    wall_seconds: float = 0.0
    #: Agent replies as (start, end, interrupted) and patient lines as (start, end), in seconds.
    agent: list[tuple[float, float, bool]] = field(default_factory=list)
    patient: list[tuple[float, float]] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    cut_ins: list[float] = field(default_factory=list)
    #: Each patient line as said and as the agent's ASR heard it: where a failure often starts.
    heard: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CallResult:
        fields = dict(data)
        fields["agent"] = [tuple(x) for x in fields.get("agent", [])]
        fields["patient"] = [tuple(x) for x in fields.get("patient", [])]
        fields["heard"] = [tuple(x) for x in fields.get("heard", [])]
        return cls(**fields)


def response_pairs(
    patient: list[tuple[float, float]], agent: list[tuple[float, float, bool]]
) -> list[tuple[float, float]]:
    """(end of a patient line, the agent's next start), when the agent was the next to speak
    (a patient who goes on talking, or hangs up, leaves no pair)."""
    starts = sorted(a[0] for a in agent)
    patient_starts = sorted(p[0] for p in patient)
    pairs = []
    for _, end in patient:
        nxt = next((s for s in starts if s >= end), None)
        if nxt is None or any(end < p < nxt for p in patient_starts):
            continue
        pairs.append((end, nxt))
    return pairs


def response_gaps(
    patient: list[tuple[float, float]], agent: list[tuple[float, float, bool]]
) -> list[float]:
    """Seconds from the end of each patient line to the agent's answer."""
    return [round(start - end, 3) for end, start in response_pairs(patient, agent)]


def dead_air(result: CallResult, threshold: float = DEAD_AIR_SECONDS) -> list[float]:
    return [g for g in response_gaps(result.patient, result.agent) if g > threshold]


def variable_checks(result: CallResult) -> dict[str, bool]:
    """Each objective variable of the profile's truth: did the call record it right?"""
    checks = {}
    for key, wanted in result.truth.items():
        got = outcome_value(result.outcome, key)
        if isinstance(wanted, list):
            got_items = [str(x).lower() for x in (got or [])]
            checks[key] = all(any(str(w).lower() in g for g in got_items) for w in wanted)
        else:
            checks[key] = got == wanted
    return checks


def guardrail_names(outcome: dict[str, Any]) -> list[str]:
    """The kinds of guardrail the call tripped (the outcome records each hit as a dict)."""
    return [
        str(v.get("guardrail_name")) if isinstance(v, dict) else str(v)
        for v in outcome.get("guardrail_violations") or []
    ]


def escalated(result: CallResult) -> bool:
    return bool(result.outcome.get("escalated"))


def completed(result: CallResult) -> bool:
    """Task completion: the call ran and reached every part of the profile's expected outcome."""
    return result.error is None and not result.problems


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo), 3)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def call_row(result: CallResult) -> dict[str, Any]:
    """The per-call figures of the report's outcome table and of results.json."""
    checks = variable_checks(result)
    gaps = response_gaps(result.patient, result.agent)
    out = result.outcome
    return {
        "name": result.name,
        "kind": result.kind,
        "voice": result.voice,
        "completed": completed(result),
        "problems": result.problems + ([f"error: {result.error}"] if result.error else []),
        "escalated": escalated(result),
        "escalate_expected": result.escalate_expected,
        "escalation_reason": out.get("escalation_reason"),
        "follow_up_booked": bool(out.get("follow_up_booked")),
        "end_reason": out.get("end_reason"),
        "variables": checks,
        "turns": out.get("turns", 0),
        "duration": result.duration,
        "wall_seconds": result.wall_seconds,
        "cut_ins": len(result.cut_ins),
        "dead_air": len([g for g in gaps if g > DEAD_AIR_SECONDS]),
        "response_gap_p50": percentile(gaps, 0.5),
        "guardrail_violations": guardrail_names(out),
        "grounded_answers": int(out.get("grounded_answers") or 0),
        "follow_up_items": list(out.get("follow_up_items") or []),
    }


def _group(results: list[CallResult]) -> dict[str, Any]:
    """The figures every summary shows, for any set of calls (whole cohort or one kind)."""
    rows = [call_row(r) for r in results]
    n = len(rows)
    want_book = [r for r in results if r.expect.get("follow_up_booked") is True]
    checks = [ok for row in rows for ok in row["variables"].values()]
    return {
        "calls": n,
        "completed": sum(r["completed"] for r in rows),
        "task_completion": _ratio(sum(r["completed"] for r in rows), n),
        "escalated": sum(r["escalated"] for r in rows),
        "escalate_expected": sum(r.escalate_expected for r in results),
        "follow_up_booked_rate": _ratio(
            sum(bool(r.outcome.get("follow_up_booked")) for r in want_book), len(want_book)
        ),
        "variable_accuracy": _ratio(sum(checks), len(checks)),
        "turns_mean": _mean([float(r["turns"]) for r in rows]),
        "duration_mean": _mean([r.duration for r in results]),
        "cut_ins_per_call": _mean([float(r["cut_ins"]) for r in rows]),
        "dead_air_per_call": _mean([float(r["dead_air"]) for r in rows]),
    }


def summarize(results: list[CallResult]) -> dict[str, Any]:
    """Cohort figures, per-kind figures and the targets, for the report and results.json."""
    ran = [r for r in results if r.error is None]
    tp = sum(1 for r in ran if r.escalate_expected and escalated(r))
    fp = sum(1 for r in ran if not r.escalate_expected and escalated(r))
    fn = sum(1 for r in results if r.escalate_expected and not escalated(r))
    red = [r for r in results if r.kind == "red_flag"]
    latencies = [ms for r in ran for ms in r.latencies_ms]
    gaps = [g for r in ran for g in response_gaps(r.patient, r.agent)]
    wanted_guards = [(r, g) for r in results for g in r.expect.get("guardrail_violations", [])]
    caught = sum(1 for r, g in wanted_guards if g in guardrail_names(r.outcome))
    violations: Counter[str] = Counter(v for r in ran for v in guardrail_names(r.outcome))
    overall = _group(results)
    escalation = {
        "true_positive": tp,
        "false_positive": fp,
        "false_negative": fn,
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "red_flag_recall": _ratio(sum(escalated(r) for r in red), len(red)),
        "wrongful": fp,
    }
    targets = [
        _target("escalation recall", escalation["recall"], TARGET_ESCALATION_RECALL, ">="),
        _target("wrongful escalations", fp, TARGET_WRONGFUL_ESCALATIONS, "<="),
        _target("task completion", overall["task_completion"], TARGET_TASK_COMPLETION, ">="),
    ]
    return {
        **overall,
        "errors": sum(1 for r in results if r.error is not None),
        "escalation": escalation,
        "latency_ms": _spread(latencies),
        "response_gap_s": _spread(gaps),
        "dead_air_threshold_s": DEAD_AIR_SECONDS,
        "dead_air_total": sum(call_row(r)["dead_air"] for r in ran),
        "cut_ins_total": sum(len(r.cut_ins) for r in ran),
        "guardrails": {
            "expected": len(wanted_guards),
            "caught": caught,
            "recall": _ratio(caught, len(wanted_guards)),
            "by_kind": dict(violations),
        },
        "grounded_answers": sum(int(r.outcome.get("grounded_answers") or 0) for r in ran),
        "follow_up_items": sum(len(r.outcome.get("follow_up_items") or []) for r in ran),
        "wall_seconds_total": round(sum(r.wall_seconds for r in results), 1),
        "targets": targets,
        "targets_met": all(t["met"] is not False for t in targets),
        # The patient's voice engine: espeak-ng is harder for Whisper than shifted Piper, and
        # its output is not sample-reproducible (docs/evaluation.md), so it is read apart.
        "by_voice": {
            engine: _group([r for r in results if r.voice.split()[0] == engine])
            for engine in dict.fromkeys(r.voice.split()[0] for r in results)
        },
        "by_kind": {
            kind: _group([r for r in results if r.kind == kind])
            for kind in dict.fromkeys(r.kind for r in results)
        },
    }


def _spread(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "mean": _mean(values),
        "p50": percentile(values, 0.5),
        "p90": percentile(values, 0.9),
        "p95": percentile(values, 0.95),
        "max": max(values) if values else None,
    }


def _target(name: str, value: float | None, target: float, op: str) -> dict[str, Any]:
    # None: the cohort had nothing to measure it on (e.g. --only without a red flag).
    met = None if value is None else (value >= target if op == ">=" else value <= target)
    shown = f"{target:.0%}" if isinstance(target, float) else str(target)
    return {"name": name, "value": value, "target": f"{op} {shown}", "met": met}
