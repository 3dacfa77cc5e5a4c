"""How the simulated patient understands the agent: intents from transcribed agent speech.

The patient never reads the agent's text; it transcribes the agent's audio with its own ASR and
recognises the question by keywords, looking at the last question first (an agent turn often
acknowledges the previous answer before asking the next thing).
"""

from __future__ import annotations

import re

from .scenarios import Intent

# Ordered: the first rule that matches wins, so specific questions come before general ones.
_RULES: list[tuple[Intent, tuple[str, ...]]] = [
    ("goodbye", ("goodbye", "good bye", "take care", "bye now")),
    ("clarify", ("didn't catch", "didn't quite catch", "say that again", "yes or no", "ask again")),
    ("phone", ("phone number", "four digits", "last four")),
    ("dob_year", ("what year", "which year")),
    ("dob", ("date of birth", "birth date", "birthday", "were you born")),
    ("identity", ("speaking with", "am i speaking", "is this", "speak with")),
    ("how_many", ("how many",)),
    ("which_medication", ("which medication", "which medicine", "which one", "which pill")),
    ("medication_purpose", ("the one for",)),
    ("escalation", ("nurse", "on-call", "on call", "911", "emergency")),
    ("booking", ("appointment", "follow-up", "follow up", "which works", "available", "slot")),
    ("anything_else", ("anything else", "any questions", "any other questions")),
    ("symptoms", ("feeling", "symptom", "shortness of breath", "chest pain", "swelling")),
    ("medications", ("medication", "medicine", "pills", "prescribed")),
    ("greeting", ("hello", "calling from", "care team", "this is")),
]


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.?!])\s+", text.strip())
    return [p for p in parts if p]


def match_intent(text: str) -> Intent:
    """The patient's reading of what the agent just asked."""
    lowered = text.lower()
    sentences = _sentences(lowered)
    questions = [s for s in sentences if s.endswith("?")]
    # Questions first, newest first; then everything, newest first.
    for candidates in (list(reversed(questions)), list(reversed(sentences))):
        for sentence in candidates:
            for intent, keywords in _RULES:
                if any(k in sentence for k in keywords):
                    return intent
    return "other"
