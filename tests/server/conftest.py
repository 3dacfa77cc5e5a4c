"""Helpers for the server tests: an API key and clients that send it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx


def api_key(app: Any, tenant_id: str = "default") -> str:
    """A fresh API key of ``tenant_id`` on ``app``'s database."""
    return app.state.ctx.store.create_api_key(tenant_id, "test")


@asynccontextmanager
async def api_client(
    app: Any, tenant_id: str = "default", key: str | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client of ``app`` that sends an API key of ``tenant_id``."""
    headers = {"x-api-key": key or api_key(app, tenant_id)}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=headers
    ) as client:
        yield client
