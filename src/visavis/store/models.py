"""The durable records of the server, as SQLAlchemy 2 typed ORM models.

Table and column names follow the public conversational-video API (``persona_id``,
``conversational_context``, ``properties``...), so an API response is mostly a copy of a row.
Only generic column types are used so the same models serve SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from . import ids
from .coltypes import UTCDateTime, utcnow

# Deterministic constraint names let later migrations drop or alter constraints by name, which
# SQLite's batch mode and PostgreSQL both need; backend-chosen names differ between the two.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(32)
CONVERSATION_STATUSES = ("active", "ended")
GUARDRAIL_MODALITIES = ("verbal", "visual")
MEMORY_KINDS = ("fact", "summary")
RETRIEVAL_STRATEGIES = ("speed", "balanced", "quality")
TOOL_ON_CALL = ("generate_filler", "none")


def _json_list() -> Any:
    # NOT NULL with '[]' in the database too: rows written before the column existed read as [].
    return mapped_column(JSON, default=list, server_default=text("'[]'"))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _fk_conversation() -> ForeignKey:
    # Timeline, outcome and the like have no meaning without their conversation: deleting the
    # conversation deletes them in the database itself, whoever issues the delete.
    return ForeignKey("conversations.conversation_id", ondelete="CASCADE")


class Persona(Base):
    """A reusable agent definition (public ``/v2/personas``)."""

    __tablename__ = "personas"

    persona_id: Mapped[str] = mapped_column(ID, primary_key=True)
    # Not a public field: every API key belongs to a tenant, and personas must not leak across.
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    persona_name: Mapped[str] = mapped_column(String(200))
    system_prompt: Mapped[str | None] = mapped_column(Text)
    context: Mapped[str | None] = mapped_column(Text)
    default_replica_id: Mapped[str | None] = mapped_column(String(64))
    layers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    objectives_id: Mapped[str | None] = mapped_column(String(64))
    guardrail_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    document_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    document_tags: Mapped[list[str]] = _json_list()
    guardrail_tags: Mapped[list[str]] = _json_list()
    tool_ids: Mapped[list[str]] = _json_list()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @staticmethod
    def new_id() -> str:
        return ids.new_id(ids.PERSONA)


class Conversation(Base):
    """One call (public ``/v2/conversations``); ``properties`` keeps the public sub-object."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_tenant_created", "tenant_id", "created_at"),)

    conversation_id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    # No foreign key: a conversation keeps the persona id it ran with after the persona is
    # deleted, and built-in personas shipped as files have no row.
    persona_id: Mapped[str | None] = mapped_column(String(64))
    replica_id: Mapped[str | None] = mapped_column(String(64))
    conversation_name: Mapped[str | None] = mapped_column(String(200))
    conversational_context: Mapped[str | None] = mapped_column(Text)
    custom_greeting: Mapped[str | None] = mapped_column(Text)
    callback_url: Mapped[str | None] = mapped_column(String(2048))
    # max_call_duration, participant_left_timeout, participant_absent_timeout, language...
    properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The knowledge and memory the call draws on (public API names).
    memory_stores: Mapped[list[str]] = _json_list()
    document_ids: Mapped[list[str]] = _json_list()
    document_tags: Mapped[list[str]] = _json_list()
    document_retrieval_strategy: Mapped[str] = mapped_column(
        String(16), default="balanced", server_default="balanced"
    )
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(64))

    @staticmethod
    def new_id() -> str:
        return ids.new_id(ids.CONVERSATION)


class TimelineEvent(Base):
    """One recorded event of a conversation's timeline; ``payload`` is ``event.properties()``."""

    __tablename__ = "timeline_events"

    # (conversation_id, seq) is the key: it is what makes appending the same event twice a no-op.
    conversation_id: Mapped[str] = mapped_column(ID, _fk_conversation(), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    t: Mapped[float] = mapped_column(Double)
    turn_idx: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class Outcome(Base):
    """What a finished call achieved; ``raw`` keeps the whole outcome dict as the mind wrote it."""

    __tablename__ = "outcomes"

    conversation_id: Mapped[str] = mapped_column(ID, _fk_conversation(), primary_key=True)
    completed: Mapped[bool] = mapped_column(Boolean)
    escalated: Mapped[bool] = mapped_column(Boolean)
    follow_up_booked: Mapped[bool] = mapped_column(Boolean)
    output_variables: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    duration: Mapped[float | None] = mapped_column(Double)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookOutbox(Base):
    """A callback to deliver at least once; written in the same store as the change it reports."""

    __tablename__ = "webhook_outbox"
    __table_args__ = (Index("ix_webhook_outbox_due", "delivered_at", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    # No foreign key: a webhook already promised (say, the conversation ended) is still
    # delivered after the conversation itself is deleted.
    conversation_id: Mapped[str | None] = mapped_column(String(64), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    event_type: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # NULL once delivered or given up, so "due" is one indexed range test.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @staticmethod
    def new_id() -> str:
        return ids.new_id(ids.WEBHOOK)


class ApiKey(Base):
    """An API key of a tenant; only a salted hash of its secret is stored."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(ID, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(128))
    salt: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @staticmethod
    def new_id() -> str:
        return ids.new_id(ids.API_KEY)


class Objectives(Base):
    """A set of objectives a persona pursues (public ``/v2/objectives``).

    ``data`` is the public list as given: dicts with ``objective_name``, ``objective_prompt``,
    ``confirmation_mode``, ``output_variables``, ``modality``, ``next_conditional_objectives``,
    ``next_required_objectives`` and ``callback_url``; the API layer validates them.
    """

    __tablename__ = "objectives"

    objectives_id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    objectives_name: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @staticmethod
    def new_id() -> str:
        return ids.new_id(ids.OBJECTIVES)


class Guardrail(Base):
    """A rule a persona keeps to, and where a breach is reported (public ``/v2/guardrails``)."""

    __tablename__ = "guardrails"

    guardrail_id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    guardrail_name: Mapped[str] = mapped_column(String(100))
    guardrail_prompt: Mapped[str] = mapped_column(Text)
    # One of GUARDRAIL_MODALITIES: judged on what is said, or on what the camera shows.
    modality: Mapped[str] = mapped_column(String(16), default="verbal")
    callback_url: Mapped[str | None] = mapped_column(String(2048))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Whether a breach is also sent to the call's app as a message, not only to callback_url.
    app_message: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @staticmethod
    def new_id() -> str:
        return ids.new_id(ids.GUARDRAIL)


class DeploymentSetting(Base):
    """A per-deployment value shared by every server instance, e.g. a signing secret."""

    __tablename__ = "deployment_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StoredDocument(Base):
    """An uploaded document of the knowledge base (public ``/v2/documents``).

    ``text`` is the parsed document as Markdown (``visavis.mind.knowledge.Document.text``); the
    upload itself is not kept. ``sha256`` is of the uploaded bytes: one upload per tenant.
    """

    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_tenant_sha256", "tenant_id", "sha256", unique=True),
        Index("ix_documents_tenant_created", "tenant_id", "created_at"),
    )

    document_id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    document_name: Mapped[str] = mapped_column(String(200))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # One of visavis.mind.knowledge's source types: text, markdown, html, docx, pdf.
    source_type: Mapped[str] = mapped_column(String(16))
    document_url: Mapped[str | None] = mapped_column(String(2048))
    callback_url: Mapped[str | None] = mapped_column(String(2048))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="ready")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @staticmethod
    def new_id() -> str:
        return ids.new_id(ids.DOCUMENT)


class Memory(Base):
    """Something remembered about a person across calls, in the memory store named by the app
    (public ``memory_stores``); ``kind`` is one of ``MEMORY_KINDS``."""

    __tablename__ = "memories"
    __table_args__ = (Index("ix_memories_tenant_store", "tenant_id", "memory_store", "created_at"),)

    memory_id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    memory_store: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # No foreign key: what was learnt in a call is kept after the call itself is deleted.
    conversation_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @staticmethod
    def new_id() -> str:
        return ids.new_id(ids.MEMORY)


class Tool(Base):
    """A function the persona's LLM may call (public ``/v2/tools``).

    ``delivery`` is ``{"type": "application"}`` (the app receives ``conversation.tool_call``) or
    ``{"type": "server", "url", "timeout_s", "retries", "headers"}``; the headers are secrets.
    """

    __tablename__ = "tools"
    __table_args__ = (Index("ix_tools_tenant_name", "tenant_id", "name", unique=True),)

    tool_id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    delivery: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # One of TOOL_ON_CALL: what the agent says while the tool runs.
    on_call: Mapped[str] = mapped_column(String(32), default="generate_filler")
    static_filler: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @staticmethod
    def new_id() -> str:
        return ids.new_id(ids.TOOL)
