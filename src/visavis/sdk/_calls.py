"""The REST calls, described once: method, path, body and how to read the answer.

``Client`` and ``AsyncClient`` only differ in how they send a ``Call``; both build them here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from pydantic import BaseModel

from visavis.sdk.models import (
    ConversationCreated,
    ConversationView,
    DocumentDetail,
    DocumentView,
    GuardrailView,
    MemoryStoreView,
    MemoryView,
    Objective,
    ObjectivesView,
    PatchOp,
    PersonaView,
    Replica,
    ToolView,
)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

Json = dict[str, Any]
Ops = Sequence[PatchOp | Mapping[str, Any]]
#: JSON-Patch operations, or an object of the fields to replace.
Changes = Ops | Mapping[str, Any]


@dataclass(frozen=True)
class Call(Generic[T]):
    method: str
    path: str
    read: Callable[[Any], T]
    json: Any = None
    params: dict[str, str] | None = None
    #: A multipart body: its files and its other fields (a list value repeats the field).
    files: dict[str, tuple[str, bytes]] | None = None
    data: dict[str, Any] | None = None


def _one(model: type[M]) -> Callable[[Any], M]:
    return model.model_validate


def _page(model: type[M]) -> Callable[[Any], list[M]]:
    def read(body: Any) -> list[M]:
        return [model.model_validate(item) for item in body["data"]]

    return read


def _nothing(_: Any) -> None:
    return None


def _answer_sdp(body: Any) -> str:
    return str(body["sdp"])


def _id(value: str) -> str:
    """A path segment: an id can never climb out of its collection (``../``)."""
    return quote(value, safe="")


def given(**fields: Any) -> Json:
    """The fields that were given: a None leaves the server's default in place."""
    return {k: v for k, v in fields.items() if v is not None}


def _ops(ops: Ops) -> list[Json]:
    return [op.model_dump(mode="json") if isinstance(op, PatchOp) else dict(op) for op in ops]


def _changes(changes: Changes) -> Any:
    return dict(changes) if isinstance(changes, Mapping) else _ops(changes)


def _json(value: Any) -> Any:
    """Request models (e.g. ``Objective``) as JSON; anything else as it is."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_unset=True)
    if isinstance(value, Mapping):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


# --- conversations ---------------------------------------------------------------------------

CONVERSATIONS = "/v1/conversations"


def create_conversation(fields: Json) -> Call[ConversationCreated]:
    return Call("POST", CONVERSATIONS, _one(ConversationCreated), json=_json(fields))


def get_conversation(conversation_id: str, verbose: bool) -> Call[ConversationView]:
    params = {"verbose": "true"} if verbose else None
    path = f"{CONVERSATIONS}/{_id(conversation_id)}"
    return Call("GET", path, _one(ConversationView), params=params)


def list_conversations() -> Call[list[ConversationView]]:
    return Call("GET", CONVERSATIONS, _page(ConversationView))


def end_conversation(conversation_id: str) -> Call[ConversationView]:
    return Call("POST", f"{CONVERSATIONS}/{_id(conversation_id)}/end", _one(ConversationView))


def delete_conversation(conversation_id: str) -> Call[None]:
    return Call("DELETE", f"{CONVERSATIONS}/{_id(conversation_id)}", _nothing)


def webrtc_offer(conversation_id: str, sdp: str) -> Call[str]:
    path = f"{CONVERSATIONS}/{_id(conversation_id)}/webrtc"
    return Call("POST", path, _answer_sdp, json={"type": "offer", "sdp": sdp})


def events_path(conversation_id: str) -> str:
    return f"{CONVERSATIONS}/{_id(conversation_id)}/events"


# --- stored resources --------------------------------------------------------------------------


class Resource(Generic[M]):
    """Create, get, list, JSON-Patch and delete under one path."""

    def __init__(self, path: str, model: type[M]) -> None:
        self.path, self.model = path, model

    def create(self, body: Json) -> Call[M]:
        return Call("POST", self.path, _one(self.model), json=_json(body))

    def get(self, item_id: str) -> Call[M]:
        return Call("GET", f"{self.path}/{_id(item_id)}", _one(self.model))

    def list(self) -> Call[list[M]]:
        return Call("GET", self.path, _page(self.model))

    def patch(self, item_id: str, ops: Ops) -> Call[M]:
        return Call("PATCH", f"{self.path}/{_id(item_id)}", _one(self.model), json=_ops(ops))

    def delete(self, item_id: str) -> Call[None]:
        return Call("DELETE", f"{self.path}/{_id(item_id)}", _nothing)


PERSONAS = Resource("/v1/personas", PersonaView)
OBJECTIVES = Resource("/v1/objectives", ObjectivesView)
GUARDRAILS = Resource("/v1/guardrails", GuardrailView)
REPLICAS = Resource("/v1/replicas", Replica)
TOOLS = Resource("/v1/tools", ToolView)

ObjectiveLike = Objective | Mapping[str, Any]


# --- documents ---------------------------------------------------------------------------------

DOCUMENTS = "/v1/documents"


def upload_document(
    filename: str, content: bytes, document_name: str | None, tags: Sequence[str] | None
) -> Call[DocumentView]:
    fields = given(document_name=document_name, tags=list(tags) if tags is not None else None)
    files = {"file": (filename, content)}
    return Call("POST", DOCUMENTS, _one(DocumentView), files=files, data=fields)


def create_document_from_url(body: Json) -> Call[DocumentView]:
    return Call("POST", DOCUMENTS, _one(DocumentView), json=body)


def list_documents(tag: str | None) -> Call[list[DocumentView]]:
    params = {"tag": tag} if tag is not None else None
    return Call("GET", DOCUMENTS, _page(DocumentView), params=params)


def get_document(document_id: str) -> Call[DocumentDetail]:
    return Call("GET", f"{DOCUMENTS}/{_id(document_id)}", _one(DocumentDetail))


def patch_document(document_id: str, changes: Changes) -> Call[DocumentView]:
    path = f"{DOCUMENTS}/{_id(document_id)}"
    return Call("PATCH", path, _one(DocumentView), json=_changes(changes))


def delete_document(document_id: str) -> Call[None]:
    return Call("DELETE", f"{DOCUMENTS}/{_id(document_id)}", _nothing)


# --- memory stores -----------------------------------------------------------------------------

MEMORY_STORES = "/v1/memory_stores"


def list_memory_stores() -> Call[list[MemoryStoreView]]:
    return Call("GET", MEMORY_STORES, _page(MemoryStoreView))


def list_memories(memory_store: str, limit: int | None) -> Call[list[MemoryView]]:
    params = {"limit": str(limit)} if limit is not None else None
    path = f"{MEMORY_STORES}/{_id(memory_store)}/memories"
    return Call("GET", path, _page(MemoryView), params=params)


def delete_memory(memory_store: str, memory_id: str) -> Call[None]:
    path = f"{MEMORY_STORES}/{_id(memory_store)}/memories/{_id(memory_id)}"
    return Call("DELETE", path, _nothing)


def forget(memory_store: str) -> Call[None]:
    return Call("DELETE", f"{MEMORY_STORES}/{_id(memory_store)}", _nothing)
