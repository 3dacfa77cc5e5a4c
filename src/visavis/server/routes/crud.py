"""One router shape for the stored, tenant-scoped resources that need nothing special:
objectives and guardrails (create, list, get, JSON-Patch, delete)."""

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel

from visavis.server.errors import not_found
from visavis.server.routes.deps import ApiCaller, Ctx
from visavis.server.routes.patching import apply_patch, validated
from visavis.server.schemas.resources import Page, PatchOp
from visavis.store import NotFoundError, Store


def resource_router(
    *,
    noun: str,
    path: str,
    id_field: str,
    body: type[BaseModel],
    view: type[BaseModel],
    create: Callable[[Store, str, BaseModel], Any],
    methods: str,
    plural: str,
) -> APIRouter:
    """CRUD under ``path`` (e.g. ``/v1/guardrails``) for the Store's ``get_<methods>``,
    ``list_<plural>``, ``update_<methods>`` and ``delete_<methods>``."""
    router = APIRouter(prefix=path, tags=[f"{noun}s"])
    hint = f"list them with GET {path}"
    fixed = {id_field, "uuid", "created_at", "updated_at"}

    def store_call(ctx: Any, name: str) -> Callable[..., Any]:
        return getattr(ctx.store, f"{name}_{methods}")

    async def fetch(ctx: Any, tenant_id: str, item_id: str) -> Any:
        try:
            return await asyncio.to_thread(store_call(ctx, "get"), tenant_id, item_id)
        except NotFoundError:
            raise not_found(noun, item_id, hint) from None

    def render(row: Any) -> BaseModel:
        fields = {name: getattr(row, name) for name in view.model_fields if hasattr(row, name)}
        if "uuid" in view.model_fields:
            fields["uuid"] = getattr(row, id_field)
        return view.model_validate(fields)

    @router.post("", status_code=201, response_model=view, name=f"create_{methods}")
    async def create_item(item: body, ctx: Ctx, caller: ApiCaller) -> Any:  # type: ignore[valid-type]
        row = await asyncio.to_thread(create, ctx.store, caller.tenant_id, item)
        return render(row)

    @router.get("", response_model=Page[view], name=f"list_{plural}")  # type: ignore[valid-type]
    async def list_items(ctx: Ctx, caller: ApiCaller) -> Any:
        rows = await asyncio.to_thread(getattr(ctx.store, f"list_{plural}"), caller.tenant_id)
        return {"data": [render(r) for r in rows], "total": len(rows)}

    @router.get("/{item_id}", response_model=view, name=f"get_{methods}")
    async def get_item(item_id: str, ctx: Ctx, caller: ApiCaller) -> Any:
        return render(await fetch(ctx, caller.tenant_id, item_id))

    @router.patch("/{item_id}", response_model=view, name=f"patch_{methods}")
    async def patch_item(item_id: str, ops: list[PatchOp], ctx: Ctx, caller: ApiCaller) -> Any:
        current = render(await fetch(ctx, caller.tenant_id, item_id))
        document = current.model_dump(mode="json", exclude=fixed)
        changed = validated(body, apply_patch(document, ops, fixed))
        try:
            row = await asyncio.to_thread(
                store_call(ctx, "update"),
                caller.tenant_id,
                item_id,
                **changed.model_dump(mode="json"),
            )
        except NotFoundError:
            raise not_found(noun, item_id, hint) from None
        return render(row)

    @router.delete("/{item_id}", status_code=204, name=f"delete_{methods}")
    async def delete_item(item_id: str, ctx: Ctx, caller: ApiCaller) -> Response:
        try:
            await asyncio.to_thread(store_call(ctx, "delete"), caller.tenant_id, item_id)
        except NotFoundError:
            raise not_found(noun, item_id, hint) from None
        return Response(status_code=204)

    return router
