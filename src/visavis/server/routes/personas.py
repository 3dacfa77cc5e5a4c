"""``/v1/personas`` (alias ``/v1/pals``): the agents a conversation runs.

The flagship persona (``post_discharge``, from ``examples/post_discharge``) is built in and
read-only; personas created here are stored per tenant. A conversation with a stored persona
uses its face, context and conversational-flow layer; the embedded objectives engine runs the
post-discharge objectives (an LLM mind, configured in ``layers.llm``, runs others)."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Response

from visavis.face import list_avatars
from visavis.mind.persona import load_persona
from visavis.paths import POST_DISCHARGE_DIR
from visavis.perception.layer import PerceptionLayer
from visavis.server.auth import Caller
from visavis.server.context import ServerContext
from visavis.server.errors import ApiError, not_found
from visavis.server.routes.deps import ApiCaller, Ctx
from visavis.server.routes.patching import apply_patch, validated
from visavis.server.schemas import BUILTIN_PERSONA
from visavis.server.schemas.resources import Layers, Page, PatchOp, PersonaBody, PersonaView
from visavis.store import NotFoundError

router = APIRouter(tags=["personas"])
HINT = "list them with GET /v1/personas"
#: What a PATCH may not touch.
FIXED = {"persona_id", "builtin", "created_at", "updated_at"}


@lru_cache(maxsize=1)
def builtin_persona() -> PersonaView:
    persona = load_persona(POST_DISCHARGE_DIR / "persona.yaml")
    return PersonaView(
        persona_id=BUILTIN_PERSONA,
        persona_name=f"{persona.name}, {persona.role} ({persona.organisation})",
        system_prompt=persona.system_prompt,
        default_replica_id=persona.default_avatar,
        layers=Layers(perception=PerceptionLayer.model_validate(persona.perception)),
        builtin=True,
    )


def persona_view(row: Any) -> PersonaView:
    view = PersonaView.model_validate(row, from_attributes=True)
    llm = view.layers.llm
    if llm is not None and llm.api_key:
        # Write-only: a key given to the persona is used, never shown again.
        view.layers.llm = llm.model_copy(update={"api_key": "********"})
    perception = view.layers.perception
    if perception is not None and perception.vision_model and perception.vision_model.api_key:
        masked = perception.vision_model.model_copy(update={"api_key": "********"})
        view.layers.perception = perception.model_copy(update={"vision_model": masked})
    return view


async def find_persona(ctx: ServerContext, caller: Caller, persona_id: str) -> PersonaView:
    if persona_id == BUILTIN_PERSONA:
        return builtin_persona()
    try:
        row = await asyncio.to_thread(ctx.store.get_persona, caller.tenant_id, persona_id)
    except NotFoundError:
        raise not_found("persona", persona_id, HINT) from None
    return persona_view(row)


async def check_persona(ctx: ServerContext, caller: Caller, body: PersonaBody) -> None:
    """References must resolve: an unknown face or guardrail would only fail mid-call."""
    if body.default_replica_id is not None and body.default_replica_id not in list_avatars():
        raise ApiError(
            422,
            "unknown_replica",
            f"no replica {body.default_replica_id!r}; use one of {list_avatars()}",
        )
    store, tenant = ctx.store, caller.tenant_id
    try:
        if body.objectives_id is not None:
            await asyncio.to_thread(store.get_objectives, tenant, body.objectives_id)
        for guardrail_id in body.guardrail_ids:
            await asyncio.to_thread(store.get_guardrail, tenant, guardrail_id)
    except NotFoundError as exc:
        raise ApiError(422, "unknown_reference", f"{exc}; create it first") from None
    for kind, ids, get, how in (
        ("documents", body.document_ids, store.get_document, "upload them with POST /v1/documents"),
        ("tools", body.tool_ids, store.get_tool, "create them with POST /v1/tools"),
    ):
        missing = [i for i in ids if not await _exists(get, tenant, i)]
        if missing:
            raise ApiError(422, "unknown_reference", f"no {kind} {missing}; {how}")


async def _exists(get: Any, tenant_id: str, item_id: str) -> bool:
    try:
        await asyncio.to_thread(get, tenant_id, item_id)
    except NotFoundError:
        return False
    return True


def _fields(body: PersonaBody) -> dict[str, Any]:
    data = body.model_dump(mode="json", exclude={"persona_name"})
    data["layers"] = body.layers.model_dump(mode="json", exclude_none=True)
    return data


@router.post("/v1/personas", status_code=201, response_model=PersonaView)
@router.post("/v1/pals", status_code=201, response_model=PersonaView, include_in_schema=False)
async def create_persona(body: PersonaBody, ctx: Ctx, caller: ApiCaller) -> Any:
    await check_persona(ctx, caller, body)
    row = await asyncio.to_thread(
        ctx.store.create_persona, caller.tenant_id, body.persona_name, **_fields(body)
    )
    return persona_view(row)


@router.get("/v1/personas", response_model=Page[PersonaView])
@router.get("/v1/pals", response_model=Page[PersonaView], include_in_schema=False)
async def list_personas(ctx: Ctx, caller: ApiCaller) -> Any:
    rows = await asyncio.to_thread(ctx.store.list_personas, caller.tenant_id)
    data = [builtin_persona(), *(persona_view(r) for r in rows)]
    return Page[PersonaView](data=data, total=len(data))


@router.get("/v1/personas/{persona_id}", response_model=PersonaView)
@router.get("/v1/pals/{persona_id}", response_model=PersonaView, include_in_schema=False)
async def get_persona(persona_id: str, ctx: Ctx, caller: ApiCaller) -> Any:
    return await find_persona(ctx, caller, persona_id)


def _read_only(persona_id: str) -> None:
    if persona_id == BUILTIN_PERSONA:
        raise ApiError(
            403,
            "read_only",
            "the built-in persona cannot be changed; create your own with POST /v1/personas",
        )


@router.patch("/v1/personas/{persona_id}", response_model=PersonaView)
@router.patch("/v1/pals/{persona_id}", response_model=PersonaView, include_in_schema=False)
async def patch_persona(persona_id: str, ops: list[PatchOp], ctx: Ctx, caller: ApiCaller) -> Any:
    _read_only(persona_id)
    current = await find_persona(ctx, caller, persona_id)
    row = await asyncio.to_thread(ctx.store.get_persona, caller.tenant_id, persona_id)
    # Patch the stored document (with any api_key), not the masked view.
    document = {
        **current.model_dump(mode="json", exclude=FIXED),
        "layers": dict(row.layers or {}),
    }
    body = validated(PersonaBody, apply_patch(document, ops, FIXED))
    await check_persona(ctx, caller, body)
    updated = await asyncio.to_thread(
        ctx.store.update_persona,
        caller.tenant_id,
        persona_id,
        persona_name=body.persona_name,
        **_fields(body),
    )
    return persona_view(updated)


@router.delete("/v1/personas/{persona_id}", status_code=204)
@router.delete("/v1/pals/{persona_id}", status_code=204, include_in_schema=False)
async def delete_persona(persona_id: str, ctx: Ctx, caller: ApiCaller) -> Response:
    _read_only(persona_id)
    try:
        await asyncio.to_thread(ctx.store.delete_persona, caller.tenant_id, persona_id)
    except NotFoundError:
        raise not_found("persona", persona_id, HINT) from None
    return Response(status_code=204)
