"""``AsyncClient``: the SDK client for asyncio (``httpx.AsyncClient``), method for method the
same as ``Client``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Self

import httpx

from visavis.sdk import _calls
from visavis.sdk._base import (
    Modality,
    OnCall,
    T,
    Upload,
    _Base,
    _conversation,
    _document_url,
    _guardrail,
    _objectives,
    _persona,
    _read,
    _tool,
    _upload,
)
from visavis.sdk._calls import (
    GUARDRAILS,
    OBJECTIVES,
    PERSONAS,
    REPLICAS,
    TOOLS,
    Call,
    Changes,
    ObjectiveLike,
    Ops,
)
from visavis.sdk.events import AsyncEventStream
from visavis.sdk.models import (
    ConversationCreated,
    ConversationView,
    DocumentDetail,
    DocumentView,
    GuardrailView,
    MemoryStoreView,
    MemoryView,
    ObjectivesView,
    PersonaView,
    Replica,
    ToolView,
)


class AsyncClient(_Base):
    """The REST API and the event socket, awaitable; the same methods as ``Client``.

    ``transport`` is passed to ``httpx.AsyncClient`` (e.g. ``httpx.ASGITransport(app)``)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 30,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, api_key, timeout)
        self._http = httpx.AsyncClient(
            base_url=self.base_url, headers=self._headers, timeout=timeout, transport=transport
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self._http.aclose()

    async def _send(self, call: Call[T]) -> T:
        response = await self._http.request(
            call.method,
            call.path,
            json=call.json,
            params=call.params,
            files=call.files,
            data=call.data,
        )
        return _read(call, response)

    # --- conversations ---------------------------------------------------------------------

    async def create_conversation(
        self,
        *,
        persona_id: str | None = None,
        replica_id: str | None = None,
        conversation_name: str | None = None,
        conversational_context: str | None = None,
        custom_greeting: str | None = None,
        callback_url: str | None = None,
        properties: Mapping[str, Any] | None = None,
        **extra: Any,
    ) -> ConversationCreated:
        """A new conversation; join it at ``conversation_url`` or with ``webrtc_offer``.
        Fields left None take the server's defaults (the built-in persona, its face)."""
        body = _conversation(
            persona_id,
            replica_id,
            conversation_name,
            conversational_context,
            custom_greeting,
            callback_url,
            properties,
            extra,
        )
        return await self._send(_calls.create_conversation(body))

    async def get_conversation(
        self, conversation_id: str, verbose: bool = False
    ) -> ConversationView:
        """The conversation with its transcript; ``verbose`` adds every timeline event."""
        return await self._send(_calls.get_conversation(conversation_id, verbose))

    async def list_conversations(self) -> list[ConversationView]:
        """The newest conversations first (the server returns at most 100)."""
        return await self._send(_calls.list_conversations())

    async def end_conversation(self, conversation_id: str) -> ConversationView:
        return await self._send(_calls.end_conversation(conversation_id))

    async def delete_conversation(self, conversation_id: str) -> None:
        """End the conversation if it is running, then delete it with its timeline."""
        await self._send(_calls.delete_conversation(conversation_id))

    async def webrtc_offer(self, conversation_id: str, sdp: str) -> str:
        """Join the call: an SDP offer (every ICE candidate in it) in, the answer's SDP out."""
        return await self._send(_calls.webrtc_offer(conversation_id, sdp))

    def events(self, conversation_id: str) -> AsyncEventStream:
        """The conversation's event socket; use it in an ``async with`` block."""
        return AsyncEventStream(*self._socket(conversation_id))

    # --- personas --------------------------------------------------------------------------

    async def create_persona(
        self,
        persona_name: str,
        *,
        system_prompt: str | None = None,
        context: str | None = None,
        default_replica_id: str | None = None,
        layers: Mapping[str, Any] | None = None,
        objectives_id: str | None = None,
        guardrail_ids: Sequence[str] | None = None,
        document_ids: Sequence[str] | None = None,
        **extra: Any,
    ) -> PersonaView:
        body = _persona(
            persona_name,
            system_prompt,
            context,
            default_replica_id,
            layers,
            objectives_id,
            guardrail_ids,
            document_ids,
            extra,
        )
        return await self._send(PERSONAS.create(body))

    async def get_persona(self, persona_id: str) -> PersonaView:
        return await self._send(PERSONAS.get(persona_id))

    async def list_personas(self) -> list[PersonaView]:
        """The built-in persona first, then this tenant's."""
        return await self._send(PERSONAS.list())

    async def patch_persona(self, persona_id: str, ops: Ops) -> PersonaView:
        """Apply JSON-Patch operations, e.g. ``[{"op": "replace", "path": "/context",
        "value": "..."}]``; the ids and times cannot be changed."""
        return await self._send(PERSONAS.patch(persona_id, ops))

    async def delete_persona(self, persona_id: str) -> None:
        await self._send(PERSONAS.delete(persona_id))

    # --- objectives ------------------------------------------------------------------------

    async def create_objectives(
        self, data: Sequence[ObjectiveLike], *, objectives_name: str | None = None
    ) -> ObjectivesView:
        """A set of objectives (``Objective`` models or dicts), attached to a persona by id."""
        return await self._send(OBJECTIVES.create(_objectives(data, objectives_name)))

    async def get_objectives(self, objectives_id: str) -> ObjectivesView:
        return await self._send(OBJECTIVES.get(objectives_id))

    async def list_objectives(self) -> list[ObjectivesView]:
        return await self._send(OBJECTIVES.list())

    async def patch_objectives(self, objectives_id: str, ops: Ops) -> ObjectivesView:
        return await self._send(OBJECTIVES.patch(objectives_id, ops))

    async def delete_objectives(self, objectives_id: str) -> None:
        await self._send(OBJECTIVES.delete(objectives_id))

    # --- guardrails ------------------------------------------------------------------------

    async def create_guardrail(
        self,
        guardrail_name: str,
        guardrail_prompt: str,
        *,
        modality: Modality | None = None,
        callback_url: str | None = None,
        tags: Sequence[str] | None = None,
        app_message: bool | None = None,
        **extra: Any,
    ) -> GuardrailView:
        body = _guardrail(
            guardrail_name, guardrail_prompt, modality, callback_url, tags, app_message, extra
        )
        return await self._send(GUARDRAILS.create(body))

    async def get_guardrail(self, guardrail_id: str) -> GuardrailView:
        return await self._send(GUARDRAILS.get(guardrail_id))

    async def list_guardrails(self) -> list[GuardrailView]:
        return await self._send(GUARDRAILS.list())

    async def patch_guardrail(self, guardrail_id: str, ops: Ops) -> GuardrailView:
        return await self._send(GUARDRAILS.patch(guardrail_id, ops))

    async def delete_guardrail(self, guardrail_id: str) -> None:
        await self._send(GUARDRAILS.delete(guardrail_id))

    # --- replicas --------------------------------------------------------------------------

    async def list_replicas(self) -> list[Replica]:
        return await self._send(REPLICAS.list())

    async def get_replica(self, replica_id: str) -> Replica:
        return await self._send(REPLICAS.get(replica_id))

    # --- documents -------------------------------------------------------------------------

    async def upload_document(
        self,
        path_or_bytes: Upload,
        *,
        filename: str | None = None,
        document_name: str | None = None,
        tags: Sequence[str] | None = None,
    ) -> DocumentView:
        """Upload a file (a path, or bytes with a ``filename`` whose extension gives the type:
        ``.txt``, ``.md``, ``.html``, ``.docx``, ``.pdf``); it comes back parsed, ``ready``.
        The same bytes twice raise ``ConflictError`` naming the document they already are."""
        name, content = _upload(path_or_bytes, filename)
        return await self._send(_calls.upload_document(name, content, document_name, tags))

    async def create_document_from_url(
        self,
        document_url: str,
        *,
        document_name: str | None = None,
        tags: Sequence[str] | None = None,
    ) -> DocumentView:
        """The server fetches ``document_url`` (http or https) and stores it as an upload."""
        body = _document_url(document_url, document_name, tags)
        return await self._send(_calls.create_document_from_url(body))

    async def list_documents(self, tag: str | None = None) -> list[DocumentView]:
        """Every document, or those tagged ``tag``."""
        return await self._send(_calls.list_documents(tag))

    async def get_document(self, document_id: str) -> DocumentDetail:
        """The document with its ``text`` (the parsed Markdown)."""
        return await self._send(_calls.get_document(document_id))

    async def patch_document(self, document_id: str, ops_or_changes: Changes) -> DocumentView:
        """Change ``document_name`` and ``tags``: JSON-Patch operations, or an object such as
        ``{"tags": ["faq"]}``."""
        return await self._send(_calls.patch_document(document_id, ops_or_changes))

    async def delete_document(self, document_id: str) -> None:
        await self._send(_calls.delete_document(document_id))

    # --- memory stores ---------------------------------------------------------------------

    async def list_memory_stores(self) -> list[MemoryStoreView]:
        """Every store holding a memory, the most recently updated first."""
        return await self._send(_calls.list_memory_stores())

    async def list_memories(self, memory_store: str, limit: int | None = None) -> list[MemoryView]:
        """The store's memories, newest first (the server's default limit is 100)."""
        return await self._send(_calls.list_memories(memory_store, limit))

    async def delete_memory(self, memory_store: str, memory_id: str) -> None:
        await self._send(_calls.delete_memory(memory_store, memory_id))

    async def forget(self, memory_store: str) -> None:
        """Delete the store: everything remembered about that person."""
        await self._send(_calls.forget(memory_store))

    # --- tools -----------------------------------------------------------------------------

    async def create_tool(
        self,
        name: str,
        description: str,
        parameters: Mapping[str, Any],
        *,
        delivery: Mapping[str, Any] | None = None,
        on_call: OnCall | None = None,
        static_filler: str | None = None,
        tags: Sequence[str] | None = None,
    ) -> ToolView:
        """A function the persona's LLM may call; ``parameters`` is a JSON Schema of type
        ``object``. Attach it to a persona with ``tool_ids``."""
        body = _tool(name, description, parameters, delivery, on_call, static_filler, tags)
        return await self._send(TOOLS.create(body))

    async def get_tool(self, tool_id: str) -> ToolView:
        return await self._send(TOOLS.get(tool_id))

    async def list_tools(self) -> list[ToolView]:
        return await self._send(TOOLS.list())

    async def patch_tool(self, tool_id: str, ops: Ops) -> ToolView:
        return await self._send(TOOLS.patch(tool_id, ops))

    async def delete_tool(self, tool_id: str) -> None:
        await self._send(TOOLS.delete(tool_id))
