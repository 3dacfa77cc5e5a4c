"""The awareness-query rule language: parsing, inference from words, answers, clear errors."""

from __future__ import annotations

import pytest

from visavis.perception.rules import Evidence, RuleError, compile_query, parse_rule


def evidence(*cues: str, **metrics: float) -> Evidence:
    return Evidence(frozenset(cues), metrics)


@pytest.mark.parametrize(
    ("rule", "cues", "metrics", "expected"),
    [
        ("frowning", ("frowning",), {}, True),
        ("frowning", (), {}, False),
        ("frowning or looks_away", ("looks_away",), {}, True),
        ("frowning and looks_away", ("looks_away",), {}, False),
        ("not smiling", (), {}, True),
        ("faces >= 2", (), {"faces": 2.0}, True),
        ("attention < 0.5 and (frowning or head_shake)", ("head_shake",), {"attention": 0.3}, True),
        ("FROWNING OR NOT nodding", ("nodding",), {}, False),
        ("pitch_hz > 200", (), {}, False),  # no measurement: not true
    ],
)
def test_rules_answer(rule, cues, metrics, expected):
    assert parse_rule(rule)(evidence(*cues, **metrics)) is expected


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("", "empty rule"),
        ("frowning >= 2", "join terms"),
        ("faces >=", "needs a comparison"),
        ("faces >= many", "not a number"),
        ("(frowning", "without its ')'"),
        ("grumpy", "unknown word 'grumpy'"),
        ("frowning; drop table", "unexpected"),
    ],
)
def test_bad_rules_say_what_is_wrong(rule, says):
    with pytest.raises(RuleError, match=says.replace("(", r"\(").replace(")", r"\)")):
        parse_rule(rule)


def test_queries_infer_a_rule_from_their_words_or_take_the_given_one():
    assert compile_query("Is anyone else in the room?").rule_text == "faces >= 2"
    assert compile_query("Does the patient seem confused?").rule_text == "frowning or looks_away"
    given = compile_query("Is the patient dozing off? => eyes_closed and attention < 0.3")
    assert given.text == "Is the patient dozing off?"
    assert given.answer(evidence("eyes_closed", attention=0.1)) is True
    unknown = compile_query("Is the patient wearing glasses?")
    assert unknown.rule is None and unknown.answer(evidence()) is None
