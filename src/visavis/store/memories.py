"""Memories: what calls learnt about a person, kept per memory store (the app's key for that
person, e.g. ``patient-42``) and tenant, so the next call can pick up where the last ended."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, select

from .core import NotFoundError, StoreCore
from .models import MEMORY_KINDS, Memory

#: A memory store's key, as conversations name it in ``memory_stores``.
STORE_KEY = re.compile(r"^[A-Za-z0-9_.:@-]{1,64}$")


def check_store_key(store_key: str) -> str:
    if not isinstance(store_key, str) or not STORE_KEY.fullmatch(store_key):
        raise ValueError(
            f"memory store {store_key!r} is not 1 to 64 characters of letters, digits and _ . : @ -"
        )
    return store_key


class MemoryMixin(StoreCore):
    def add_memories(
        self, tenant_id: str, store_key: str, items: Sequence[Mapping[str, Any]]
    ) -> list[str]:
        """Store ``items`` (dicts of ``kind`` ("fact" or "summary"), ``text``, and optionally
        ``data`` and ``conversation_id``) in the memory store; returns their ids in order."""
        check_store_key(store_key)
        now = self.clock()
        rows = []
        for n, item in enumerate(items):
            unknown = sorted(set(item) - {"kind", "text", "data", "conversation_id"})
            if unknown:
                raise ValueError(f"memory {n}: unknown field(s) {unknown}")
            kind, text = item.get("kind"), item.get("text")
            if kind not in MEMORY_KINDS:
                raise ValueError(f"memory {n}: kind {kind!r} is not one of {list(MEMORY_KINDS)}")
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"memory {n}: text must be a non-empty string")
            rows.append(
                Memory(
                    memory_id=Memory.new_id(),
                    tenant_id=tenant_id,
                    memory_store=store_key,
                    kind=kind,
                    text=text,
                    data=dict(item.get("data") or {}),
                    conversation_id=item.get("conversation_id"),
                    created_at=now,
                )
            )
        with self._tx() as s:
            s.add_all(rows)
        return [r.memory_id for r in rows]

    def recent_memories(
        self, tenant_id: str, store_keys: Sequence[str], limit: int = 20
    ) -> list[Memory]:
        """The newest ``limit`` memories across ``store_keys``, newest first."""
        keys = list(dict.fromkeys(store_keys))
        if not keys or limit <= 0:
            return []
        query = (
            select(Memory)
            .where(Memory.tenant_id == tenant_id, Memory.memory_store.in_(keys))
            .order_by(Memory.created_at.desc(), Memory.memory_id)
            .limit(limit)
        )
        with self._tx() as s:
            return list(s.scalars(query))

    def list_memory_stores(self, tenant_id: str) -> list[dict[str, Any]]:
        """``{memory_store, memories (a count), last_updated}`` of every store holding any
        memory, the most recently updated first."""
        last = func.max(Memory.created_at).label("last_updated")
        query = (
            select(Memory.memory_store, func.count().label("memories"), last)
            .where(Memory.tenant_id == tenant_id)
            .group_by(Memory.memory_store)
            .order_by(last.desc(), Memory.memory_store)
        )
        with self._tx() as s:
            return [
                {"memory_store": key, "memories": count, "last_updated": updated}
                for key, count, updated in s.execute(query)
            ]

    def delete_memory(self, tenant_id: str, store_key: str, memory_id: str) -> None:
        with self._tx() as s:
            row = s.get(Memory, memory_id)
            if row is None or (row.tenant_id, row.memory_store) != (tenant_id, store_key):
                raise NotFoundError(f"memory {memory_id!r} not found in {store_key!r}")
            s.delete(row)

    def delete_memory_store(self, tenant_id: str, store_key: str) -> int:
        """Forget everything in the store; returns how many memories were deleted."""
        with self._tx() as s:
            mine = (Memory.tenant_id == tenant_id, Memory.memory_store == store_key)
            result = s.execute(delete(Memory).where(*mine))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
