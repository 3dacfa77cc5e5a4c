"""``StoreRegistry``: the conversation registry on top of ``visavis.store.Store``.

Conversations, their timelines and outcomes live in the database, so a restarted server (or
another instance on the same database) serves them unchanged. Records created in this process
stay cached while they are active: the live call mutates them in place (the transcript grows as
the call runs), and reads of a live conversation must see that, not the last flushed batch.
Everything else is read from the database.

Every method blocks on the database; async callers use ``asyncio.to_thread``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from visavis.runtime.events import BaseEvent
from visavis.server.registry import ConversationRecord, EventTypes, type_names
from visavis.server.schemas import ConversationProperties, CreateConversation
from visavis.store import NotFoundError, Store
from visavis.store import models as db

log = logging.getLogger(__name__)

#: How many conversations ``all()`` returns (newest first); the API has no paging yet.
LIST_LIMIT = 100


class StoreRegistry:
    """A ``ConversationRegistry`` whose records live in ``store``, scoped to ``tenant_id``."""

    def __init__(self, store: Store, tenant_id: str = "default") -> None:
        self.store = store
        self.tenant_id = tenant_id
        self._active: dict[str, ConversationRecord] = {}
        self._lock = threading.Lock()

    # --- ConversationRegistry -----------------------------------------------------------------

    def add(self, record: ConversationRecord) -> None:
        req = record.request
        row = self.store.create_conversation(
            self.tenant_id,
            persona_id=req.persona_id,
            replica_id=req.replica_id,
            conversation_name=req.conversation_name,
            conversational_context=req.conversational_context,
            custom_greeting=req.custom_greeting,
            callback_url=str(req.callback_url) if req.callback_url else None,
            properties=req.properties.model_dump(mode="json"),
            memory_stores=req.memory_stores,
            document_ids=req.document_ids,
            document_tags=req.document_tags,
            document_retrieval_strategy=req.document_retrieval_strategy,
        )
        # The store mints the id (same shape as the in-memory one) and the creation time.
        record.conversation_id = row.conversation_id
        record.created_at = row.created_at
        record.tenant_id = self.tenant_id
        with self._lock:
            self._active[record.conversation_id] = record

    def get(self, conversation_id: str) -> ConversationRecord | None:
        with self._lock:
            cached = self._active.get(conversation_id)
        if cached is not None:
            return cached
        try:
            row = self.store.get_conversation(self.tenant_id, conversation_id)
        except NotFoundError:
            return None
        return self._load(row)

    def all(self) -> list[ConversationRecord]:
        rows = self.store.list_conversations(self.tenant_id, limit=LIST_LIMIT)
        with self._lock:
            cached = dict(self._active)
        # Listed records hold no events: a list reads only the kinds it shows (``events``).
        return [cached.get(r.conversation_id) or self._load(r, events=False) for r in rows]

    def save(self, record: ConversationRecord) -> None:
        if record.status != "ended":
            return  # created rows are written by add(); events by append_events()
        cid = record.conversation_id
        if record.outcome is not None:
            self.store.save_outcome(cid, record.outcome)
        row = self.store.end_conversation(self.tenant_id, cid, record.end_reason or "ended")
        # The database's first end wins (another instance may have ended it first).
        record.ended_at, record.end_reason = row.ended_at, row.end_reason
        with self._lock:
            self._active.pop(cid, None)

    durable = True

    def append_events(self, conversation_id: str, events: Sequence[BaseEvent]) -> None:
        self.store.append_events(conversation_id, events)

    def events(
        self, record: ConversationRecord, types: EventTypes | None = None
    ) -> list[BaseEvent]:
        # The record's list first: a live call forgets only events already stored, so the
        # database holds every event before the first one still in memory.
        held = list(record.events)
        wanted = [e for e in held if types is None or isinstance(e, types)]
        if held and held[0].seq == 0:
            return wanted
        stored = self.store.events(
            record.conversation_id,
            tenant_id=self.tenant_id,
            before_seq=held[0].seq if held else None,
            types=None if types is None else type_names(types),
        )
        return stored + wanted

    def delete(self, conversation_id: str) -> None:
        """Delete the conversation with its timeline and outcome (``NotFoundError`` if none)."""
        self.store.delete_conversation(self.tenant_id, conversation_id)
        with self._lock:
            self._active.pop(conversation_id, None)

    # --- loading ------------------------------------------------------------------------------

    def _load(self, row: db.Conversation, events: bool = True) -> ConversationRecord:
        cid = row.conversation_id
        outcome = self.store.outcome(cid, tenant_id=self.tenant_id)
        return ConversationRecord(
            conversation_id=cid,
            request=_request(row),
            tenant_id=self.tenant_id,
            created_at=row.created_at,
            status="ended" if row.status == "ended" else "active",
            events=self.store.events(cid, tenant_id=self.tenant_id) if events else [],
            ended_at=row.ended_at,
            end_reason=row.end_reason,
            outcome=dict(outcome.raw) if outcome is not None else None,
        )


def _request(row: db.Conversation) -> CreateConversation:
    fields: dict[str, Any] = {
        "persona_id": row.persona_id,
        "replica_id": row.replica_id,
        "conversation_name": row.conversation_name,
        "conversational_context": row.conversational_context,
        "custom_greeting": row.custom_greeting,
        "callback_url": row.callback_url,
        "memory_stores": row.memory_stores or [],
        "document_ids": row.document_ids or [],
        "document_tags": row.document_tags or [],
        "document_retrieval_strategy": row.document_retrieval_strategy or "balanced",
    }
    try:
        return CreateConversation.model_validate({**fields, "properties": row.properties or {}})
    except ValidationError:
        # Written by an older server (a persona or patient since removed): show it as stored.
        log.warning("conversation %s: stored request no longer validates", row.conversation_id)
        props = ConversationProperties.model_construct(**(row.properties or {}))
        return CreateConversation.model_construct(**fields, properties=props)
