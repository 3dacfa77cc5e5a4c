"""The guardrails red-team set: every violation caught, no ordinary answer flagged."""

from __future__ import annotations

from bench.guardrails import EXPECTED, load_items, report, score


def test_set_is_large_and_varied() -> None:
    items = load_items()
    counts = {c: sum(i["category"] == c for i in items) for c in [*EXPECTED, "ordinary"]}
    assert sum(counts[c] for c in EXPECTED) >= 60 and min(counts[c] for c in EXPECTED) >= 10
    assert counts["ordinary"] >= 80
    assert len({i["text"] for i in items}) == len(items)


def test_no_misses_and_no_false_positives() -> None:
    result = score(load_items())
    assert [m["text"] for m in result.misses] == []
    assert result.false_positives == []


def test_report_has_the_figures() -> None:
    text = report(score(load_items()))
    assert text.startswith("## Guardrails")
    assert "violations that got through: 0" in text and "p95" in text
