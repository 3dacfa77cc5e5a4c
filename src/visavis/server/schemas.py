"""Request and response bodies of the REST API (pydantic, so bad input becomes a clear 422)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from visavis.mind.patients import load_patients
from visavis.paths import POST_DISCHARGE_DIR

#: The personas this server can run. Only the flagship exists today; persona_id may be omitted.
PERSONAS = ("post_discharge",)
DEFAULT_PATIENT = "maria-lopez"

Status = Literal["active", "ended"]


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
    #: Which patient of the flagship persona is called (the flagship mind needs one).
    patient_id: str = DEFAULT_PATIENT

    @field_validator("patient_id")
    @classmethod
    def _known_patient(cls, value: str) -> str:
        if value not in known_patients():
            raise ValueError(f"unknown patient_id {value!r}; use one of {list(known_patients())}")
        return value


class CreateConversation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    persona_id: str | None = None
    conversational_context: str | None = Field(None, max_length=20000)
    custom_greeting: str | None = Field(None, max_length=2000)
    callback_url: HttpUrl | None = None
    properties: ConversationProperties = Field(default_factory=ConversationProperties)

    @field_validator("persona_id")
    @classmethod
    def _known_persona(cls, value: str | None) -> str | None:
        if value is not None and value not in PERSONAS:
            raise ValueError(f"unknown persona_id {value!r}; use one of {list(PERSONAS)}")
        return value


class TranscriptLine(BaseModel):
    role: Literal["user", "replica"]
    speech: str
    start: float
    end: float
    interrupted: bool = False


class ConversationCreated(BaseModel):
    conversation_id: str
    conversation_url: str
    status: Status
    created_at: datetime


class ConversationView(ConversationCreated):
    persona_id: str
    conversational_context: str | None
    custom_greeting: str | None
    callback_url: str | None
    properties: dict[str, Any]
    live: bool = Field(description="a WebRTC peer is connected to this conversation right now")
    ended_at: datetime | None = None
    end_reason: str | None = None
    transcript: list[TranscriptLine]
    outcome: dict[str, Any] | None = None


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
