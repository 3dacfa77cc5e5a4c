"""Persona, objectives, guardrail and replica bodies, named as the public API names them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    field_validator,
    model_validator,
)

from visavis.perception.layer import PerceptionLayer

Level = Literal["low", "medium", "high"]
Modality = Literal["verbal", "visual"]
Name = Field(pattern=r"^[A-Za-z0-9_\-]+$", min_length=1, max_length=100)


class _Layer(BaseModel):
    # Layers keep keys visavis does not use yet, so personas written for the public API load.
    model_config = ConfigDict(extra="allow")


class ConversationalFlowLayer(_Layer):
    #: ``silence`` for a fixed silence threshold; anything else (or none) is the fused
    #: end-of-turn model, the only model shipped.
    turn_detection_model: str | None = None
    turn_taking_patience: Level | None = None
    replica_interruptibility: Level | None = None
    #: False: the greeting always plays to its end, whatever the user says over it.
    interruptible_greeting: bool | None = None


class VoiceSettings(_Layer):
    speed: float | None = Field(None, ge=0.5, le=2.0)


class TTSLayer(_Layer):
    tts_engine: Literal["piper", "espeak"] | None = None
    voice_settings: VoiceSettings | None = None


class STTLayer(_Layer):
    #: Words the recogniser should expect (names, medicines, symptoms), as one phrase or a
    #: comma-separated list; the patient's name and medicines are added per call.
    hotwords: str | None = Field(None, max_length=1000)


class LLMLayer(_Layer):
    model: str | None = None
    base_url: HttpUrl | None = None
    #: Write-only: stored for the provider, never returned by the API.
    api_key: str | None = Field(None, max_length=500)


class Layers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    perception: PerceptionLayer | None = None
    stt: STTLayer | None = None
    conversational_flow: ConversationalFlowLayer | None = None
    llm: LLMLayer | None = None
    tts: TTSLayer | None = None


class PersonaBody(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    persona_name: str = Field(min_length=1, max_length=200)
    system_prompt: str | None = Field(None, max_length=20000)
    context: str | None = Field(None, max_length=20000)
    default_replica_id: str | None = Field(
        None, validation_alias=AliasChoices("default_replica_id", "default_face_id")
    )
    layers: Layers = Field(default_factory=Layers)
    objectives_id: str | None = None
    guardrail_ids: list[str] = Field(default_factory=list, max_length=50)
    guardrail_tags: list[str] = Field(default_factory=list, max_length=32)
    document_ids: list[str] = Field(default_factory=list, max_length=200)
    document_tags: list[str] = Field(default_factory=list, max_length=32)
    #: At most 50 tools, as the public API attaches to a persona.
    tool_ids: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("guardrail_tags", "document_tags")
    @classmethod
    def _short_tags(cls, tags: list[str]) -> list[str]:
        if any(not 0 < len(t) <= 64 for t in tags):
            raise ValueError("each tag must be 1 to 64 characters")
        return tags


class PersonaView(PersonaBody):
    persona_id: str
    builtin: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Objective(BaseModel):
    model_config = ConfigDict(extra="forbid")

    objective_name: str = Name
    objective_prompt: str = Field(min_length=1, max_length=2000)
    confirmation_mode: Literal["auto", "manual"] = "auto"
    output_variables: list[str] = Field(default_factory=list, max_length=50)
    modality: Modality = "verbal"
    next_conditional_objectives: dict[str, str] = Field(default_factory=dict)
    next_required_objectives: list[str] = Field(default_factory=list)
    callback_url: HttpUrl | None = None


class ObjectivesBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    objectives_name: str | None = Field(None, max_length=200)
    data: list[Objective] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _references_exist(self) -> ObjectivesBody:
        names = [o.objective_name for o in self.data]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"objective names must be unique; repeated: {duplicates}")
        for o in self.data:
            missing = [
                n
                for n in [*o.next_conditional_objectives, *o.next_required_objectives]
                if n not in names
            ]
            if missing:
                raise ValueError(
                    f"objective {o.objective_name!r} points to unknown objectives {missing}"
                )
        return self


class ObjectivesView(ObjectivesBody):
    objectives_id: str
    created_at: datetime
    updated_at: datetime | None = None


class GuardrailBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    guardrail_name: str = Field(min_length=1, max_length=100)
    guardrail_prompt: str = Field(min_length=1, max_length=1000)
    modality: Modality = "verbal"
    callback_url: HttpUrl | None = None
    tags: list[str] = Field(default_factory=list, max_length=32)
    app_message: bool = True

    @field_validator("tags")
    @classmethod
    def _short_tags(cls, tags: list[str]) -> list[str]:
        if any(not 0 < len(t) <= 64 for t in tags):
            raise ValueError("each tag must be 1 to 64 characters")
        return tags


class GuardrailView(GuardrailBody):
    guardrail_id: str
    #: The public API calls a guardrail's id ``uuid``.
    uuid: str
    created_at: datetime
    updated_at: datetime | None = None


class PatchOp(BaseModel):
    """One JSON-Patch operation (RFC 6902), as the public API's PATCH endpoints take them."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["add", "replace", "remove"]
    path: str = Field(pattern=r"^/")
    value: Any = None


class Replica(BaseModel):
    replica_id: str
    replica_name: str
    status: Literal["completed"] = "completed"
    model_name: str = "visavis-vector"
    thumbnail_url: str
    builtin: bool = True


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    data: list[T]
    total: int
