"""Text clean-up shared by every TTS engine, so all voices read the same words the same way.

Deliberately modest: espeak-ng (which phonemizes for Piper too) already reads numbers, clock
times ("10:30" -> "ten thirty") and ordinals well. We only fix what it reads badly or what an LLM
typically emits: markdown, symbols, "3pm", a few medical units and abbreviations.
"""

from __future__ import annotations

import re

_MARKDOWN = re.compile(r"[*_#`~>|]+")
_URL = re.compile(r"https?://\S+")
_AMPM = re.compile(r"\b(\d{1,2}(?::\d{2})?)\s*([ap])\.?\s*m\b\.?", re.IGNORECASE)
_SPACES = re.compile(r"\s+")

# Whole-word replacements; units only after a number so "mg" in other contexts is untouched.
_UNITS = {
    "mg": "milligrams",
    "mcg": "micrograms",
    "ml": "milliliters",
    "mL": "milliliters",
    "kg": "kilograms",
    "lbs": "pounds",
    "lb": "pounds",
    "mmHg": "millimeters of mercury",
    "bpm": "beats per minute",
}
_UNIT_RE = re.compile(
    r"(\d)\s*(" + "|".join(sorted(map(re.escape, _UNITS), key=len)[::-1]) + r")\b"
)
_ABBREVIATIONS = {
    r"\bDr\.": "Doctor",
    r"\bMr\.": "Mister",
    r"\bMrs\.": "Missus",
    r"\be\.g\.": "for example",
    r"\bi\.e\.": "that is",
    r"\betc\.": "et cetera",
    r"\bvs\.?": "versus",
}
_SYMBOLS = {"&": " and ", "%": " percent", "+": " plus ", "=": " equals ", "/": " or "}


def normalize_text(text: str) -> str:
    """Text as it should be spoken. Idempotent; never returns leading/trailing spaces."""
    out = _URL.sub("a link", text)
    out = _MARKDOWN.sub(" ", out)
    # "3pm" / "10:30 AM" -> "3 p m" so it is read as letters, not as the word "am".
    out = _AMPM.sub(lambda m: f"{m.group(1)} {m.group(2).upper()} M", out)
    out = _UNIT_RE.sub(lambda m: f"{m.group(1)} {_UNITS[m.group(2)]}", out)
    for pattern, spoken in _ABBREVIATIONS.items():
        out = re.sub(pattern, spoken, out)
    # Only between digits is "/" a ratio ("120/80" blood pressure reads "120 over 80").
    out = re.sub(r"(\d)\s*/\s*(\d)", r"\1 over \2", out)
    for symbol, spoken in _SYMBOLS.items():
        out = out.replace(symbol, spoken)
    return _SPACES.sub(" ", out).strip()


_WORD = re.compile(r"[\w']+(?:[.:,-][\w']+)*")


def text_words(text: str) -> list[str]:
    """The words of ``text`` as a listener would count them (punctuation stripped)."""
    return _WORD.findall(text)
