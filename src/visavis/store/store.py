"""The Store: every durable record of the server behind one small synchronous API.

Reads that an API request makes take ``tenant_id`` and treat another tenant's row exactly like a
missing one (``NotFoundError``), so an id guessed across tenants reveals nothing. Writes from a
conversation's worker (events, outcome) are keyed by conversation id alone: the worker was handed
that conversation by the server, which has already checked the tenant.

Returned rows are detached snapshots; change them through the Store's methods, not in place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..runtime.events import BaseEvent, parse_event
from .apikeys import ApiKeyMixin
from .core import DEFAULT_URL, NotFoundError, StoreCore, check_fields, owned
from .documents import DocumentMixin
from .guardrails import GuardrailMixin
from .memories import MemoryMixin
from .models import Conversation, Outcome, Persona, TimelineEvent
from .objectives import ObjectivesMixin
from .outbox import OutboxMixin
from .settings import SettingsMixin
from .tools import ToolMixin

__all__ = ["DEFAULT_URL", "PERSONA_FIELDS", "NotFoundError", "Store"]

#: Persona fields a PATCH may change; the id, tenant and creation time never change.
PERSONA_FIELDS = frozenset(
    {
        "persona_name",
        "system_prompt",
        "context",
        "default_replica_id",
        "layers",
        "objectives_id",
        "guardrail_ids",
        "document_ids",
        "document_tags",
        "guardrail_tags",
        "tool_ids",
    }
)

#: A retry happens only after another writer committed into the same seq range, so it is
#: bounded by how many writers overlap (in practice one worker per conversation, so rarely any).
APPEND_ATTEMPTS = 10


class Store(
    ObjectivesMixin,
    GuardrailMixin,
    DocumentMixin,
    MemoryMixin,
    ToolMixin,
    OutboxMixin,
    ApiKeyMixin,
    SettingsMixin,
    StoreCore,
):
    """Personas, conversations, timelines, outcomes, objectives, guardrails, documents,
    memories, tools, the webhook outbox, API keys and deployment secrets.

    ``url`` is any SQLAlchemy URL: a SQLite file by default, ``postgresql+psycopg://...`` in a
    multi-machine deployment, with the same code. Call ``migrate()`` once before first use.
    """

    # --- personas ----------------------------------------------------------------------------

    def create_persona(self, tenant_id: str, persona_name: str, /, **fields: Any) -> Persona:
        """A new persona; ``fields`` are any of ``PERSONA_FIELDS``."""
        check_fields(fields, PERSONA_FIELDS)
        persona = Persona(
            persona_id=Persona.new_id(),
            tenant_id=tenant_id,
            persona_name=persona_name,
            created_at=self.clock(),
            **{
                "layers": {},
                "guardrail_ids": [],
                "document_ids": [],
                "document_tags": [],
                "guardrail_tags": [],
                "tool_ids": [],
                **fields,
            },
        )
        with self._tx() as s:
            s.add(persona)
        return persona

    def get_persona(self, tenant_id: str, persona_id: str) -> Persona:
        with self._tx() as s:
            return owned(s, Persona, tenant_id, persona_id)

    def list_personas(self, tenant_id: str, *, limit: int = 100, offset: int = 0) -> list[Persona]:
        query = (
            select(Persona)
            .where(Persona.tenant_id == tenant_id)
            .order_by(Persona.created_at.desc(), Persona.persona_id)
            .limit(limit)
            .offset(offset)
        )
        with self._tx() as s:
            return list(s.scalars(query))

    def update_persona(self, tenant_id: str, persona_id: str, /, **changes: Any) -> Persona:
        """Replace the given fields (the API layer turns a JSON-Patch into these values)."""
        check_fields(changes, PERSONA_FIELDS)
        with self._tx() as s:
            persona = owned(s, Persona, tenant_id, persona_id)
            for name, value in changes.items():
                setattr(persona, name, value)
            persona.updated_at = self.clock()
            return persona

    def delete_persona(self, tenant_id: str, persona_id: str) -> None:
        with self._tx() as s:
            s.delete(owned(s, Persona, tenant_id, persona_id))

    # --- conversations -----------------------------------------------------------------------

    def create_conversation(
        self,
        tenant_id: str,
        *,
        persona_id: str | None = None,
        replica_id: str | None = None,
        conversation_name: str | None = None,
        conversational_context: str | None = None,
        custom_greeting: str | None = None,
        callback_url: str | None = None,
        properties: Mapping[str, Any] | None = None,
        memory_stores: Sequence[str] = (),
        document_ids: Sequence[str] = (),
        document_tags: Sequence[str] = (),
        document_retrieval_strategy: str = "balanced",
    ) -> Conversation:
        conversation = Conversation(
            conversation_id=Conversation.new_id(),
            tenant_id=tenant_id,
            persona_id=persona_id,
            replica_id=replica_id,
            conversation_name=conversation_name,
            conversational_context=conversational_context,
            custom_greeting=custom_greeting,
            callback_url=callback_url,
            properties=dict(properties or {}),
            memory_stores=list(memory_stores),
            document_ids=list(document_ids),
            document_tags=list(document_tags),
            document_retrieval_strategy=document_retrieval_strategy,
            status="active",
            created_at=self.clock(),
        )
        with self._tx() as s:
            s.add(conversation)
        return conversation

    def get_conversation(self, tenant_id: str, conversation_id: str) -> Conversation:
        with self._tx() as s:
            return owned(s, Conversation, tenant_id, conversation_id)

    def list_conversations(
        self, tenant_id: str, *, status: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[Conversation]:
        """Newest first."""
        query = select(Conversation).where(Conversation.tenant_id == tenant_id)
        if status is not None:
            query = query.where(Conversation.status == status)
        query = query.order_by(Conversation.created_at.desc(), Conversation.conversation_id)
        with self._tx() as s:
            return list(s.scalars(query.limit(limit).offset(offset)))

    def active_conversations(self, *, limit: int = 1000) -> list[tuple[str, str]]:
        """``(tenant_id, conversation_id)`` of every active conversation, oldest first: for the
        server's start-up sweep (timeouts of conversations a previous process created)."""
        query = (
            select(Conversation.tenant_id, Conversation.conversation_id)
            .where(Conversation.status == "active")
            .order_by(Conversation.created_at)
            .limit(limit)
        )
        with self._tx() as s:
            return [(t, c) for t, c in s.execute(query)]

    def end_conversation(
        self, tenant_id: str, conversation_id: str, reason: str = "ended"
    ) -> Conversation:
        """Mark the conversation ended; ending it again keeps the first time and reason."""
        with self._tx() as s:
            conversation = owned(s, Conversation, tenant_id, conversation_id)
            if conversation.status != "ended":
                conversation.status = "ended"
                conversation.ended_at = self.clock()
                conversation.end_reason = reason
            return conversation

    def delete_conversation(self, tenant_id: str, conversation_id: str) -> None:
        """Delete the conversation with its timeline and outcome (queued webhooks stay)."""
        with self._tx() as s:
            conversation = owned(s, Conversation, tenant_id, conversation_id)
            # Explicit, not only ON DELETE CASCADE: a SQLite file opened by another tool
            # without the foreign_keys pragma must not be left with orphans either.
            for child in (TimelineEvent, Outcome):
                s.execute(delete(child).where(child.conversation_id == conversation_id))
            s.delete(conversation)

    # --- timeline ----------------------------------------------------------------------------

    def append_events(self, conversation_id: str, events: Sequence[BaseEvent]) -> int:
        """Record recorded events (``seq`` set); a ``seq`` already stored is skipped, so a
        worker may resend a batch after a failure. Returns how many rows were new."""
        if not events:
            return 0
        unrecorded = [e.type for e in events if e.seq < 0]
        if unrecorded:
            raise ValueError(
                f"events without a seq cannot be stored ({unrecorded[:3]}...); "
                "record them on a Timeline first, which assigns seq"
            )
        lo, hi = min(e.seq for e in events), max(e.seq for e in events)
        for attempt in range(APPEND_ATTEMPTS):
            try:
                with self._tx() as s:
                    # On PostgreSQL the row lock queues appenders of one conversation; SQLite
                    # ignores FOR UPDATE, and there a racing insert hits the primary key instead,
                    # and the retry then sees the winner's rows and skips them.
                    _require_conversation(s, conversation_id, lock=True)
                    # A range, not IN (...): a long timeline would exceed SQLite's bound limit.
                    stored = set(
                        s.scalars(
                            select(TimelineEvent.seq).where(
                                TimelineEvent.conversation_id == conversation_id,
                                TimelineEvent.seq.between(lo, hi),
                            )
                        )
                    )
                    rows = []
                    for e in events:
                        if e.seq not in stored:
                            stored.add(e.seq)
                            rows.append(_event_row(conversation_id, e))
                    s.add_all(rows)
                    return len(rows)
            except IntegrityError:
                if attempt == APPEND_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def events(
        self,
        conversation_id: str,
        *,
        tenant_id: str | None = None,
        before_seq: int | None = None,
        types: Sequence[str] | None = None,
    ) -> list[BaseEvent]:
        """The timeline in ``seq`` order (the events before ``before_seq``, of the event
        ``types``, when given); ``tenant_id`` scopes it for API reads."""
        with self._tx() as s:
            _require_conversation(s, conversation_id, tenant_id)
            query = select(TimelineEvent).where(TimelineEvent.conversation_id == conversation_id)
            if before_seq is not None:
                query = query.where(TimelineEvent.seq < before_seq)
            if types is not None:
                query = query.where(TimelineEvent.type.in_(types))
            rows = s.scalars(query.order_by(TimelineEvent.seq))
            return [_event_from_row(r) for r in rows]

    def transcript(
        self, conversation_id: str, *, tenant_id: str | None = None
    ) -> list[dict[str, Any]]:
        """The finished utterances of both sides as ``role``/``speech``/``start``/``end`` rows."""
        with self._tx() as s:
            _require_conversation(s, conversation_id, tenant_id)
            payloads = s.scalars(
                select(TimelineEvent.payload)
                .where(
                    TimelineEvent.conversation_id == conversation_id,
                    TimelineEvent.type == "conversation.utterance",
                )
                .order_by(TimelineEvent.seq)
            )
            return [{k: p[k] for k in ("role", "speech", "start", "end")} for p in payloads]

    def event_count(self, conversation_id: str) -> int:
        with self._tx() as s:
            query = select(func.count()).where(TimelineEvent.conversation_id == conversation_id)
            return s.scalar(query) or 0

    # --- outcome -----------------------------------------------------------------------------

    def save_outcome(self, conversation_id: str, outcome: Mapping[str, Any]) -> Outcome:
        """Store (or replace) the outcome dict a call produced, with its headline fields."""
        # Round-trip through JSON now, so a value JSON cannot hold (a date in a booking) fails
        # or is stringified here, the way outcome.json has always been written.
        raw = json.loads(json.dumps(dict(outcome), default=str))
        with self._tx() as s:
            _require_conversation(s, conversation_id)
            row = s.get(Outcome, conversation_id) or Outcome(conversation_id=conversation_id)
            row.completed = bool(raw.get("completed", raw.get("end_reason") == "completed"))
            row.escalated = bool(raw.get("escalated", False))
            row.follow_up_booked = bool(raw.get("follow_up_booked", False))
            row.output_variables = raw.get("output_variables") or {}
            row.duration = raw.get("duration")
            row.raw = raw
            row.created_at = self.clock()
            s.add(row)
            return row

    def outcome(self, conversation_id: str, *, tenant_id: str | None = None) -> Outcome | None:
        with self._tx() as s:
            _require_conversation(s, conversation_id, tenant_id)
            return s.get(Outcome, conversation_id)


# --- helpers ---------------------------------------------------------------------------------


def _require_conversation(
    s: Session, conversation_id: str, tenant_id: str | None = None, *, lock: bool = False
) -> None:
    conversation = s.get(Conversation, conversation_id, with_for_update=lock)
    if conversation is None or (tenant_id is not None and conversation.tenant_id != tenant_id):
        raise NotFoundError(f"conversation {conversation_id!r} not found")


def _event_row(conversation_id: str, event: BaseEvent) -> TimelineEvent:
    return TimelineEvent(
        conversation_id=conversation_id,
        seq=event.seq,
        type=event.type,
        t=event.t,
        turn_idx=event.turn_idx,
        payload=event.properties(),
    )


def _event_from_row(row: TimelineEvent) -> BaseEvent:
    return parse_event(
        {**row.payload, "type": row.type, "t": row.t, "seq": row.seq, "turn_idx": row.turn_idx}
    )
