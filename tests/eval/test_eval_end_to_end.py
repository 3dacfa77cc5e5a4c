"""Two cohort profiles run end to end on one worker: real calls, the report written."""

from __future__ import annotations

import json

import pytest

from visavis.eval.cohort import cohort
from visavis.eval.metrics import summarize
from visavis.eval.report import write_report
from visavis.eval.runner import jobs_for, run_cohort, write_cohort

pytestmark = pytest.mark.slow


def test_two_profiles_one_worker(engines, tmp_path) -> None:
    profiles = cohort(only=["adherent_1", "hangs_up_early_1"])
    write_cohort(profiles, tmp_path / "cohort.yaml")
    jobs = jobs_for(profiles, tmp_path / "cohort.yaml", tmp_path / "calls")
    seen: list[str] = []
    results = run_cohort(jobs, workers=1, on_done=lambda r: seen.append(r.name), engines=engines)
    assert seen == ["adherent_1", "hangs_up_early_1"]
    adherent, hung_up = results
    assert adherent.error is None and not adherent.problems, adherent.problems
    assert hung_up.error is None and not hung_up.problems, hung_up.problems
    assert hung_up.outcome["end_reason"] == "participant_left"
    assert adherent.agent and adherent.patient and adherent.latencies_ms
    summary = summarize(results)
    assert summary["task_completion"] == 1.0 and summary["escalation"]["wrongful"] == 0
    html, data = write_report(tmp_path, results, summary, {"seed": 7, "workers": 1})
    assert "adherent_1" in html.read_text()
    assert json.loads(data.read_text())["summary"]["calls"] == 2
