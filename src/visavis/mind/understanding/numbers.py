"""Numbers and counts in speech: digits, number words, ordinals and vague quantities."""

from __future__ import annotations

import re
from dataclasses import dataclass

from visavis.mind.understanding.text import normalize

UNITS = {
    "zero": 0,
    "oh": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
}
#: Vague quantities mapped to the number a clinician would note down ("a few" is read as 3).
VAGUE = {
    "a couple of": 2,
    "a couple": 2,
    "couple of": 2,
    "couple": 2,
    "a few": 3,
    "few": 3,
    "several": 3,
    "a handful": 4,
    "a single": 1,
    "just one": 1,
}
#: Multiplicatives are exact even though they are not number words.
TIMES = {"once": 1, "twice": 2, "thrice": 3}
NONE_WORDS = re.compile(r"\b(none|not any|didn't miss any|haven't missed any|no doses|zero)\b")
_DIGITS = re.compile(r"^(\d+)(st|nd|rd|th)?$")


@dataclass(frozen=True)
class Num:
    """A number found in a word sequence; ``start``/``end`` index the words."""

    value: int
    ordinal: bool
    start: int
    end: int


def find_numbers(words: list[str]) -> list[Num]:
    """Numbers in order; "fifty two" -> 52 and "twenty first" -> 21, but "nineteen fifty"
    stays two numbers so a spoken year can be read as its two halves."""
    out: list[Num] = []
    i = 0
    while i < len(words):
        w = words[i]
        m = _DIGITS.match(w)
        if m:
            out.append(Num(int(m.group(1)), bool(m.group(2)), i, i + 1))
            i += 1
            continue
        if w in TENS:
            value, end, ordinal = TENS[w], i + 1, False
            nxt = words[i + 1] if i + 1 < len(words) else ""
            if nxt in UNITS and 0 < UNITS[nxt] < 10:
                value, end = value + UNITS[nxt], i + 2
            elif nxt in ORDINALS and ORDINALS[nxt] < 10:
                value, end, ordinal = value + ORDINALS[nxt], i + 2, True
            if end < len(words) and words[end] in ("hundred", "thousand"):
                value, end = value * (100 if words[end] == "hundred" else 1000), end + 1
            out.append(Num(value, ordinal, i, end))
            i = end
            continue
        if w in ORDINALS or w in UNITS:
            ordinal = w in ORDINALS
            value = ORDINALS[w] if ordinal else UNITS[w]
            end = i + 1
            if not ordinal and end < len(words) and words[end] == "thousand":
                value, end = value * 1000, end + 1
                # "two thousand five", "two thousand and twelve"
                if end < len(words) and words[end] == "and":
                    end += 1
                rest = find_numbers(words[end : end + 2])
                if rest and rest[0].start == 0 and rest[0].value < 100:
                    value, end = value + rest[0].value, end + rest[0].end
            # "oh" is only a zero inside a number ("nineteen oh five"), never on its own.
            if w == "oh" and not (out and out[-1].end == i):
                i += 1
                continue
            out.append(Num(value, ordinal, i, end))
            i = end
            continue
        i += 1
    return out


@dataclass(frozen=True)
class Count:
    value: int
    #: False for vague amounts ("a few") and counts inferred from named days.
    exact: bool


_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_count(text: str) -> Count | None:
    """How many of something: "2", "two", "twice", "a couple", "a few", "none"."""
    n = normalize(text)
    if not n:
        return None
    for phrase, value in TIMES.items():
        if re.search(rf"\b{phrase}\b", n):
            return Count(value, True)
    nums = [x for x in find_numbers(n.split()) if not x.ordinal and x.value < 1000]
    if nums:
        return Count(nums[0].value, True)
    if NONE_WORDS.search(n):
        return Count(0, True)
    for phrase, value in VAGUE.items():
        if re.search(rf"\b{phrase}\b", n):
            return Count(value, False)
    days = {d for d in _DAY_NAMES if re.search(rf"\b{d}s?\b", n)}
    if days:
        # "Saturday and Sunday" answers "how many doses" as well as a patient can.
        return Count(len(days), False)
    return None


def explicit_dose_count(text: str) -> int | None:
    """A count stated as doses or times ("missed it twice", "two doses"); None when the
    number could mean medications ("I missed a couple")."""
    n = normalize(text)
    for phrase, value in TIMES.items():
        if re.search(rf"\b{phrase}\b", n):
            return value
    ws = n.split()
    for num in find_numbers(ws):
        if num.end < len(ws) and ws[num.end] in ("doses", "dose", "times", "days", "pills"):
            return num.value
    return None


#: Words a digit is said as, one at a time ("oh one oh two"); "o" is Whisper's "oh".
_DIGIT_WORDS = {w: str(n) for w, n in UNITS.items() if n < 10} | {"o": "0"}
_DIGIT_TOKENS = re.compile(r"\d|[a-z]+")


def spoken_digits(text: str) -> str:
    """The digits said, in order, whether written or spelled out: "It's 0 1, 0 2" and "zero
    one zero two" are both "0102". Whisper writes digits said one at a time in many ways
    ("0.1, 0.2", "0-1-0-2", "555 0 1 0 2"); punctuation between them carries no meaning."""
    return "".join(
        token if token.isdigit() else _DIGIT_WORDS.get(token, "")
        for token in _DIGIT_TOKENS.findall(text.lower())
    )
