"""Document, memory-store and tool bodies, named as the public API names them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

#: Tags of documents and tools: up to 32, each 1 to 64 characters.
Tags = Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]], Field(max_length=32)]
#: A memory store's key (the app's name for the person remembered).
StoreKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:@-]{1,64}$")]
#: What a write-only value reads as.
MASK = "********"


# --- documents -------------------------------------------------------------------------------


class DocumentFromUrl(BaseModel):
    """``POST /v1/documents`` as JSON: the server fetches the document."""

    model_config = ConfigDict(extra="forbid")

    document_url: HttpUrl
    document_name: str | None = Field(None, min_length=1, max_length=200)
    tags: Tags = Field(default_factory=list)
    callback_url: HttpUrl | None = None


class DocumentChanges(BaseModel):
    """What a PATCH may change: the name and the tags."""

    model_config = ConfigDict(extra="forbid")

    document_name: str = Field(min_length=1, max_length=200)
    tags: Tags = Field(default_factory=list)


class DocumentView(BaseModel):
    document_id: str
    #: The public API calls a document's id ``uuid``.
    uuid: str
    document_name: str
    tags: list[str]
    source_type: str = Field(description="text, markdown, html, docx or pdf")
    document_url: str | None = None
    callback_url: str | None = None
    sha256: str = Field(description="SHA-256 of the uploaded bytes")
    size: int = Field(description="bytes uploaded")
    status: str
    created_at: datetime
    updated_at: datetime | None = None


class DocumentDetail(DocumentView):
    text: str = Field(description="the document as parsed, in Markdown")


# --- memories --------------------------------------------------------------------------------


class MemoryStoreView(BaseModel):
    memory_store: str
    memories: int = Field(description="how many memories it holds")
    last_updated: datetime


class MemoryView(BaseModel):
    memory_id: str
    memory_store: str
    kind: Literal["fact", "summary"]
    text: str
    data: dict[str, Any]
    conversation_id: str | None = None
    created_at: datetime


# --- tools -----------------------------------------------------------------------------------


class ApplicationDelivery(BaseModel):
    """The app receives ``conversation.tool_call`` and answers it (the public API's way)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["application"] = "application"


class ServerDelivery(BaseModel):
    """The server POSTs the arguments to ``url`` and gives the reply to the LLM."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["server"]
    url: HttpUrl
    timeout_s: float = Field(5.0, ge=0.5, le=30)
    retries: int = Field(2, ge=0, le=5)
    #: Write-only (say, an Authorization header): used, never shown again.
    headers: dict[Annotated[str, Field(min_length=1, max_length=100)], str] = Field(
        default_factory=dict, max_length=20
    )


Delivery = Annotated[ApplicationDelivery | ServerDelivery, Field(discriminator="type")]


class ToolBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    description: str = Field(min_length=1, max_length=1024)
    parameters: dict[str, Any] = Field(
        default_factory=lambda: {"type": "object", "properties": {}},
        description="a JSON Schema (2020-12) of the arguments; its type must be object",
    )
    delivery: Delivery = Field(default_factory=ApplicationDelivery)
    on_call: Literal["generate_filler", "none"] = "generate_filler"
    static_filler: str | None = Field(None, min_length=1, max_length=200)
    tags: Tags = Field(default_factory=list)

    @field_validator("parameters")
    @classmethod
    def _json_schema(cls, schema: dict[str, Any]) -> dict[str, Any]:
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.path) or "the schema"
            raise ValueError(f"not a valid JSON Schema at {where}: {exc.message}") from None
        if schema.get("type") != "object":
            raise ValueError('the parameters schema must have "type": "object"')
        return schema


class ToolView(ToolBody):
    tool_id: str
    #: The public API calls a tool's id ``uuid``.
    uuid: str
    created_at: datetime
    updated_at: datetime | None = None
