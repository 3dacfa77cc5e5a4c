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
    GuardrailView,
    Objective,
    ObjectivesView,
    PatchOp,
    PersonaView,
    Replica,
)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

Json = dict[str, Any]
Ops = Sequence[PatchOp | Mapping[str, Any]]


@dataclass(frozen=True)
class Call(Generic[T]):
    method: str
    path: str
    read: Callable[[Any], T]
    json: Any = None
    params: dict[str, str] | None = None


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

ObjectiveLike = Objective | Mapping[str, Any]
