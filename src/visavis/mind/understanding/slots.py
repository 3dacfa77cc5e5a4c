"""Which offered appointment slot a person chose: "the first one", "Tuesday morning", "2:30"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from visavis.mind.understanding.dates import parse_part_of_day, parse_time, parse_weekday
from visavis.mind.understanding.text import normalize
from visavis.mind.understanding.yesno import Answer, parse_yes_no

_ORDINAL = {
    "first": 0,
    "1st": 0,
    "earlier": 0,
    "earliest": 0,
    "former": 0,
    "second": 1,
    "2nd": 1,
    "later": 1,
    "latter": 1,
    "last": 1,
    "other": 1,
}
_REJECT = re.compile(
    r"\b(neither|none of (those|them|these)|(those|that) (don'?t|doesn'?t|won'?t)"
    r" work|can'?t (do|make) (either|those|that)|something else|another (time|day)"
    r"|different (time|day)|not (those|either))\b"
)
_ANY = re.compile(r"\b(either|any|whichever|doesn'?t matter|don'?t mind|both (are|work))\b")


@dataclass(frozen=True)
class SlotChoice:
    kind: Literal["chosen", "reject", "ambiguous", "unclear"]
    #: Index into the candidate list (offered first, then the other free slots).
    index: int | None = None


def _matches(
    start: datetime, weekday: int | None, part: str | None, hour: int | None, minute: int | None
) -> bool:
    if weekday is not None and start.weekday() != weekday:
        return False
    if part == "morning" and start.hour >= 12 or part == "afternoon" and start.hour < 12:
        return False
    return hour is None or (start.hour, start.minute) == (hour, minute)


def choose_slot(text: str, offered: list[datetime], free: list[datetime]) -> SlotChoice:
    """Resolve ``text`` against the two ``offered`` slots first, then any ``free`` slot the
    person names precisely (a day, part of day or time), so "Tuesday morning" works even when
    Tuesday morning was not offered."""
    n = normalize(text)
    if _REJECT.search(n):
        return SlotChoice("reject")
    weekday, part, t = parse_weekday(n), parse_part_of_day(n), parse_time(n)
    hour, minute = (t.hour, t.minute) if t else (None, None)
    if weekday is None and part is None and t is None:
        for word, idx in _ORDINAL.items():
            if re.search(rf"\b{word}\b", n) and idx < len(offered):
                return SlotChoice("chosen", idx)
        if _ANY.search(n) and offered:
            return SlotChoice("chosen", 0)
        if parse_yes_no(n) is Answer.NO:
            return SlotChoice("reject")
        if parse_yes_no(n) is Answer.YES and len(offered) == 1:
            return SlotChoice("chosen", 0)
        return SlotChoice("unclear")
    hits = [i for i, s in enumerate(offered) if _matches(s, weekday, part, hour, minute)]
    if len(hits) == 1:
        return SlotChoice("chosen", hits[0])
    if len(hits) > 1:
        return SlotChoice("ambiguous")
    others = [i for i, s in enumerate(free) if _matches(s, weekday, part, hour, minute)]
    if others:
        # The earliest matching free slot: a person naming a day means the first time on it.
        return SlotChoice("chosen", len(offered) + others[0])
    return SlotChoice("unclear")
