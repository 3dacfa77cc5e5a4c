"""Questions about the call itself, not about the patient's care: "who is this again?", "can
you speak a bit slower?", "could you say the times again?", "lovely weather, isn't it?".

They are not for the care team's documents (a follow-up item saying "can you speak slower"
helps nobody); the core handles them as it handles any turn.
"""

from __future__ import annotations

import re

from visavis.mind.understanding.repeat import asks_to_repeat
from visavis.mind.understanding.text import normalize

_ABOUT_CALL = re.compile(
    r"\b(who (is|s) (this|calling|speaking)|who are you|what (is|s) your name"
    r"|(speak|talk) (a (bit|little) )?(slower|louder|up|more slowly)"
    r"|say (that|it|the \w+|them) (again|once more)|(tell|give) me the \w+ again"
    r"|call (me )?back|(can|could) (we|you) (do|talk|speak) (this|it) later"
    r"|are you (a|an) (robot|computer|machine|person|human|ai|real)"
    r"|(is|was) (it|that|this) (a )?(recording|recorded))\b"
)
# A tag question ("lovely day, isn't it?") is small talk, not a question to answer.
_TAG = re.compile(r"\b(isn'?t it|aren'?t they|don'?t you think|wasn'?t it)\W*$")


def about_the_call(text: str) -> bool:
    """True when the question is about the call (or small talk), not about the patient's care."""
    n = normalize(text)
    return asks_to_repeat(text) or bool(_ABOUT_CALL.search(n) or _TAG.search(n))
