"""Where conversations live between requests: an interface, and the in-memory version of it.

The REST layer only talks to ``ConversationRegistry``; the SQL store (``visavis.store``)
implements it in ``visavis.server.persist.StoreRegistry``, chosen by ``create_app``.
Records are mutated in place by the live call (events are appended as they happen);
``append_events`` hands a persistent registry each batch of new timeline events, and ``save``
tells it when a record reached a state worth writing (ended, with its outcome). A ``durable``
registry holds the events it was handed, so a live call may drop them from memory (its
record's ``events`` then starts later): read a record's whole timeline with ``events``.

Methods are synchronous and may block (a database round trip): async code calls them through
``asyncio.to_thread``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from visavis.runtime.events import BaseEvent, Utterance
from visavis.server.schemas import BUILTIN_PERSONA, CreateConversation, Status, TranscriptLine

#: Event classes to read (``ConversationRegistry.events``).
EventTypes = tuple[type[BaseEvent], ...]


def type_names(types: EventTypes) -> list[str]:
    """The timeline ``type`` strings of event classes (what the store filters on)."""
    return [str(t.model_fields["type"].default) for t in types]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ConversationRecord:
    conversation_id: str
    request: CreateConversation
    tenant_id: str = "default"
    created_at: datetime = field(default_factory=utc_now)
    status: Status = "active"
    #: The call's timeline, live while the call runs (the list the Timeline appends to); in a
    #: durable registry's live record, only the events not yet stored and forgotten, and in
    #: its listed records (``all``) none: read a record's timeline with ``events``.
    events: list[BaseEvent] = field(default_factory=list)
    ended_at: datetime | None = None
    end_reason: str | None = None
    outcome: dict[str, Any] | None = None

    @property
    def persona_id(self) -> str:
        return self.request.persona_id or BUILTIN_PERSONA

    def transcript(self, events: Sequence[BaseEvent]) -> list[TranscriptLine]:
        """The utterances of ``events`` (the record's whole timeline, from the registry)."""
        return [
            TranscriptLine(
                role=e.role,
                speech=e.speech,
                start=e.start,
                end=e.end,
                interrupted=e.interrupted,
                user_visual_analysis=e.user_visual_analysis,
                user_audio_analysis=e.user_audio_analysis,
            )
            for e in events
            if isinstance(e, Utterance)
        ]

    def mark_ended(self, reason: str, outcome: dict[str, Any] | None = None) -> None:
        if self.status == "ended":
            return
        self.status = "ended"
        self.ended_at = utc_now()
        self.end_reason = reason
        self.outcome = outcome


class ConversationRegistry(Protocol):
    def add(self, record: ConversationRecord) -> None:
        """Store a new record; a persistent registry may assign its ``conversation_id`` and
        ``created_at`` (the database mints ids), so read them from the record afterwards."""
        ...

    def get(self, conversation_id: str) -> ConversationRecord | None: ...

    def all(self) -> list[ConversationRecord]:
        """Every conversation, newest first (a persistent registry's may hold none of their
        events: read them with ``events``)."""
        ...

    def save(self, record: ConversationRecord) -> None:
        """Persist ``record`` after a state change (a no-op in memory)."""
        ...

    def append_events(self, conversation_id: str, events: Sequence[BaseEvent]) -> None:
        """Persist recorded timeline events; idempotent on ``seq`` (a no-op in memory, where
        the record's list already holds them)."""
        ...

    @property
    def durable(self) -> bool:
        """Whether events handed to ``append_events`` are kept outside the record."""
        ...

    def events(
        self, record: ConversationRecord, types: EventTypes | None = None
    ) -> list[BaseEvent]:
        """The record's whole timeline in ``seq`` order (a copy: a live call appends to it),
        or only its events of ``types`` (a view needs a few kinds of a long call's thousands)."""
        ...


class InMemoryRegistry:
    """Conversations for the lifetime of the process (tests, a single-user ``visavis serve``)."""

    durable = False

    def __init__(self) -> None:
        self._records: dict[str, ConversationRecord] = {}
        # Handlers run on one loop, but sync routes run on a thread pool: keep dict ops atomic.
        self._lock = threading.Lock()

    def add(self, record: ConversationRecord) -> None:
        with self._lock:
            if record.conversation_id in self._records:
                raise KeyError(f"conversation {record.conversation_id!r} exists already")
            self._records[record.conversation_id] = record

    def get(self, conversation_id: str) -> ConversationRecord | None:
        with self._lock:
            return self._records.get(conversation_id)

    def all(self) -> list[ConversationRecord]:
        with self._lock:
            records = list(self._records.values())
        return sorted(records, key=lambda r: r.created_at, reverse=True)

    def save(self, record: ConversationRecord) -> None:
        pass

    def append_events(self, conversation_id: str, events: Sequence[BaseEvent]) -> None:
        pass

    def events(
        self, record: ConversationRecord, types: EventTypes | None = None
    ) -> list[BaseEvent]:
        return [e for e in list(record.events) if types is None or isinstance(e, types)]
