"""Errors the server reports, as exceptions: ``VisavisError`` and one subclass per common status.

The server's error bodies are ``{"error": <stable code>, "message": <what to fix>}`` (plus
``details`` for a malformed request); the event socket sends the same fields and closes with
code ``4000 + status``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx


class VisavisError(Exception):
    """An error response: ``status`` (HTTP), ``error`` (a stable code such as ``not_found``)
    and ``message`` (what to fix)."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(f"{status} {error}: {message}")
        self.status = status
        self.error = error
        self.message = message
        #: For ``invalid_request``: one ``{"field", "problem"}`` per problem.
        self.details = details


class AuthenticationError(VisavisError):
    """401: the API key is missing, unknown or revoked."""


class PermissionDeniedError(VisavisError):
    """403: e.g. changing the built-in persona, or a join token for another conversation."""


class NotFoundError(VisavisError):
    """404: no such conversation, persona, objectives, guardrail or replica (for this key)."""


class ConflictError(VisavisError):
    """409: e.g. joining a conversation that has ended or already has a peer."""


class InvalidRequestError(VisavisError):
    """422: the request (or the resource a JSON Patch produces) does not validate."""


_BY_STATUS: dict[int, type[VisavisError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: InvalidRequestError,
}


def error_for(
    status: int, error: str, message: str, *, details: list[dict[str, Any]] | None = None
) -> VisavisError:
    """The exception for ``status``: its subclass if it has one, else ``VisavisError``."""
    return _BY_STATUS.get(status, VisavisError)(status, error, message, details=details)


def error_from_response(response: httpx.Response) -> VisavisError:
    """The exception for an error response; a body that is not the server's JSON (a proxy's
    HTML page, say) becomes ``http_error`` with the start of the text."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        details = body.get("details")
        return error_for(
            response.status_code,
            body["error"],
            str(body.get("message", "")),
            details=details if isinstance(details, list) else None,
        )
    text = response.text.strip()[:300] or response.reason_phrase
    return error_for(response.status_code, "http_error", text)
