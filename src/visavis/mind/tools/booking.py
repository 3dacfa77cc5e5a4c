"""The follow-up booking tools: find free slots, book one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from visavis.mind.tools.base import require
from visavis.mind.tools.scheduling import ClinicStore


class FindSlotsTool:
    name = "find_follow_up_slots"
    description = "List free follow-up appointment slots after a given time, earliest first."
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "after": {"type": "string", "format": "date-time"},
            "limit": {"type": "integer", "minimum": 1, "maximum": 50},
        },
        "required": ["after"],
    }

    def __init__(self, store: ClinicStore) -> None:
        self.store = store

    def run(self, arguments: dict[str, Any]) -> dict[str, Any]:
        after = datetime.fromisoformat(require(arguments, "after", str))
        limit = int(arguments.get("limit", 20))
        return {"slots": [s.as_dict() for s in self.store.free_slots(after, limit)]}


class BookSlotTool:
    name = "book_follow_up"
    description = "Book a follow-up appointment slot for a patient; fails if it is taken."
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {"slot_id": {"type": "integer"}, "patient_id": {"type": "string"}},
        "required": ["slot_id", "patient_id"],
    }

    def __init__(self, store: ClinicStore) -> None:
        self.store = store

    def run(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return self.store.book(
            require(arguments, "slot_id", int), require(arguments, "patient_id", str)
        )
