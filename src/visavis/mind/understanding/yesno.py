"""Yes, no or unsure, the way people actually say it on the phone."""

from __future__ import annotations

import re
from enum import StrEnum

from visavis.mind.understanding.text import normalize


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


# Longer phrases are listed so they win over the short words inside them ("not sure" must not
# read as "no", "I don't think so" must not read as "I think so").
_PATTERNS: list[tuple[Answer, str]] = [
    (
        Answer.UNSURE,
        r"(i'?m |i am )?not (really )?sure|i don'?t know|i do not know|dunno"
        r"|no idea|can'?t remember|don'?t remember|not certain|maybe|yes and no"
        r"|hard to say|kind of|sort of|i guess not really",
    ),
    (
        Answer.NO,
        r"i don'?t think so|i do not think so|not really|not at all|nope|nah|no way"
        r"|absolutely not|of course not|definitely not|not quite|negative|no|i haven'?t"
        r"|i have not|i didn'?t|i did not|i'?m not|i am not|wrong (number|person)"
        r"|that'?s (all|it)|nothing (else|more)|i missed|not always|not every"
        r"|sometimes i forget|i forgot|i forget|not all",
    ),
    (
        Answer.YES,
        r"yes|yeah|yea|yep|yup|ya|uh huh|mm hmm|mhm|sure|of course|absolutely"
        r"|definitely|certainly|correct|that'?s (right|correct|me)|right|exactly"
        r"|this is (she|he|her|him|me)|speaking|it is|i am|i do|i have|i did"
        r"|i think so|i believe so|ok(ay)?|all of them|every day|as prescribed"
        r"|go ahead|sounds good|you bet|affirmative|i'?m taking|i'?ve been taking",
    ),
]
_COMPILED = [(a, re.compile(rf"(?<!\w)(?:{p})(?!\w)")) for a, p in _PATTERNS]
_QUESTION_START = re.compile(
    r"^(how|what|when|where|why|who|which|can|could|should|would|will|may|is|are|do|does|did)\b"
)


def _asks(text: str, normalized: str) -> bool:
    """The words ask something (a question mark, or a question's first word)."""
    return text.rstrip().endswith("?") or bool(_QUESTION_START.match(normalized))


def parse_yes_no(text: str) -> Answer | None:
    """The answer a person gave to a yes/no question, or None when they did not give one.

    The earliest marker decides ("No, that's all" is no, "Yes, I missed none" is yes); a
    hedge ("I'm not sure") anywhere makes the answer unsure unless a clear yes/no leads.
    """
    n = normalize(text)
    if not n:
        return None
    hits: list[tuple[int, int, Answer]] = []
    taken: list[tuple[int, int]] = []
    for answer, rx in _COMPILED:
        for m in rx.finditer(n):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            hits.append((m.start(), m.end(), answer))
    if not hits:
        return None
    hits.sort()
    if _asks(text, n) and hits[0][0] != 0:
        # "How much salt can I have?" is a question, not a yes; "Yes, can I...?" still is.
        return None
    first = hits[0][2]
    leading = hits[0][0] == 0 and hits[0][1] - hits[0][0] <= 5
    if first is not Answer.UNSURE and not leading and any(h[2] is Answer.UNSURE for h in hits):
        return Answer.UNSURE
    return first
