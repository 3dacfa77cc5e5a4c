"""Typed Python clients for a visavis server: the REST API and the event socket.

Create a conversation, send someone its link, and follow it live::

    from visavis.sdk import Client

    with Client("http://127.0.0.1:8000", api_key="vv_...") as client:
        conversation = client.create_conversation(conversation_name="Follow-up call")
        print(conversation.conversation_url)  # the call page, with its join token
        with client.events(conversation.conversation_id) as stream:
            for event in stream:  # past events, then live ones, until the call ends
                if event["event_type"] == "conversation.utterance":
                    print(event["properties"]["role"], event["properties"]["speech"])
        print(client.get_conversation(conversation.conversation_id).transcript)

The same with ``AsyncClient`` (``async with`` and ``await``)::

    async with AsyncClient(url, key) as client, client.events(cid) as stream:
        await stream.echo("Hello from the application.")
        async for event in stream:
            ...

Errors from the server raise ``VisavisError`` (``status``, ``error``, ``message``), or its
subclasses ``AuthenticationError`` (401), ``PermissionDeniedError`` (403), ``NotFoundError``
(404), ``ConflictError`` (409) and ``InvalidRequestError`` (422). A webhook receiver checks a
callback with ``verify_webhook(secret, raw_body, request.headers["X-Visavis-Signature"])``.

The SDK imports nothing from ``visavis.server`` (which loads WebRTC and the speech engines):
its result models in ``visavis.sdk.models`` mirror the server's, and tests keep them in step.
"""

from visavis.sdk.async_client import AsyncClient
from visavis.sdk.client import Client
from visavis.sdk.errors import (
    AuthenticationError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    VisavisError,
)
from visavis.sdk.events import AsyncEventStream, EventStream
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
    TranscriptLine,
    TurnLatencyView,
)
from visavis.sdk.webhooks import SIGNATURE_HEADER, WEBHOOK_ID_HEADER, verify_webhook

__all__ = [
    "SIGNATURE_HEADER",
    "WEBHOOK_ID_HEADER",
    "AsyncClient",
    "AsyncEventStream",
    "AuthenticationError",
    "Client",
    "ConflictError",
    "ConversationCreated",
    "ConversationView",
    "DocumentDetail",
    "DocumentView",
    "EventStream",
    "GuardrailView",
    "InvalidRequestError",
    "MemoryStoreView",
    "MemoryView",
    "NotFoundError",
    "Objective",
    "ObjectivesView",
    "PatchOp",
    "PermissionDeniedError",
    "PersonaView",
    "Replica",
    "ToolView",
    "TranscriptLine",
    "TurnLatencyView",
    "VisavisError",
    "verify_webhook",
]
