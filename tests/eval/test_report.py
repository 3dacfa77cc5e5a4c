"""The report: one self-contained HTML file and results.json."""

from __future__ import annotations

import json
import re

from visavis.eval import svg
from visavis.eval.metrics import CallResult, summarize
from visavis.eval.report import write_report


def _calls() -> list[CallResult]:
    common = {"description": "d", "voice": "piper +4 st", "patient_id": "maria-lopez"}
    ok = CallResult(
        name="adherent_1",
        kind="adherent",
        escalate_expected=False,
        truth={},
        expect={"escalated": False},
        outcome={"escalated": False, "follow_up_booked": True, "turns": 6},
        duration=60.0,
        agent=[(0.0, 3.0, False), (5.8, 8.0, True)],
        patient=[(3.6, 5.0), (7.5, 8.5)],
        latencies_ms=[450.0, 700.0],
        cut_ins=[4.0],
        **common,
    )
    bad = CallResult(
        name="red_flag_1",
        kind="red_flag",
        escalate_expected=True,
        truth={},
        expect={"escalated": True},
        outcome={"escalated": False, "turns": 4},
        problems=["escalated: wanted True, got False <script>"],
        duration=40.0,
        **common,
    )
    return [ok, bad]


def test_report_is_self_contained_and_says_what_failed(tmp_path) -> None:
    calls = _calls()
    html_path, json_path = write_report(
        tmp_path, calls, summarize(calls), {"seed": 7, "workers": 2, "wall_seconds": 12.0}
    )
    html = html_path.read_text()
    assert "<svg" in html and "who spoke when" in html.lower()
    # Nothing fetched: no external URL, no script, no stylesheet link.
    assert not re.search(r"(src|href)=\"https?:", html)
    assert "<script" not in html  # the problem text above is escaped
    assert "&lt;script&gt;" in html
    assert "red_flag_1" in html and "missed" in html
    data = json.loads(json_path.read_text())
    assert data["summary"]["calls"] == 2 and data["seed"] == 7
    assert data["calls"][1]["completed"] is False
    assert data["summary"]["escalation"]["recall"] == 0.0


def test_histogram_counts_every_value() -> None:
    picture = svg.histogram([100.0, 120.0, 480.0, 490.0, 500.0], bins=5)
    counts = [int(c) for c in re.findall(r": (\d+)</title>", picture)]
    assert sum(counts) == 5
    assert "no data" in svg.histogram([])


def test_timeline_draws_both_speakers_and_marks() -> None:
    picture = svg.timeline(
        [(0.0, 2.0, False), (4.0, 5.0, True)], [(2.5, 3.5)], 6.0, gaps=[(3.5, 5.2)], cut_ins=[3.0]
    )
    assert picture.count("<rect") == 1 + 1 + 1 + 2  # background, gap, patient, agent x2
    assert "dead air 1.7 s" in picture and "cut-in at 3.0 s" in picture
    assert svg.CUT in picture


def test_bars_colour_misses_against_the_target() -> None:
    picture = svg.bars([("a", 1.0), ("b", 0.5), ("c", None)], target=0.95)
    assert svg.ALARM in picture and "100%" in picture and "50%" in picture


def test_report_rebuilds_from_the_calls_left_behind(tmp_path) -> None:
    from visavis.eval.cohort import cohort
    from visavis.eval.runner import RESULT_FILE, load_results, write_cohort

    profiles = cohort(only=["adherent_1", "red_flag_1"])
    write_cohort(profiles, tmp_path / "cohort.yaml")
    calls = _calls()
    for call in calls:
        (tmp_path / "calls" / call.name).mkdir(parents=True)
        (tmp_path / "calls" / call.name / RESULT_FILE).write_text(json.dumps(call.as_dict()))
    assert load_results(tmp_path) == calls
