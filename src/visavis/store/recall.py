"""The mind's memory backend on the store: one tenant's memory stores in the database.

The server uses its own database; the CLI opens a local SQLite file (``visavis demo --memory``),
so a follow-up call on the command line remembers exactly as a served one does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from visavis.mind.memory import MemoryItem
from visavis.mind.memory.recall import RECALL_LIMIT

from .store import Store

#: The tenant of memories kept by the command line (there is no API key there).
LOCAL_TENANT = "local"


class StoredMemory:
    """``MemoryBackend`` over ``Store`` for one tenant."""

    def __init__(self, store: Store, tenant_id: str) -> None:
        self.store = store
        self.tenant_id = tenant_id

    @classmethod
    def local(cls, folder: Path) -> StoredMemory:
        """Memories in ``folder/memory.sqlite3`` (created, and migrated, on first use)."""
        folder.mkdir(parents=True, exist_ok=True)
        store = Store(f"sqlite:///{folder / 'memory.sqlite3'}")
        store.migrate()
        return cls(store, LOCAL_TENANT)

    def recall(self, stores: Sequence[str], limit: int = RECALL_LIMIT) -> list[dict[str, Any]]:
        rows = self.store.recent_memories(self.tenant_id, list(stores), limit)
        return [
            {
                "memory_id": r.memory_id,
                "memory_store": r.memory_store,
                "kind": r.kind,
                "text": r.text,
                "data": dict(r.data or {}),
                "conversation_id": r.conversation_id,
            }
            for r in rows
        ]

    def remember(
        self, stores: Sequence[str], items: Sequence[MemoryItem], conversation_id: str
    ) -> None:
        rows = [{**i.as_dict(), "conversation_id": conversation_id} for i in items]
        for key in stores:
            self.store.add_memories(self.tenant_id, key, rows)
