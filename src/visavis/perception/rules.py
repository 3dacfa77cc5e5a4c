"""A small rule language for awareness queries, used when no vision-language model is set.

A query is plain text, optionally followed by ``=>`` and a rule::

    "Does the patient seem unsure? => frowning or looks_away"
    "Is anyone else in the room? => faces >= 2"
    "Is the user distracted?"            (no rule: one is inferred from the words, see KEYWORDS)

Grammar (case-insensitive; ``and`` binds tighter than ``or``)::

    rule   := clause ("or" clause)*
    clause := term ("and" term)*
    term   := "not" term | "(" rule ")" | CUE | METRIC OP NUMBER
    CUE    := looks_away | frowning | smiling | nodding | head_shake | eyes_closed | left_frame
              | second_person | long_thinking_pause | flat_voice | strained_voice
    METRIC := faces | attention | gaze | smile | brow_furrow | brow_raise | eye_closure | yaw
              | pitch | mouth_open | mouth_motion | pitch_hz | energy_db
    OP     := < | <= | > | >= | == | !=

A cue is true when it was seen in the window being asked about (the user's turn, or the whole
call); a metric compares the window's mean (``faces``: its maximum). A query whose words match
no keyword and that has no rule cannot be answered without a vision model: its answer is None.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import get_args

from visavis.runtime.events import CueName

CUES: frozenset[str] = frozenset(get_args(CueName))
METRICS = frozenset(
    {
        "faces",
        "attention",
        "gaze",
        "smile",
        "brow_furrow",
        "brow_raise",
        "eye_closure",
        "yaw",
        "pitch",
        "mouth_open",
        "mouth_motion",
        "pitch_hz",
        "energy_db",
    }
)
OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}

#: Words in a query that imply a rule, first match wins (checked in this order).
KEYWORDS: tuple[tuple[str, str], ...] = (
    (r"someone else|another person|other people|second person|anyone else", "faces >= 2"),
    (r"not (?:visible|in (?:the )?(?:frame|view))|left the (?:frame|room)|absent", "left_frame"),
    (r"distract|not looking|look(?:s|ing|ed)? away|attention", "looks_away"),
    (r"confus|unsure|uncertain|worr|frown|concern", "frowning or looks_away"),
    (r"hesita|think|search|pause", "long_thinking_pause or looks_away"),
    (r"smil|happy|pleased|cheerful", "smiling"),
    (r"\bnod", "nodding"),
    (r"shak(?:e|ing) (?:their|his|her) head|disagree", "head_shake"),
    (r"eyes? closed|sleep|drows|tired", "eyes_closed"),
    (r"flat voice|monoton|low mood|sad", "flat_voice"),
    (r"strain|stress|anxious|tense", "strained_voice"),
)


class RuleError(ValueError):
    """A rule that does not parse; the message says where and what was expected."""


@dataclass(frozen=True)
class Evidence:
    """What a rule is checked against: cues seen in the window and the window's metrics."""

    cues: frozenset[str]
    metrics: Mapping[str, float]


Rule = Callable[[Evidence], bool]

_TOKEN = re.compile(r"\s*(<=|>=|==|!=|<|>|\(|\)|[A-Za-z_]+|-?\d+(?:\.\d+)?)")


def _tokens(text: str) -> list[str]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise RuleError(f"unexpected {text[pos : pos + 10]!r} at character {pos} of {text!r}")
        tokens.append(match.group(1).lower())
        pos = match.end()
    return tokens


def parse_rule(text: str) -> Rule:
    tokens = _tokens(text)
    if not tokens:
        raise RuleError("an empty rule; write a cue such as 'frowning' or 'faces >= 2'")
    rule, rest = _or(tokens, text)
    if rest:
        raise RuleError(f"unexpected {rest[0]!r} in {text!r}; join terms with 'and' / 'or'")
    return rule


def _or(tokens: list[str], text: str) -> tuple[Rule, list[str]]:
    left, tokens = _and(tokens, text)
    while tokens and tokens[0] == "or":
        right, tokens = _and(tokens[1:], text)
        left = (lambda a, b: lambda e: a(e) or b(e))(left, right)
    return left, tokens


def _and(tokens: list[str], text: str) -> tuple[Rule, list[str]]:
    left, tokens = _term(tokens, text)
    while tokens and tokens[0] == "and":
        right, tokens = _term(tokens[1:], text)
        left = (lambda a, b: lambda e: a(e) and b(e))(left, right)
    return left, tokens


def _term(tokens: list[str], text: str) -> tuple[Rule, list[str]]:
    if not tokens:
        raise RuleError(f"{text!r} ends where a cue or a comparison was expected")
    head, rest = tokens[0], tokens[1:]
    if head == "not":
        inner, rest = _term(rest, text)
        return (lambda e: not inner(e)), rest
    if head == "(":
        inner, rest = _or(rest, text)
        if not rest or rest[0] != ")":
            raise RuleError(f"a '(' without its ')' in {text!r}")
        return inner, rest[1:]
    if head in CUES:
        return (lambda e: head in e.cues), rest
    if head in METRICS:
        if len(rest) < 2 or rest[0] not in OPS:
            raise RuleError(f"{head!r} needs a comparison such as '{head} >= 0.5' in {text!r}")
        op, number = OPS[rest[0]], rest[1]
        try:
            value = float(number)
        except ValueError:
            raise RuleError(f"{number!r} is not a number in {text!r}") from None
        return (lambda e: head in e.metrics and op(e.metrics[head], value)), rest[2:]
    raise RuleError(
        f"unknown word {head!r} in {text!r}; cues: {sorted(CUES)}; metrics: {sorted(METRICS)}"
    )


@dataclass(frozen=True)
class AwarenessQuery:
    """One query as written, its rule text (given or inferred) and the compiled rule."""

    text: str
    rule_text: str | None
    rule: Rule | None

    def answer(self, evidence: Evidence) -> bool | None:
        return None if self.rule is None else self.rule(evidence)


def compile_query(query: str) -> AwarenessQuery:
    """``RuleError`` for a malformed explicit rule (personas are checked when saved)."""
    question, arrow, rule_text = query.partition("=>")
    question = question.strip()
    if arrow:
        return AwarenessQuery(question, rule_text.strip(), parse_rule(rule_text))
    lowered = question.lower()
    for pattern, inferred in KEYWORDS:
        if re.search(pattern, lowered):
            return AwarenessQuery(question, inferred, parse_rule(inferred))
    return AwarenessQuery(question, None, None)
