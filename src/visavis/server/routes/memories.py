"""``/v1/memory_stores`` (alias ``/v1/memory-stores``): what calls remembered about people.

A memory store is the app's key for a person (``memory_stores`` when a conversation is
created); it exists while it holds memories. Deleting a store forgets that person entirely.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from visavis.server.errors import not_found
from visavis.server.routes.deps import ApiCaller, Ctx
from visavis.server.schemas.knowledge import MemoryStoreView, MemoryView
from visavis.server.schemas.resources import Page
from visavis.store import NotFoundError

router = APIRouter(tags=["memories"])
HINT = "list them with GET /v1/memory_stores"
PREFIXES = ("/v1/memory_stores", "/v1/memory-stores")
StorePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.:@-]{1,64}$")]


async def list_memory_stores(ctx: Ctx, caller: ApiCaller) -> Any:
    stores = await asyncio.to_thread(ctx.store.list_memory_stores, caller.tenant_id)
    return {"data": stores, "total": len(stores)}


async def list_memories(
    memory_store: StorePath,
    ctx: Ctx,
    caller: ApiCaller,
    limit: int = Query(100, ge=1, le=1000),
) -> Any:
    """Newest first."""
    rows = await asyncio.to_thread(
        ctx.store.recent_memories, caller.tenant_id, [memory_store], limit
    )
    if not rows:
        raise not_found("memory store", memory_store, HINT)
    data = [MemoryView.model_validate(r, from_attributes=True) for r in rows]
    return {"data": data, "total": len(data)}


async def delete_memory(
    memory_store: StorePath, memory_id: str, ctx: Ctx, caller: ApiCaller
) -> Response:
    try:
        await asyncio.to_thread(ctx.store.delete_memory, caller.tenant_id, memory_store, memory_id)
    except NotFoundError:
        raise not_found(
            "memory", memory_id, f"list them with GET /v1/memory_stores/{memory_store}/memories"
        ) from None
    return Response(status_code=204)


async def delete_memory_store(memory_store: StorePath, ctx: Ctx, caller: ApiCaller) -> Response:
    """Forget the person: every memory in the store is deleted."""
    deleted = await asyncio.to_thread(ctx.store.delete_memory_store, caller.tenant_id, memory_store)
    if not deleted:
        raise not_found("memory store", memory_store, HINT)
    return Response(status_code=204)


for prefix in PREFIXES:
    hidden = {"include_in_schema": prefix == PREFIXES[0]}
    router.add_api_route(prefix, list_memory_stores, response_model=Page[MemoryStoreView], **hidden)
    router.add_api_route(
        prefix + "/{memory_store}/memories",
        list_memories,
        response_model=Page[MemoryView],
        **hidden,
    )
    router.add_api_route(
        prefix + "/{memory_store}/memories/{memory_id}",
        delete_memory,
        methods=["DELETE"],
        status_code=204,
        **hidden,
    )
    router.add_api_route(
        prefix + "/{memory_store}",
        delete_memory_store,
        methods=["DELETE"],
        status_code=204,
        **hidden,
    )
