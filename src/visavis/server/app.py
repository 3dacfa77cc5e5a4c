"""The FastAPI app: conversations over REST, WebRTC signalling, and the browser call page.

Endpoints (all JSON; errors are ``{"error", "message", "details"?}`` with a message that says
what to fix):

- ``POST /v1/conversations``                create a conversation (status ``active``)
- ``GET  /v1/conversations``                list them, newest first
- ``GET  /v1/conversations/{id}``           status, live transcript, outcome once ended
- ``POST /v1/conversations/{id}/end``       end it (and its live call, if any)
- ``POST /v1/conversations/{id}/webrtc``    SDP offer in, SDP answer out: starts the live call
- ``WS   /v1/conversations/{id}/events``    the call's timeline events (past, then live) out;
                                            ``conversation.respond``/``.echo``/``.interrupt`` in
- ``GET  /call/{id}``                       the browser page that joins the call
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, HTTPException, Request, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse

from visavis.engines import Engines
from visavis.runtime.events import BaseEvent
from visavis.server.events import FINISHED, EventHub, InboundError, parse_inbound
from visavis.server.live import LiveCall, LiveCallOptions, OfferError, check_offer_text
from visavis.server.registry import ConversationRecord, ConversationRegistry, InMemoryRegistry
from visavis.server.schemas import (
    ConversationCreated,
    ConversationList,
    ConversationView,
    CreateConversation,
    SessionDescription,
)

if TYPE_CHECKING:
    from visavis.store import Store

STATIC_DIR = Path(__file__).parent / "static"


class ApiError(HTTPException):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(status, message)
        self.error = error


class EngineProvider:
    """The speech engines, loaded once (on first use, or at startup when ``preload``)."""

    def __init__(self, engines: Engines | None) -> None:
        self._engines = engines
        self._lock = asyncio.Lock()

    async def get(self) -> Engines:
        if self._engines is None:
            async with self._lock:
                if self._engines is None:
                    from visavis.engines import load_engines

                    # Loading takes seconds of CPU: keep the loop (and other calls) responsive.
                    self._engines = await asyncio.to_thread(load_engines, deterministic=False)
        return self._engines


def create_app(
    engines: Engines | None = None,
    *,
    registry: ConversationRegistry | None = None,
    data_dir: Path | None = None,
    call_options: LiveCallOptions | None = None,
    preload: bool = False,
    database_url: str | None = None,
    tenant_id: str = "default",
) -> FastAPI:
    """The server app. ``engines`` None loads the embedded live engines on the first call (or
    at startup with ``preload``); ``data_dir`` holds per-call scratch files (the clinic DB).

    ``database_url`` (a SQLAlchemy URL, e.g. ``sqlite:///visavis.db``) keeps conversations,
    timelines and outcomes in that database, migrated to the newest schema here; without it
    (and without ``registry``) they live in memory for the life of the process."""
    if registry is not None and database_url is not None:
        raise ValueError("pass registry or database_url, not both")
    provider = EngineProvider(engines)
    store: Store | None = None
    if database_url is not None:
        from visavis.server.persist import StoreRegistry
        from visavis.store import Store

        store = Store(database_url)
        # Here rather than in the lifespan: in-process test transports do not run lifespans.
        store.migrate()
        registry = StoreRegistry(store, tenant_id)
    conversations: ConversationRegistry = registry or InMemoryRegistry()
    hub = EventHub()
    scratch = data_dir or Path(tempfile.mkdtemp(prefix="visavis-server-"))
    calls: dict[str, LiveCall] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if preload:
            await provider.get()
        yield
        # Shutting down: hang up every live call so peers see the end and records are final.
        for call in list(calls.values()):
            call.end("server_shutdown")
        await asyncio.gather(*(call.wait() for call in list(calls.values())))
        if store is not None:
            store.dispose()

    app = FastAPI(title="visavis", version="0.1.0", lifespan=lifespan)
    app.state.registry = conversations
    app.state.calls = calls
    app.state.hub = hub

    # --- errors -------------------------------------------------------------------------------

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            {"error": exc.error, "message": exc.detail}, status_code=exc.status_code
        )

    @app.exception_handler(HTTPException)
    async def _http_error(_: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse(
            {"error": "http_error", "message": str(exc.detail)}, status_code=exc.status_code
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": ".".join(str(p) for p in err["loc"]), "problem": err["msg"]}
            for err in exc.errors()
        ]
        summary = "; ".join(f"{d['field']}: {d['problem']}" for d in details)
        return JSONResponse(
            {
                "error": "invalid_request",
                "message": f"fix the request: {summary}",
                "details": details,
            },
            status_code=422,
        )

    # --- conversations ------------------------------------------------------------------------

    def lookup(conversation_id: str) -> ConversationRecord | None:
        """The live call's own record if there is one (no database round trip)."""
        call = calls.get(conversation_id)
        return call.record if call is not None else conversations.get(conversation_id)

    async def find(conversation_id: str) -> ConversationRecord:
        record = await asyncio.to_thread(lookup, conversation_id)
        if record is None:
            raise ApiError(
                404,
                "not_found",
                f"no conversation {conversation_id!r}; create one with POST /v1/conversations "
                "or list them with GET /v1/conversations",
            )
        return record

    def call_url(request: Request, conversation_id: str) -> str:
        return str(request.url_for("call_page", conversation_id=conversation_id))

    def view(request: Request, record: ConversationRecord) -> ConversationView:
        req = record.request
        return ConversationView(
            conversation_id=record.conversation_id,
            conversation_url=call_url(request, record.conversation_id),
            status=record.status,
            created_at=record.created_at,
            persona_id=record.persona_id,
            conversational_context=req.conversational_context,
            custom_greeting=req.custom_greeting,
            callback_url=str(req.callback_url) if req.callback_url else None,
            properties=req.properties.model_dump(mode="json"),
            live=record.conversation_id in calls,
            ended_at=record.ended_at,
            end_reason=record.end_reason,
            transcript=record.transcript(),
            outcome=record.outcome,
        )

    @app.post("/v1/conversations", status_code=201, response_model=ConversationCreated)
    async def create_conversation(body: CreateConversation, request: Request) -> Any:
        record = ConversationRecord(conversation_id=f"c{uuid.uuid4().hex[:12]}", request=body)
        await asyncio.to_thread(conversations.add, record)
        return ConversationCreated(
            conversation_id=record.conversation_id,
            conversation_url=call_url(request, record.conversation_id),
            status=record.status,
            created_at=record.created_at,
        )

    @app.get("/v1/conversations", response_model=ConversationList)
    async def list_conversations(request: Request) -> Any:
        records = await asyncio.to_thread(conversations.all)
        return ConversationList(data=[view(request, r) for r in records], total=len(records))

    @app.get("/v1/conversations/{conversation_id}", response_model=ConversationView)
    async def get_conversation(conversation_id: str, request: Request) -> Any:
        return view(request, await find(conversation_id))

    @app.post("/v1/conversations/{conversation_id}/end", response_model=ConversationView)
    async def end_conversation(conversation_id: str, request: Request) -> Any:
        record = await find(conversation_id)
        call = calls.get(conversation_id)
        if call is not None:
            call.end("ended_by_api")
            await call.wait()  # so the response carries the outcome
        if record.status != "ended":  # else the call has recorded (and saved) its end
            record.mark_ended("ended_by_api")
            await asyncio.to_thread(conversations.save, record)
        hub.finish(conversation_id)
        return view(request, record)

    # --- WebRTC signalling --------------------------------------------------------------------

    @app.post("/v1/conversations/{conversation_id}/webrtc", response_model=SessionDescription)
    async def webrtc_offer(conversation_id: str, body: SessionDescription) -> Any:
        record = await find(conversation_id)
        if body.type != "offer":
            raise ApiError(400, "bad_offer", 'send {"type": "offer", "sdp": ...}, not an answer')
        if record.status == "ended":
            raise ApiError(
                409,
                "conversation_ended",
                f"conversation {conversation_id!r} has ended; create a new one",
            )
        if conversation_id in calls:
            raise ApiError(
                409,
                "already_connected",
                f"conversation {conversation_id!r} already has a live peer; one peer per call",
            )
        try:
            check_offer_text(body.sdp)
        except OfferError as exc:
            raise ApiError(400, "bad_offer", str(exc)) from exc
        call = LiveCall(record, conversations, await provider.get(), scratch, call_options, hub)
        calls[conversation_id] = call
        try:
            answer = await call.accept(body.sdp)
        except OfferError as exc:
            calls.pop(conversation_id, None)
            await call.pc.close()
            raise ApiError(400, "bad_offer", str(exc)) from exc
        assert call.task is not None
        call.task.add_done_callback(lambda _: calls.pop(conversation_id, None))
        return SessionDescription(sdp=answer.sdp, type="answer")

    # --- the event socket --------------------------------------------------------------------

    @app.websocket("/v1/conversations/{conversation_id}/events")
    async def event_socket(websocket: WebSocket, conversation_id: str) -> None:
        record = await asyncio.to_thread(lookup, conversation_id)
        await websocket.accept()
        if record is None:
            await websocket.send_json(
                {
                    "message_type": "error",
                    "error": "not_found",
                    "message": f"no conversation {conversation_id!r}",
                }
            )
            await websocket.close(code=4404)
            return
        # No await between the snapshot and the subscription: no event is missed or doubled.
        call = calls.get(conversation_id)
        if call is not None:
            record = call.record
        past = list(record.events)
        queue = hub.subscribe(conversation_id) if record.status != "ended" else None

        async def send_events() -> None:
            last_seq = -1

            async def send(event: BaseEvent) -> None:
                nonlocal last_seq
                if event.seq > last_seq:
                    last_seq = event.seq
                    await websocket.send_json(event.to_protocol(conversation_id))

            for event in past:
                await send(event)
            while queue is not None:
                event = await queue.get()
                if event is FINISHED:
                    break
                await send(event)

        async def receive_events() -> None:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                try:
                    text = message.get("text")
                    if text is None:
                        raise InboundError("invalid_message", "send JSON as text frames")
                    event = parse_inbound(text, conversation_id)
                    live = calls.get(conversation_id)
                    if live is None or live.conversation is None:
                        raise InboundError(
                            "not_live",
                            f"conversation {conversation_id!r} has no live call to send "
                            "events to; connect a peer first (POST .../webrtc)",
                        )
                except InboundError as exc:
                    await websocket.send_json(exc.body())
                    continue
                live.conversation.inject(event)

        sender = asyncio.create_task(send_events())
        receiver = asyncio.create_task(receive_events())
        try:
            done, _ = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
            if sender in done and sender.exception() is None:
                await websocket.close()  # the conversation is over and everything was sent
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            for task in (sender, receiver):
                task.cancel()
            await asyncio.gather(sender, receiver, return_exceptions=True)
            if queue is not None:
                hub.unsubscribe(conversation_id, queue)

    # --- the browser page ---------------------------------------------------------------------

    @app.get("/call/{conversation_id}", name="call_page", include_in_schema=False)
    async def call_page(conversation_id: str) -> FileResponse:
        await find(conversation_id)
        return FileResponse(STATIC_DIR / "call.html", media_type="text/html")

    @app.get("/static/call.js", include_in_schema=False)
    async def call_script() -> FileResponse:
        return FileResponse(STATIC_DIR / "call.js", media_type="text/javascript")

    return app
