"""Normalising ASR text before understanding it.

Whisper output carries punctuation, capitals, digits and disfluencies ("um", "uh"); every
understanding function works on the same normalised form so their patterns stay simple.
"""

from __future__ import annotations

import re

#: Disfluencies Whisper transcribes; they carry no meaning for the objectives engine.
FILLERS = frozenset({"um", "umm", "uh", "uhh", "er", "erm", "ah", "hmm", "mm", "mhm-hmm"})

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
# Keep ':' and '/' inside numbers (2:30, 3/14/1952) and a.m./p.m.; drop other punctuation.
_AMPM = re.compile(r"\b([ap])\.\s?m\.?(?=\W|$)")
_PUNCT = re.compile(r"[^\w\s':/\-]|(?<!\d)[:/]|[:/](?!\d)")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lowercase, unify apostrophes and a.m./p.m., drop punctuation and fillers."""
    t = text.translate(_APOSTROPHES).lower()
    t = _AMPM.sub(lambda m: f" {m.group(1)}m ", t)
    t = t.replace("-", " ")
    t = _PUNCT.sub(" ", t)
    words = [w.strip("'") for w in t.split()]
    return _SPACES.sub(" ", " ".join(w for w in words if w and w not in FILLERS)).strip()


def words(text: str) -> list[str]:
    """The normalised words of ``text``."""
    n = normalize(text)
    return n.split() if n else []


def clauses(text: str) -> list[str]:
    """Split raw text into clauses: negation and worsening never cross a clause boundary."""
    t = text.translate(_APOSTROPHES).lower()
    parts = re.split(
        r"[.;!?]|,\s*(?:but|though|although)\b|\b(?:but|though|although|however)\b"
        r"|\band (?=i\b|i'm\b|i've\b|my\b|it\b|it's\b)",
        t,
    )
    return [normalize(p) for p in parts if p and normalize(p)]


def contains_phrase(haystack: str, phrase: str) -> bool:
    """Whole-word containment on normalised text."""
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", haystack) is not None


def spoken_list(items: list[str], conjunction: str = "and") -> str:
    """Items as said aloud: "a", "a and b", "a, b and c" (or "a, b or c")."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]
