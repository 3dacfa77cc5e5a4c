"""Outcome metrics on hand-made call results (no call is run)."""

from __future__ import annotations

from typing import Any

from visavis.eval.metrics import (
    CallResult,
    call_row,
    dead_air,
    percentile,
    response_gaps,
    summarize,
    variable_checks,
)


def result(
    name: str = "adherent_1",
    kind: str = "adherent",
    *,
    escalate: bool = False,
    outcome: dict[str, Any] | None = None,
    problems: list[str] | None = None,
    truth: dict[str, Any] | None = None,
    expect: dict[str, Any] | None = None,
    **fields: Any,
) -> CallResult:
    return CallResult(
        name=name,
        kind=kind,
        description="",
        voice="piper +4 st",
        patient_id="maria-lopez",
        escalate_expected=escalate,
        truth=truth or {},
        expect=expect or {"escalated": escalate, "follow_up_booked": not escalate},
        outcome=outcome or {"escalated": escalate, "follow_up_booked": not escalate, "turns": 6},
        problems=problems or [],
        duration=60.0,
        **fields,
    )


def test_response_gaps_only_where_the_agent_speaks_next() -> None:
    patient = [(1.0, 2.0), (5.0, 6.0), (6.5, 7.0), (20.0, 21.0)]
    agent = [(0.0, 0.8, False), (2.4, 4.5, False), (9.0, 12.0, False)]
    # 2.0 -> 2.4; 6.0 is followed by the patient again (6.5); 7.0 -> 9.0; 21.0: nobody.
    assert response_gaps(patient, agent) == [0.4, 2.0]


def test_dead_air_beyond_the_threshold() -> None:
    r = result(patient=[(1.0, 2.0), (5.0, 6.0)], agent=[(2.5, 4.0, False), (7.6, 9.0, False)])
    assert dead_air(r) == [1.6]
    assert call_row(r)["dead_air"] == 1


def test_variable_checks_lists_and_values() -> None:
    outcome = {
        "output_variables": {
            "check_medications": {"all_taken": False, "missed_medications": ["metoprolol"]},
            "check_symptoms": {"symptoms": ["fatigue", "swelling"]},
        }
    }
    r = result(
        outcome=outcome,
        truth={"all_taken": False, "missed_medications": ["metoprolol"], "symptoms": ["dizzi"]},
    )
    assert variable_checks(r) == {"all_taken": True, "missed_medications": True, "symptoms": False}


def test_escalation_precision_recall_and_targets() -> None:
    results = [
        result("red_flag_1", "red_flag", escalate=True),  # true positive
        result(
            "red_flag_2", "red_flag", escalate=True, outcome={"escalated": False}, problems=["x"]
        ),
        result("adherent_1", "adherent", outcome={"escalated": True}, problems=["y"]),  # wrongful
        result("adherent_2", "adherent"),
    ]
    s = summarize(results)
    e = s["escalation"]
    assert (e["true_positive"], e["false_positive"], e["false_negative"]) == (1, 1, 1)
    assert e["precision"] == 0.5 and e["recall"] == 0.5 and e["red_flag_recall"] == 0.5
    assert s["task_completion"] == 0.5
    assert [t["met"] for t in s["targets"]] == [False, False, False]
    assert not s["targets_met"]
    assert s["by_kind"]["red_flag"]["completed"] == 1


def test_all_well_meets_the_targets() -> None:
    s = summarize([result(), result("red_flag_1", "red_flag", escalate=True)])
    assert s["targets_met"] and s["task_completion"] == 1.0
    assert s["follow_up_booked_rate"] == 1.0


def test_without_escalations_to_measure_recall_is_not_measured() -> None:
    s = summarize([result()])
    recall = next(t for t in s["targets"] if t["name"] == "escalation recall")
    assert recall["met"] is None and s["targets_met"]


def test_crashed_call_counts_as_not_completed() -> None:
    s = summarize([result(error="RuntimeError: boom"), result("adherent_2")])
    assert s["errors"] == 1 and s["task_completion"] == 0.5


def test_guardrails_and_latency() -> None:
    r = result(
        expect={"escalated": False, "guardrail_violations": ["prompt_injection"]},
        outcome={"escalated": False, "guardrail_violations": ["prompt_injection"]},
        latencies_ms=[400.0, 600.0, 800.0],
    )
    s = summarize([r])
    assert s["guardrails"]["recall"] == 1.0
    assert s["guardrails"]["by_kind"] == {"prompt_injection": 1}
    assert s["latency_ms"]["p50"] == 600.0


def test_percentile_interpolates() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([], 0.9) is None


def test_round_trip_through_plain_data() -> None:
    r = result(agent=[(1.0, 2.0, True)], patient=[(0.0, 0.5)])
    assert CallResult.from_dict(r.as_dict()) == r


def test_guardrail_hits_recorded_as_dicts_are_named() -> None:
    hit = {"guardrail_name": "off_topic", "direction": "input"}
    r = result(
        expect={"escalated": False, "guardrail_violations": ["off_topic"]},
        outcome={"escalated": False, "guardrail_violations": [hit]},
    )
    s = summarize([r])
    assert s["guardrails"]["caught"] == 1 and s["guardrails"]["by_kind"] == {"off_topic": 1}
    assert call_row(r)["guardrail_violations"] == ["off_topic"]


def test_split_by_voice_engine() -> None:
    espeak = result("adherent_2", problems=["x"])
    espeak.voice = "espeak en-us+m3 150 wpm"
    s = summarize([result(), espeak])
    assert s["by_voice"]["piper"]["completed"] == 1 and s["by_voice"]["espeak"]["completed"] == 0
