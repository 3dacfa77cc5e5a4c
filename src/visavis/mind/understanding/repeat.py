"""Requests to hear the question again ("sorry, what was that?", "pardon?", "come again?")."""

from __future__ import annotations

import re

from visavis.mind.understanding.text import normalize

_REPEAT = re.compile(
    r"^(sorry|pardon|excuse me|what|huh|come again|say again|i'?m sorry)\W*$"
    r"|\b(what was that|what did you (say|ask)|say (that|it) again|come again"
    r"|repeat (that|the question|it)|didn'?t (catch|hear|get) (that|you|it|the question)"
    r"|did not (catch|hear) (that|you|it)|can you repeat|could you repeat|one more time"
    r"|i (couldn'?t|could not|can'?t|cannot) hear you)\b"
)


def asks_to_repeat(text: str) -> bool:
    """True when the words ask the agent to say its question again."""
    return bool(_REPEAT.search(normalize(text)))
