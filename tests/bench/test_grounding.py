"""The grounding question set is well formed, and the scoring counts what it says it counts."""

from __future__ import annotations

from bench.grounding import Score, answerable, load_kb, load_questions, report, score


def test_question_set_is_well_formed() -> None:
    document, questions = load_questions()
    kb = load_kb(document)
    name = kb.documents[0].name
    headings = {c.heading or name for c in kb.chunks}
    answerable_ones = [q for q in questions if answerable(q)]
    unanswerable = [q for q in questions if not answerable(q)]
    assert len(questions) >= 40 and len(unanswerable) >= 20 and len(answerable_ones) >= 20
    assert len({q["text"] for q in questions}) == len(questions)
    for q in questions:
        assert q["text"].strip()
        if answerable(q):
            assert q["expected_heading"] in headings, q
        else:
            assert q["answerable"] is False and "expected_heading" not in q, q
    # Every section of the leaflet (bar the title's preamble) is asked about at least once.
    assert headings - {q["expected_heading"] for q in answerable_ones} <= {name}


def _fake_search(answers: dict[str, list[str]]):
    def search(question: str, k: int, strategy: str) -> list[str]:
        return answers[question][:k]

    return search


def test_score_counts_recall_top1_and_refusals() -> None:
    questions = [
        {"text": "q1", "expected_heading": "A"},  # top-1
        {"text": "q2", "expected_heading": "B"},  # recalled at rank 3
        {"text": "q3", "expected_heading": "C"},  # wrong sections: a miss, not a refusal
        {"text": "q4", "expected_heading": "D"},  # nothing returned: a false refusal
        {"text": "q5", "answerable": False},  # refused
        {"text": "q6", "answerable": False},  # answered: a leak
    ]
    answers = {
        "q1": ["A", "B"],
        "q2": ["A", "C", "B"],
        "q3": ["A", "B", "D", "C"],  # C only at rank 4, past k=3
        "q4": [],
        "q5": [],
        "q6": ["A"],
    }
    result = score(questions, _fake_search(answers), "speed", k=3)
    assert (result.answerable, result.unanswerable) == (4, 2)
    assert (result.recalled, result.top1) == (2, 1)
    assert result.recall == 0.5 and result.top1_accuracy == 0.25
    assert (result.refused, result.refusal_rate) == (1, 0.5)
    assert (result.false_refusals, result.false_refusal_rate) == (1, 0.25)
    assert [m[0] for m in result.misses] == ["q3", "q4"]
    assert result.leaks == [("q6", ["A"])]
    assert result.not_first == [("q2", ["A", "C", "B"])]


def test_report_lists_the_strategies_and_failures() -> None:
    result = Score("speed", answerable=1, unanswerable=1, refused=1, latencies_ms=[1.0, 2.0, 3.0])
    result.misses.append(("q", "A", []))
    text = report([result])
    assert text.startswith("## Grounding")
    assert "| speed | 0/1 (0%) |" in text and "missed (speed): 'q'" in text
