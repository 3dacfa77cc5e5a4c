"""Offering follow-up times: two free slots on different days, and their words in a question.

Split from ``engine`` so the objectives engine reads as the conversation's flow; the engine and
the booking retry (``actions``) both offer slots through ``offer_slots``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from visavis.mind.persona import render
from visavis.mind.state import CallState
from visavis.mind.tools.base import Tool
from visavis.mind.turn import Turn

FIND_SLOTS = "find_follow_up_slots"


def two_on_different_days(free: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first free slot and the first one on another day (else the next one): a choice
    between two days is easier to answer than between two hours of one day."""
    first = free[0]
    day = first["start"][:10]
    second = next((x for x in free if x["start"][:10] != day), free[1] if len(free) > 1 else None)
    return [first, second] if second else [first]


def slot_words(s: CallState) -> dict[str, str]:
    """The offered slots' labels as ``{slot_1}`` and ``{slot_2}`` (the one twice if alone)."""
    labels = [o["label"] for o in s.hint.get("offered", [])] + ["", ""]
    return {"slot_1": labels[0], "slot_2": labels[1] or labels[0]}


def offer_slots(
    turn: Turn, find_slots: Tool, question: str, today: date, exclude: list[int]
) -> bool:
    """Ask ``question`` (a persona template) with two free slots after today; False when there
    are none. The search runs now (read-only); the offer lives in the turn's state hint."""
    s = turn.state
    args = {"after": datetime.combine(today, time(23, 59)).isoformat(), "limit": 50}
    result = find_slots.run(args)
    turn.act("tool", name=FIND_SLOTS, arguments=args, result=result)
    free = [x for x in result["slots"] if x["slot_id"] not in exclude]
    if not free:
        return False
    offered = two_on_different_days(free)
    s.hint = {"offered": offered, "free": [x for x in free if x not in offered]}
    s.question = render(question, {**turn.context, **slot_words(s)})
    turn.say(s.question)
    return True
