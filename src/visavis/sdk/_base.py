"""What both SDK clients share: request building, response reading, the socket URL."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx

from visavis import __version__
from visavis.sdk import _calls
from visavis.sdk._calls import Call, ObjectiveLike
from visavis.sdk.errors import error_from_response

T = TypeVar("T")

API_KEY_HEADER = "x-api-key"
Modality = Literal["verbal", "visual"]
OnCall = Literal["generate_filler", "none"]
#: A document to upload: a path to read, or its bytes (then with a ``filename``).
Upload = str | os.PathLike[str] | bytes


def _read(call: Call[T], response: httpx.Response) -> T:
    if not response.is_success:
        raise error_from_response(response)
    return call.read(response.json() if response.content else None)


def _socket_url(base_url: str, path: str) -> str:
    """``http(s)://host/prefix`` + ``path`` as a ``ws(s)://`` URL."""
    parts = urlsplit(base_url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + path, "", ""))


def _conversation(
    persona_id: str | None,
    replica_id: str | None,
    conversation_name: str | None,
    conversational_context: str | None,
    custom_greeting: str | None,
    callback_url: str | None,
    properties: Mapping[str, Any] | None,
    extra: dict[str, Any],
) -> dict[str, Any]:
    return _calls.given(
        persona_id=persona_id,
        replica_id=replica_id,
        conversation_name=conversation_name,
        conversational_context=conversational_context,
        custom_greeting=custom_greeting,
        callback_url=callback_url,
        properties=dict(properties) if properties is not None else None,
        **extra,
    )


def _persona(
    persona_name: str,
    system_prompt: str | None,
    context: str | None,
    default_replica_id: str | None,
    layers: Mapping[str, Any] | None,
    objectives_id: str | None,
    guardrail_ids: Sequence[str] | None,
    document_ids: Sequence[str] | None,
    extra: dict[str, Any],
) -> dict[str, Any]:
    return _calls.given(
        persona_name=persona_name,
        system_prompt=system_prompt,
        context=context,
        default_replica_id=default_replica_id,
        layers=dict(layers) if layers is not None else None,
        objectives_id=objectives_id,
        guardrail_ids=list(guardrail_ids) if guardrail_ids is not None else None,
        document_ids=list(document_ids) if document_ids is not None else None,
        **extra,
    )


def _objectives(data: Sequence[ObjectiveLike], objectives_name: str | None) -> dict[str, Any]:
    return _calls.given(data=list(data), objectives_name=objectives_name)


def _guardrail(
    guardrail_name: str,
    guardrail_prompt: str,
    modality: Modality | None,
    callback_url: str | None,
    tags: Sequence[str] | None,
    app_message: bool | None,
    extra: dict[str, Any],
) -> dict[str, Any]:
    return _calls.given(
        guardrail_name=guardrail_name,
        guardrail_prompt=guardrail_prompt,
        modality=modality,
        callback_url=callback_url,
        tags=list(tags) if tags is not None else None,
        app_message=app_message,
        **extra,
    )


def _upload(path_or_bytes: Upload, filename: str | None) -> tuple[str, bytes]:
    """The file name and bytes of a document to upload: a path is read, and names the file
    unless ``filename`` does; bytes need a ``filename``, whose extension gives the type."""
    if isinstance(path_or_bytes, bytes | bytearray | memoryview):
        if not filename:
            raise ValueError(
                "uploading bytes needs a filename (say 'notes.md'): the server reads the "
                "document type from its extension"
            )
        return filename, bytes(path_or_bytes)
    path = Path(path_or_bytes)
    return filename or path.name, path.read_bytes()


def _document_url(
    document_url: str, document_name: str | None, tags: Sequence[str] | None
) -> dict[str, Any]:
    return _calls.given(
        document_url=document_url,
        document_name=document_name,
        tags=list(tags) if tags is not None else None,
    )


def _tool(
    name: str,
    description: str,
    parameters: Mapping[str, Any],
    delivery: Mapping[str, Any] | None,
    on_call: OnCall | None,
    static_filler: str | None,
    tags: Sequence[str] | None,
) -> dict[str, Any]:
    return _calls.given(
        name=name,
        description=description,
        parameters=dict(parameters),
        delivery=dict(delivery) if delivery is not None else None,
        on_call=on_call,
        static_filler=static_filler,
        tags=list(tags) if tags is not None else None,
    )


class _Base:
    def __init__(self, base_url: str, api_key: str, timeout: float) -> None:
        if not api_key:
            raise ValueError("an API key is required: create one with `visavis keys create`")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._api_key = api_key

    @property
    def _headers(self) -> dict[str, str]:
        return {API_KEY_HEADER: self._api_key, "user-agent": f"visavis-sdk/{__version__}"}

    def _socket(self, conversation_id: str) -> tuple[str, dict[str, str], str, float]:
        url = _socket_url(self.base_url, _calls.events_path(conversation_id))
        return url, {API_KEY_HEADER: self._api_key}, conversation_id, self.timeout

    def __repr__(self) -> str:  # never the key
        return f"{type(self).__name__}({self.base_url!r})"
