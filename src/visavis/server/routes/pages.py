"""The browser pages: the call page (``conversation_url``) and the console. Plain HTML and
JavaScript files, no build step; the pages call the API like any other client."""

from __future__ import annotations

import html
import json
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from visavis.server.auth import JOIN_TOKEN_PARAM
from visavis.server.routes.deps import Ctx

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
#: Files the pages load; anything else under /static is a 404 (no directory walking).
ASSETS = {"call.js": "text/javascript", "console.js": "text/javascript", "visavis.css": "text/css"}

router = APIRouter(include_in_schema=False)


@router.get("/call/{conversation_id}", name="call_page", response_model=None)
async def call_page(
    conversation_id: str, request: Request, ctx: Ctx
) -> FileResponse | HTMLResponse:
    token = request.query_params.get(JOIN_TOKEN_PARAM, "")
    caller = ctx.tokens.check(token, conversation_id)
    if caller is None or await ctx.find(caller, conversation_id) is None:
        return HTMLResponse(
            "<!doctype html><title>visavis</title><p>This call link is not valid. Ask for a new "
            "link (each conversation has its own <code>conversation_url</code>).</p>",
            status_code=403,
        )
    options = ctx.settings.call_options
    servers = [s.for_browser() for s in options.ice_servers] if options else []
    # The page's RTCPeerConnection uses the server's STUN/TURN list (call.js reads it here).
    meta = f'<meta name="visavis-ice-servers" content="{html.escape(json.dumps(servers))}">'
    page = (STATIC_DIR / "call.html").read_text().replace("</head>", f"{meta}\n</head>", 1)
    return HTMLResponse(page)


@router.get("/console", name="console")
async def console() -> FileResponse:
    return FileResponse(STATIC_DIR / "console.html", media_type="text/html")


@router.get("/", name="home")
async def home() -> RedirectResponse:
    return RedirectResponse("/console")


@router.get("/static/{name}")
async def asset(name: str) -> FileResponse:
    from visavis.server.errors import not_found

    if name not in ASSETS:
        raise not_found("file", name, "the pages load only their own scripts")
    return FileResponse(STATIC_DIR / name, media_type=ASSETS[name])
