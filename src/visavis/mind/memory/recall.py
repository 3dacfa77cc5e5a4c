"""What the next call makes of stored memories: a phrase to ask about, and context text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from visavis.mind.memory.facts import MemoryItem
from visavis.mind.understanding.text import spoken_list

#: Facts recalled into a call, newest first: enough for "last time", not a case history.
RECALL_LIMIT = 10


class MemoryBackend(Protocol):
    """Where memory items are kept (the server's database, a local file for the CLI)."""

    def recall(self, stores: Sequence[str], limit: int = RECALL_LIMIT) -> list[dict[str, Any]]:
        """Items of these stores, newest first, as dicts with ``kind``, ``text``, ``data``."""
        ...

    def remember(
        self, stores: Sequence[str], items: Sequence[MemoryItem], conversation_id: str
    ) -> None:
        """Append items to each store."""
        ...


@dataclass
class Recollection:
    """What a call starts with from the person's memory stores."""

    stores: list[str] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def remembered_symptoms(self) -> str:
        """The symptoms of the most recent call that reported any ("dizziness and cough"), for
        a persona question such as "Last time you mentioned {remembered}. How is it now?"."""
        for item in self.items:
            data = item.get("data") or {}
            if data.get("about") == "symptoms" and data.get("symptoms"):
                return spoken_list([str(s) for s in data["symptoms"]])
        return ""

    def context_blocks(self) -> list[str]:
        """Text for an LLM's context: the facts, newest first."""
        facts = [str(i.get("text", "")) for i in self.items if i.get("kind") == "fact"]
        if not facts:
            return []
        lines = "\n".join(f"- {f}" for f in facts if f)
        return [f"What you remember about this person from earlier calls:\n{lines}"]


def recollect(
    backend: MemoryBackend | None, stores: Sequence[str], limit: int = RECALL_LIMIT
) -> Recollection:
    if backend is None or not stores:
        return Recollection(list(stores))
    return Recollection(list(stores), backend.recall(stores, limit))
