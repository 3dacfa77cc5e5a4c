"""Conversation bodies of the REST API (pydantic, so bad input becomes a clear 422).

Field names follow the public conversational-video API; ``pal_id`` and ``face_id`` are accepted
as aliases of ``persona_id`` and ``replica_id``, as the public API accepts them."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, HttpUrl, field_validator

from visavis.mind.patients import load_patients
from visavis.paths import POST_DISCHARGE_DIR

#: The persona shipped with visavis (files in examples/); stored personas have ``p...`` ids.
BUILTIN_PERSONA = "post_discharge"
DEFAULT_PATIENT = "maria-lopez"
#: Spoken languages of the embedded models (Whisper tiny.en, an English Piper voice).
LANGUAGES = ("english", "en")

Status = Literal["active", "ended"]
RetrievalStrategy = Literal["speed", "balanced", "quality"]
#: A memory store's key, as the public API's ``memory_stores`` names them.
MemoryStoreKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:@-]{1,64}$")]


@lru_cache(maxsize=1)
def known_patients() -> tuple[str, ...]:
    return tuple(p.id for p in load_patients(POST_DISCHARGE_DIR / "patients.yaml").patients)


class ConversationProperties(BaseModel):
    """Per-call knobs. Unknown keys are kept (and echoed back) so clients written for the public
    APIs do not break on properties visavis does not implement yet."""

    model_config = ConfigDict(extra="allow")

    max_call_duration: float = Field(
        600.0, gt=0, le=4 * 3600, description="hard stop for the call, in seconds"
    )
    participant_left_timeout: float = Field(
        0.0,
        ge=0,
        le=3600,
        description="seconds to wait for a participant whose connection dropped to come back "
        "before the call ends (0: end at once)",
    )
    participant_absent_timeout: float = Field(
        300.0,
        gt=0,
        le=24 * 3600,
        description="seconds after creation by which someone must join, else the conversation ends",
    )
    language: str = Field("english", description="the call's language; only English for now")
    #: Which patient of the flagship persona is called (the flagship mind needs one).
    patient_id: str = DEFAULT_PATIENT

    @field_validator("patient_id")
    @classmethod
    def _known_patient(cls, value: str) -> str:
        if value not in known_patients():
            raise ValueError(f"unknown patient_id {value!r}; use one of {list(known_patients())}")
        return value

    @field_validator("language")
    @classmethod
    def _spoken_language(cls, value: str) -> str:
        if value.strip().lower() not in LANGUAGES:
            raise ValueError(
                f"language {value!r} is not available: the embedded speech models are "
                "English-only; use 'english'"
            )
        return "english"


class CreateConversation(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    persona_id: str | None = Field(
        None, validation_alias=AliasChoices("persona_id", "pal_id"), max_length=64
    )
    replica_id: str | None = Field(
        None, validation_alias=AliasChoices("replica_id", "face_id"), max_length=64
    )
    conversation_name: str | None = Field(None, max_length=200)
    conversational_context: str | None = Field(None, max_length=20000)
    custom_greeting: str | None = Field(None, max_length=2000)
    callback_url: HttpUrl | None = None
    properties: ConversationProperties = Field(default_factory=ConversationProperties)
    memory_stores: list[MemoryStoreKey] = Field(
        default_factory=list,
        max_length=10,
        description="memory stores (the app's keys for the people on the call) the agent "
        "recalls from and remembers into",
    )
    document_ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=200, description="documents the agent may answer from"
    )
    document_tags: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=32, description="and every document with any of these"
    )
    document_retrieval_strategy: RetrievalStrategy = "balanced"


class TranscriptLine(BaseModel):
    role: Literal["user", "replica"]
    speech: str
    start: float
    end: float
    interrupted: bool = False
    user_visual_analysis: str | None = None
    user_audio_analysis: str | None = None


class ConversationCreated(BaseModel):
    conversation_id: str
    conversation_name: str | None = None
    conversation_url: str = Field(
        description="the call page; it carries a join token for this conversation only"
    )
    status: Status
    created_at: datetime


class TurnLatencyView(BaseModel):
    """Voice-to-voice latency of one agent reply and its stages (milliseconds)."""

    reply_id: str
    voice_to_voice_ms: float
    endpoint_ms: float
    asr_final_ms: float
    reply_ms: float
    tts_first_audio_ms: float


class ConversationView(ConversationCreated):
    persona_id: str
    replica_id: str | None
    conversational_context: str | None
    custom_greeting: str | None
    callback_url: str | None
    properties: dict[str, Any]
    memory_stores: list[str] = Field(default_factory=list)
    document_ids: list[str] = Field(default_factory=list)
    document_tags: list[str] = Field(default_factory=list)
    document_retrieval_strategy: RetrievalStrategy = "balanced"
    live: bool = Field(description="a WebRTC peer is connected to this conversation right now")
    ended_at: datetime | None = None
    end_reason: str | None = None
    transcript: list[TranscriptLine]
    outcome: dict[str, Any] | None = None
    latencies: list[TurnLatencyView] = Field(
        default_factory=list, description="per-turn voice-to-voice latency"
    )
    user_state: dict[str, Any] | None = Field(
        None,
        description="while live: what perception sees right now (face, attention, expression, "
        "active cues), updated about 10 times a second",
    )
    perception_analysis: dict[str, Any] | None = Field(
        None, description="the end-of-call perception report (engagement, cues, moments)"
    )
    events: list[dict[str, Any]] | None = Field(
        None, description="the whole timeline in the protocol envelope (with ?verbose=true)"
    )


class ConversationList(BaseModel):
    data: list[ConversationView]
    total: int


class SessionDescription(BaseModel):
    """An SDP offer (request) or answer (response), as RTCSessionDescription's JSON."""

    model_config = ConfigDict(extra="ignore")  # browsers' toJSON() may grow fields

    sdp: str = Field(min_length=1, max_length=200_000)
    type: Literal["offer", "answer"]


class ErrorBody(BaseModel):
    error: str
    message: str
    details: list[dict[str, Any]] | None = None
