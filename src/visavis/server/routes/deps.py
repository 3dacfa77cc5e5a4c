"""FastAPI dependencies shared by the routers: the server context and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from visavis.server.auth import Caller
from visavis.server.context import ServerContext, server_context

Ctx = Annotated[ServerContext, Depends(server_context)]


async def api_caller(request: Request) -> Caller:
    """The tenant of the request's API key (401 without a valid one)."""
    return await server_context(request).caller(request.headers, request.query_params)


async def conversation_caller(request: Request, conversation_id: str) -> Caller:
    """An API key, or the join token of the conversation in the path (the call page)."""
    return await server_context(request).conversation_caller(
        request.headers, request.query_params, conversation_id
    )


ApiCaller = Annotated[Caller, Depends(api_caller)]
ConversationCaller = Annotated[Caller, Depends(conversation_caller)]
