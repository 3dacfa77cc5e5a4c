"""``/v1/tools``: functions a persona's LLM may call (attached with the persona's ``tool_ids``).

A tool's call is delivered to the application as ``conversation.tool_call`` (the default), or
POSTed by the server to the tool's URL. That delivery's ``headers`` are write-only.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Response

from visavis.server.errors import ApiError, not_found
from visavis.server.routes.deps import ApiCaller, Ctx
from visavis.server.routes.patching import apply_patch, validated
from visavis.server.schemas.knowledge import MASK, ToolBody, ToolView
from visavis.server.schemas.resources import Page, PatchOp
from visavis.store import ConflictError, NotFoundError, Tool

router = APIRouter(prefix="/v1/tools", tags=["tools"])
HINT = "list them with GET /v1/tools"
#: What a PATCH may not touch.
FIXED = {"tool_id", "uuid", "created_at", "updated_at"}


def render(row: Tool) -> ToolView:
    delivery = dict(row.delivery or {})
    if delivery.get("headers"):
        # Write-only: the header names show which are set, never their values.
        delivery["headers"] = dict.fromkeys(delivery["headers"], MASK)
    return ToolView.model_validate(
        {
            **{name: getattr(row, name) for name in ToolBody.model_fields},
            "delivery": delivery,
            "tool_id": row.tool_id,
            "uuid": row.tool_id,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
        }
    )


def _fields(body: ToolBody) -> dict[str, Any]:
    return body.model_dump(mode="json", exclude={"name", "description"})


def _conflict(exc: ConflictError) -> ApiError:
    return ApiError(409, "duplicate_tool", f"{exc}; pick another name or PATCH that tool")


async def _get(ctx: Any, tenant_id: str, tool_id: str) -> Tool:
    try:
        return await asyncio.to_thread(ctx.store.get_tool, tenant_id, tool_id)
    except NotFoundError:
        raise not_found("tool", tool_id, HINT) from None


@router.post("", status_code=201, response_model=ToolView)
async def create_tool(body: ToolBody, ctx: Ctx, caller: ApiCaller) -> Any:
    try:
        row = await asyncio.to_thread(
            ctx.store.create_tool, caller.tenant_id, body.name, body.description, **_fields(body)
        )
    except ConflictError as exc:
        raise _conflict(exc) from None
    return render(row)


@router.get("", response_model=Page[ToolView])
async def list_tools(ctx: Ctx, caller: ApiCaller) -> Any:
    rows = await asyncio.to_thread(ctx.store.list_tools, caller.tenant_id)
    return {"data": [render(r) for r in rows], "total": len(rows)}


@router.get("/{tool_id}", response_model=ToolView)
async def get_tool(tool_id: str, ctx: Ctx, caller: ApiCaller) -> Any:
    return render(await _get(ctx, caller.tenant_id, tool_id))


@router.patch("/{tool_id}", response_model=ToolView)
async def patch_tool(
    tool_id: str, changes: list[PatchOp] | dict[str, Any], ctx: Ctx, caller: ApiCaller
) -> Any:
    """JSON-Patch operations, or an object of the fields to replace."""
    row = await _get(ctx, caller.tenant_id, tool_id)
    # Patch the stored definition (with its headers), not the masked view.
    current = {name: getattr(row, name) for name in ToolBody.model_fields}
    if isinstance(changes, list):
        body = validated(ToolBody, apply_patch(current, changes, FIXED))
    else:
        if FIXED & set(changes):
            raise ApiError(
                422, "invalid_patch", f"{sorted(FIXED & set(changes))} cannot be changed"
            )
        body = validated(ToolBody, {**current, **changes})
    fields = _fields(body)
    stored = (row.delivery or {}).get("headers") or {}
    headers = fields["delivery"].get("headers") or {}
    for name, value in headers.items():
        if value == MASK and name in stored:
            headers[name] = stored[name]  # the masked value read back: keep the secret
    try:
        updated = await asyncio.to_thread(
            ctx.store.update_tool,
            caller.tenant_id,
            tool_id,
            name=body.name,
            description=body.description,
            **fields,
        )
    except NotFoundError:
        raise not_found("tool", tool_id, HINT) from None
    except ConflictError as exc:
        raise _conflict(exc) from None
    return render(updated)


@router.delete("/{tool_id}", status_code=204)
async def delete_tool(tool_id: str, ctx: Ctx, caller: ApiCaller) -> Response:
    try:
        await asyncio.to_thread(ctx.store.delete_tool, caller.tenant_id, tool_id)
    except NotFoundError:
        raise not_found("tool", tool_id, HINT) from None
    return Response(status_code=204)
