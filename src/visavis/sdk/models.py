"""Typed results of the REST API, as the client sees them.

These mirror the server's response models in ``visavis.server.schemas``. They are defined here
rather than imported because importing anything under ``visavis.server`` builds the whole app
(WebRTC, the speech engines, face rendering): seconds of start-up and native libraries a client
does not need. ``tests/sdk/test_models.py`` checks the fields against the server's models, so
the two cannot drift apart unnoticed.

They validate loosely on purpose: the server has validated the data already, and unknown fields
from a newer server are kept (``extra="allow"``) rather than rejected.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["active", "ended"]
Level = Literal["low", "medium", "high"]


class _Result(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- conversations ---------------------------------------------------------------------------


class TranscriptLine(_Result):
    role: Literal["user", "replica"]
    speech: str
    start: float
    end: float
    interrupted: bool = False
    user_visual_analysis: str | None = None
    user_audio_analysis: str | None = None


class TurnLatencyView(_Result):
    """Voice-to-voice latency of one agent reply and its stages (milliseconds)."""

    reply_id: str
    voice_to_voice_ms: float
    endpoint_ms: float
    asr_final_ms: float
    reply_ms: float
    tts_first_audio_ms: float


class ConversationCreated(_Result):
    conversation_id: str
    conversation_name: str | None = None
    #: The call page; it carries a join token for this conversation only.
    conversation_url: str
    status: Status
    created_at: datetime


class ConversationView(ConversationCreated):
    persona_id: str
    replica_id: str | None = None
    conversational_context: str | None = None
    custom_greeting: str | None = None
    callback_url: str | None = None
    properties: dict[str, Any] = Field(default_factory=dict)
    #: The people on the call: what earlier calls remembered about them is recalled.
    memory_stores: list[str] = Field(default_factory=list)
    document_ids: list[str] = Field(default_factory=list)
    document_tags: list[str] = Field(default_factory=list)
    document_retrieval_strategy: str = "balanced"
    #: A WebRTC peer is connected to this conversation right now.
    live: bool = False
    ended_at: datetime | None = None
    end_reason: str | None = None
    transcript: list[TranscriptLine] = Field(default_factory=list)
    outcome: dict[str, Any] | None = None
    latencies: list[TurnLatencyView] = Field(default_factory=list)
    user_state: dict[str, Any] | None = None
    perception_analysis: dict[str, Any] | None = None
    #: The whole timeline in the protocol envelope (``get_conversation(..., verbose=True)``).
    events: list[dict[str, Any]] | None = None


# --- personas, objectives, guardrails, replicas ----------------------------------------------


class PersonaView(_Result):
    persona_id: str
    persona_name: str
    system_prompt: str | None = None
    context: str | None = None
    default_replica_id: str | None = None
    #: ``perception``, ``stt``, ``conversational_flow``, ``llm``, ``tts``; an LLM ``api_key``
    #: comes back masked.
    layers: dict[str, Any] = Field(default_factory=dict)
    objectives_id: str | None = None
    guardrail_ids: list[str] = Field(default_factory=list)
    guardrail_tags: list[str] = Field(default_factory=list)
    document_ids: list[str] = Field(default_factory=list)
    document_tags: list[str] = Field(default_factory=list)
    tool_ids: list[str] = Field(default_factory=list)
    #: The built-in persona (``post_discharge``) is read-only.
    builtin: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Objective(_Result):
    objective_name: str
    objective_prompt: str
    confirmation_mode: Literal["auto", "manual"] = "auto"
    output_variables: list[str] = Field(default_factory=list)
    modality: Literal["verbal", "visual"] = "verbal"
    next_conditional_objectives: dict[str, str] = Field(default_factory=dict)
    next_required_objectives: list[str] = Field(default_factory=list)
    callback_url: str | None = None


class ObjectivesView(_Result):
    objectives_id: str
    objectives_name: str | None = None
    data: list[Objective]
    created_at: datetime
    updated_at: datetime | None = None


class GuardrailView(_Result):
    guardrail_id: str
    #: The public API calls a guardrail's id ``uuid``; the same value as ``guardrail_id``.
    uuid: str
    guardrail_name: str
    guardrail_prompt: str
    modality: Literal["verbal", "visual"] = "verbal"
    callback_url: str | None = None
    tags: list[str] = Field(default_factory=list)
    app_message: bool = True
    created_at: datetime
    updated_at: datetime | None = None


class Replica(_Result):
    replica_id: str
    replica_name: str
    status: str = "completed"
    model_name: str = "visavis-vector"
    thumbnail_url: str
    builtin: bool = True


# --- documents, memories, tools --------------------------------------------------------------


class DocumentView(_Result):
    document_id: str
    #: The public API calls a document's id ``uuid``; the same value as ``document_id``.
    uuid: str
    document_name: str
    tags: list[str] = Field(default_factory=list)
    #: ``text``, ``markdown``, ``html``, ``docx`` or ``pdf``.
    source_type: str
    document_url: str | None = None
    callback_url: str | None = None
    #: SHA-256 of the uploaded bytes: the same bytes twice are refused (409).
    sha256: str
    size: int
    status: str
    created_at: datetime
    updated_at: datetime | None = None


class DocumentDetail(DocumentView):
    """``get_document``: the document with ``text``, as parsed, in Markdown."""

    text: str


class MemoryStoreView(_Result):
    memory_store: str
    #: How many memories it holds.
    memories: int
    last_updated: datetime


class MemoryView(_Result):
    memory_id: str
    memory_store: str
    kind: Literal["fact", "summary"]
    text: str
    data: dict[str, Any] = Field(default_factory=dict)
    conversation_id: str | None = None
    created_at: datetime


class ToolView(_Result):
    tool_id: str
    #: The public API calls a tool's id ``uuid``; the same value as ``tool_id``.
    uuid: str
    name: str
    description: str
    #: A JSON Schema (2020-12) of the arguments, of type ``object``.
    parameters: dict[str, Any] = Field(default_factory=dict)
    #: ``{"type": "application"}`` or ``{"type": "server", "url", ...}``; ``headers`` come back
    #: masked.
    delivery: dict[str, Any] = Field(default_factory=dict)
    on_call: Literal["generate_filler", "none"] = "generate_filler"
    static_filler: str | None = None
    tags: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime | None = None


# --- requests ---------------------------------------------------------------------------------


class PatchOp(BaseModel):
    """One JSON-Patch operation (RFC 6902) for the ``patch_*`` methods; plain dicts such as
    ``{"op": "replace", "path": "/context", "value": "..."}`` work as well."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["add", "replace", "remove"]
    path: str
    value: Any = None
