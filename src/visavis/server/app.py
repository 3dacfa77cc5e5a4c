"""The FastAPI app: the REST API, WebRTC signalling, the event socket and the browser pages.

Every ``/v1`` route needs an API key (``x-api-key`` or ``Authorization: Bearer``), except the
routes a call page uses, which also take the conversation's join token. See docs/api.md.

- ``/v1/conversations``                      create, list; ``/{id}`` get, delete; ``/{id}/end``
- ``/v1/conversations/{id}/webrtc``          SDP offer in, answer out: joins the live call
- ``WS /v1/conversations/{id}/events``       timeline events out, protocol events in
- ``/v1/personas`` (``/v1/pals``)            CRUD; the built-in ``post_discharge`` is read-only
- ``/v1/objectives``, ``/v1/guardrails``     CRUD
- ``/v1/documents``, ``/v1/tools``           CRUD (documents: a multipart file or a URL)
- ``/v1/memory_stores`` (``/v1/memory-stores``)  list; a store's memories; forget one or all
- ``/v1/replicas`` (``/v1/faces``, ``/v1/avatars``)  the faces, with thumbnails
- ``/call/{id}?t=<join token>``              the call page; ``/console`` the console
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from visavis.engines import Engines
from visavis.server.auth import API_KEY_HEADER, JOIN_TOKEN_HEADER
from visavis.server.context import ServerContext, ServerSettings
from visavis.server.errors import install_error_handlers
from visavis.server.limits import AccessLog, BodySizeLimit
from visavis.server.live import LiveCallOptions
from visavis.server.routes import (
    conversations,
    documents,
    live,
    memories,
    pages,
    personas,
    replicas,
    tools,
)
from visavis.server.routes.resources import guardrails_router, objectives_router


def create_app(
    engines: Engines | None = None,
    *,
    settings: ServerSettings | None = None,
    data_dir: Path | None = None,
    call_options: LiveCallOptions | None = None,
    preload: bool = False,
    database_url: str | None = None,
) -> FastAPI:
    """The server app. ``engines`` None loads the embedded live engines on the first call (or
    at startup with ``preload``). ``database_url`` (a SQLAlchemy URL, e.g.
    ``sqlite:///visavis.db``) keeps everything in that database, migrated here; without it the
    database is in memory for the life of the process. The keyword shortcuts override the
    matching ``settings`` fields."""
    settings = settings or ServerSettings()
    overrides: dict[str, Any] = {"data_dir": data_dir, "call_options": call_options}
    overrides["database_url"] = database_url
    settings = replace(
        settings,
        preload=settings.preload or preload,
        **{k: v for k, v in overrides.items() if v is not None},
    )
    ctx = ServerContext.open(settings, engines)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await ctx.startup()
        try:
            yield
        finally:
            await ctx.shutdown()

    app = FastAPI(
        title="visavis",
        version="0.1.0",
        summary="Real-time conversational video agents, self-hosted.",
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    install_error_handlers(app)
    # Outermost first: log every request, then refuse oversize bodies before any parsing.
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        routes={documents.UPLOAD_ROUTE: documents.UPLOAD_MAX_BODY},
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["content-type", "authorization", API_KEY_HEADER, JOIN_TOKEN_HEADER],
            max_age=600,
        )
    app.add_middleware(AccessLog)
    for router in (
        conversations.router,
        live.router,
        personas.router,
        objectives_router,
        guardrails_router,
        documents.router,
        memories.router,
        tools.router,
        replicas.router,
        pages.router,
    ):
        app.include_router(router)
    return app
