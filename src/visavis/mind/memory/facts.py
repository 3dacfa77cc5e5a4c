"""What a finished call leaves in memory: facts worth asking about next time, and a summary.

Facts are typed (``data`` names what they are about), so the next call can use them in words
("last time you mentioned dizziness") and an LLM can read them as text. Only what the patient
said about their own care is kept: symptoms, missed medicines, open questions, the booking and
any escalation. Nothing is written for a call whose identity check failed: what an unverified
caller said may not be the patient's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from visavis.mind.understanding.text import spoken_list


@dataclass(frozen=True)
class MemoryItem:
    kind: str  # "fact" | "summary"
    text: str
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "data": dict(self.data)}


def _values(outcome: dict[str, Any]) -> dict[str, Any]:
    """Every output variable of the call, flattened (later objectives win a clash)."""
    flat: dict[str, Any] = {}
    for values in (outcome.get("output_variables") or {}).values():
        if isinstance(values, dict):
            flat.update(values)
    return flat


def memories_from_call(outcome: dict[str, Any], day: date) -> list[MemoryItem]:
    """The memory items of one call's outcome (``ObjectivesMind.outcome()`` keys plus the
    grounding layer's ``follow_up_items``); [] when identity was not confirmed."""
    if outcome.get("identity_confirmed") is False:
        return []
    values = _values(outcome)
    when = f"{day:%B} {day.day}"
    facts: list[MemoryItem] = []
    symptoms = [str(s) for s in values.get("symptoms") or [] if s]
    if symptoms:
        facts.append(
            MemoryItem(
                "fact",
                f"On {when} the patient reported {spoken_list(symptoms)}.",
                {"about": "symptoms", "symptoms": symptoms, "date": day.isoformat()},
            )
        )
    missed = [str(m) for m in values.get("missed_medications") or [] if m]
    if missed:
        facts.append(
            MemoryItem(
                "fact",
                f"On {when} the patient had missed doses of {spoken_list(missed)}.",
                {
                    "about": "missed_medications",
                    "medications": missed,
                    "doses": values.get("missed_doses"),
                    "date": day.isoformat(),
                },
            )
        )
    for question in outcome.get("follow_up_items") or []:
        facts.append(
            MemoryItem(
                "fact",
                f"On {when} the patient asked: {question}",
                {"about": "question", "question": question, "date": day.isoformat()},
            )
        )
    if outcome.get("escalated"):
        reason = outcome.get("escalation_reason") or "symptoms"
        facts.append(
            MemoryItem(
                "fact",
                f"On {when} the call was escalated to a nurse ({reason}).",
                {"about": "escalation", "reason": reason, "date": day.isoformat()},
            )
        )
    booking = outcome.get("booking") or {}
    if booking.get("label"):
        facts.append(
            MemoryItem(
                "fact",
                f"A follow-up visit was booked for {booking['label']}.",
                {"about": "booking", "start": booking.get("start"), "label": booking["label"]},
            )
        )
    if not facts and not outcome.get("objectives_completed"):
        return []  # a call that reached nothing leaves nothing worth recalling
    summary = " ".join(f.text for f in facts) or f"On {when} the patient reported no problems."
    return [*facts, MemoryItem("summary", summary, {"date": day.isoformat()})]
