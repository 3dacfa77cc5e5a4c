"""``/v1/conversations``: create, list, get (with the transcript and, verbose, the events),
end and delete."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from fastapi import APIRouter, Query, Request, Response

from visavis.face import list_avatars
from visavis.runtime.events import BaseEvent, PerceptionAnalysis, TurnLatency, Utterance
from visavis.server.auth import JOIN_TOKEN_PARAM, Caller
from visavis.server.context import ServerContext, perception_analysis
from visavis.server.errors import ApiError
from visavis.server.registry import ConversationRecord
from visavis.server.routes.deps import ApiCaller, ConversationCaller, Ctx
from visavis.server.routes.personas import find_persona
from visavis.server.schemas import (
    ConversationCreated,
    ConversationList,
    ConversationView,
    CreateConversation,
    TurnLatencyView,
)
from visavis.store import NotFoundError

router = APIRouter(prefix="/v1/conversations", tags=["conversations"])


def conversation_url(ctx: ServerContext, request: Request, record: ConversationRecord) -> str:
    page = request.url_for("call_page", conversation_id=record.conversation_id)
    return f"{page}?{JOIN_TOKEN_PARAM}={ctx.join_url_token(record)}"


def view(
    ctx: ServerContext,
    request: Request,
    record: ConversationRecord,
    events: list[BaseEvent],
    verbose: bool = False,
) -> ConversationView:
    """``record`` as the API shows it; ``events``: its timeline as ``read`` gives it."""
    req = record.request
    return ConversationView(
        conversation_id=record.conversation_id,
        conversation_name=req.conversation_name,
        conversation_url=conversation_url(ctx, request, record),
        status=record.status,
        created_at=record.created_at,
        persona_id=record.persona_id,
        replica_id=req.replica_id,
        conversational_context=req.conversational_context,
        custom_greeting=req.custom_greeting,
        callback_url=str(req.callback_url) if req.callback_url else None,
        properties=req.properties.model_dump(mode="json"),
        memory_stores=req.memory_stores,
        document_ids=req.document_ids,
        document_tags=req.document_tags,
        document_retrieval_strategy=req.document_retrieval_strategy,
        # The call task outlives the record's end by its teardown; ended is not live.
        live=record.conversation_id in ctx.calls and record.status != "ended",
        ended_at=record.ended_at,
        end_reason=record.end_reason,
        transcript=record.transcript(events),
        outcome=record.outcome,
        latencies=[
            TurnLatencyView.model_validate(e, from_attributes=True)
            for e in events
            if isinstance(e, TurnLatency)
        ],
        user_state=_user_state(ctx, record),
        perception_analysis=perception_analysis(events),
        events=[e.to_protocol(record.conversation_id) for e in events] if verbose else None,
    )


#: What a view shows of a call's timeline, unless ``verbose``.
VIEW_EVENTS = (Utterance, TurnLatency, PerceptionAnalysis)


async def read(ctx: ServerContext, record: ConversationRecord, verbose: bool) -> list[BaseEvent]:
    """What ``view`` needs of the record's timeline: a live call keeps only its latest events
    in memory, so the rest is read from the database (every event only when ``verbose``)."""
    types = None if verbose else VIEW_EVENTS
    return await asyncio.to_thread(ctx.registry(record.tenant_id).events, record, types)


def _user_state(ctx: ServerContext, record: ConversationRecord) -> dict[str, Any] | None:
    call = ctx.calls.get(record.conversation_id)
    if call is None or call.conversation is None or record.status == "ended":
        return None
    return call.conversation.perception.state.as_dict()


async def check_references(ctx: ServerContext, caller: Caller, body: CreateConversation) -> None:
    """The persona and replica a conversation names must exist (for this tenant)."""
    if body.persona_id is not None:
        await find_persona(ctx, caller, body.persona_id)
    if body.replica_id is not None and body.replica_id not in list_avatars():
        raise ApiError(
            422,
            "unknown_replica",
            f"no replica {body.replica_id!r}; use one of {list_avatars()} (GET /v1/replicas)",
        )


@router.post("", status_code=201, response_model=ConversationCreated)
async def create_conversation(
    body: CreateConversation, request: Request, ctx: Ctx, caller: ApiCaller
) -> Any:
    await check_references(ctx, caller, body)
    record = ConversationRecord(conversation_id="", request=body, tenant_id=caller.tenant_id)
    await asyncio.to_thread(ctx.registry(caller.tenant_id).add, record)
    ctx.watch_absence(record)
    return ConversationCreated(
        conversation_id=record.conversation_id,
        conversation_name=body.conversation_name,
        conversation_url=conversation_url(ctx, request, record),
        status=record.status,
        created_at=record.created_at,
    )


@router.get("", response_model=ConversationList)
async def list_conversations(request: Request, ctx: Ctx, caller: ApiCaller) -> Any:
    registry = ctx.registry(caller.tenant_id)

    def listed() -> list[tuple[ConversationRecord, list[BaseEvent]]]:
        return [(r, registry.events(r, VIEW_EVENTS)) for r in registry.all()]

    rows = await asyncio.to_thread(listed)
    return ConversationList(data=[view(ctx, request, r, e) for r, e in rows], total=len(rows))


@router.get("/{conversation_id}", response_model=ConversationView)
async def get_conversation(
    conversation_id: str,
    request: Request,
    ctx: Ctx,
    caller: ApiCaller,
    verbose: bool = Query(False, description="include the whole timeline as `events`"),
) -> Any:
    record = await ctx.find(caller, conversation_id)
    return view(ctx, request, record, await read(ctx, record, verbose), verbose)


@router.post("/{conversation_id}/end", response_model=ConversationView)
async def end_conversation(
    conversation_id: str, request: Request, ctx: Ctx, caller: ConversationCaller
) -> Any:
    record = await ctx.find(caller, conversation_id)
    await ctx.end(record, "ended_by_api")
    return view(ctx, request, record, await read(ctx, record, verbose=False))


@router.delete("/{conversation_id}", status_code=204)
async def delete_conversation(conversation_id: str, ctx: Ctx, caller: ApiCaller) -> Response:
    record = await ctx.find(caller, conversation_id)
    await ctx.end(record, "ended_by_api")
    # Deleted meanwhile by another request: the outcome is the same.
    with contextlib.suppress(NotFoundError):
        await asyncio.to_thread(ctx.registry(caller.tenant_id).delete, conversation_id)
    return Response(status_code=204)
