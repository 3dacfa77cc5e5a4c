"""The live side of a conversation: WebRTC signalling and the event socket."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from visavis.runtime.events import BaseEvent
from visavis.server.errors import ApiError
from visavis.server.events import FINISHED, InboundError, parse_inbound
from visavis.server.live import LiveCall, OfferError, check_offer_text
from visavis.server.mind_setup import mind_config
from visavis.server.routes.deps import ConversationCaller, Ctx
from visavis.server.routes.personas import find_persona
from visavis.server.schemas import SessionDescription
from visavis.server.setup import call_setup

router = APIRouter(prefix="/v1/conversations", tags=["live"])


@router.post("/{conversation_id}/webrtc", response_model=SessionDescription)
async def webrtc_offer(
    conversation_id: str, body: SessionDescription, ctx: Ctx, caller: ConversationCaller
) -> Any:
    """Join the call: an SDP offer (with every ICE candidate in it) in, the answer out."""
    record = await ctx.find(caller, conversation_id)
    if body.type != "offer":
        raise ApiError(400, "bad_offer", 'send {"type": "offer", "sdp": ...}, not an answer')
    if record.status == "ended":
        raise ApiError(
            409,
            "conversation_ended",
            f"conversation {conversation_id!r} has ended; create a new one",
        )
    if conversation_id in ctx.calls:
        raise ApiError(
            409,
            "already_connected",
            f"conversation {conversation_id!r} already has a live peer; one peer per call",
        )
    try:
        check_offer_text(body.sdp)
    except OfferError as exc:
        raise ApiError(400, "bad_offer", str(exc)) from exc
    persona = await find_persona(ctx, caller, record.persona_id)
    setup = call_setup(record, persona)
    setup.mind = await mind_config(ctx.store, record)
    call = LiveCall(
        record,
        ctx.registry(record.tenant_id),
        await ctx.provider.get(),
        ctx.scratch,
        ctx.settings.call_options,
        ctx.hub,
        setup=setup,
        hooks=ctx,
    )
    ctx.calls[conversation_id] = call
    try:
        answer = await call.accept(body.sdp)
    except OfferError as exc:
        ctx.calls.pop(conversation_id, None)
        await call.pc.close()
        raise ApiError(400, "bad_offer", str(exc)) from exc
    assert call.task is not None
    call.task.add_done_callback(lambda _: ctx.calls.pop(conversation_id, None))
    return SessionDescription(sdp=answer.sdp, type="answer")


@router.websocket("/{conversation_id}/events")
async def event_socket(websocket: WebSocket, conversation_id: str) -> None:
    """The timeline's events (the past ones, then live) out; inbound protocol events in."""
    ctx = websocket.app.state.ctx
    await websocket.accept()
    try:
        caller = await ctx.conversation_caller(
            websocket.headers, websocket.query_params, conversation_id
        )
        record = await ctx.find(caller, conversation_id)
    except ApiError as exc:
        await websocket.send_json(
            {"message_type": "error", "error": exc.error, "message": exc.detail}
        )
        await websocket.close(code=4000 + exc.status_code)
        return
    call = ctx.calls.get(conversation_id)
    if call is not None:
        record = call.record
    # Subscribe, then read the past: an event in both is sent once (by ``seq``), none is missed.
    queue = ctx.hub.subscribe(conversation_id) if record.status != "ended" else None
    registry = ctx.registry(record.tenant_id)

    async def send_events() -> None:
        last_seq = -1

        async def send(event: BaseEvent) -> None:
            nonlocal last_seq
            if event.seq > last_seq:
                last_seq = event.seq
                await websocket.send_json(event.to_protocol(conversation_id))

        for event in await asyncio.to_thread(registry.events, record):
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
                live = ctx.calls.get(conversation_id)
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
            ctx.hub.unsubscribe(conversation_id, queue)
