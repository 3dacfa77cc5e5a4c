"""The grounding question set is well formed, and the scoring counts what it says it counts."""

from __future__ import annotations

from bench.grounding import (
    Score,
    answerable,
    correct_answer,
    fresh,
    load_kb,
    load_questions,
    original,
    report,
    score,
    split,
)


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
            # The expected facts are the document's own words, in the expected section.
            section = " ".join(
                c.text for c in kb.chunks if (c.heading or name) == q["expected_heading"]
            ).lower()
            assert q["answer_keywords"], q
            assert all(k.lower() in section for k in q["answer_keywords"]), q
        else:
            assert q["answerable"] is False and "expected_heading" not in q, q
            assert "answer_keywords" not in q, q
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
    assert "| speed | 0/1 (0%) | 0/1 (0%) |" in text and "missed (speed): 'q'" in text


def test_answer_accuracy_needs_the_keywords_and_the_citation() -> None:
    q = {"text": "q", "expected_heading": "A", "answer_keywords": ["40 mg", "morning"]}
    assert correct_answer(q, "Your notes say: Take 40 mg in the Morning.", ["A"])
    assert not correct_answer(q, "Your notes say: Take 40 mg.", ["A"])  # a fact missing
    assert not correct_answer(q, "Your notes say: Take 40 mg in the morning.", ["B"])
    assert not correct_answer(q, None, [])  # a refusal is not an answer
    answers = {"q": ("Take 40 mg in the morning.", ["A"])}
    result = score([q], lambda text, k, s: ["A"], "speed", answer=lambda t, s: answers[t])
    assert (result.answered, result.accuracy, result.wrong_answers) == (1, 1.0, [])


def test_split_is_half_and_half_and_disjoint() -> None:
    _, questions = load_questions()
    tuning, held_out = split(questions)
    assert len(tuning) + len(held_out) == len(original(questions))
    assert not {q["text"] for q in tuning} & {q["text"] for q in held_out}
    assert sum(not answerable(q) for q in held_out) >= 10


def test_fresh_set_is_separate_and_large_enough() -> None:
    _, questions = load_questions()
    new = fresh(questions)
    assert sum(not answerable(q) for q in new) >= 15 and sum(map(answerable, new)) >= 10
    # Appended after the original questions, so the even/odd split did not move.
    assert questions[-len(new) :] == new and not set(map(str, new)) & set(
        map(str, original(questions))
    )
