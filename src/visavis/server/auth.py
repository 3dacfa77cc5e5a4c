"""Who is calling: API keys for the REST API and the event socket, join tokens for call pages.

- An **API key** (``visavis keys create``) belongs to a tenant. It is sent in the ``x-api-key``
  header as the public API does, or as ``Authorization: Bearer <key>``. Browsers cannot set
  headers on a WebSocket, so the event socket also takes it as ``?api_key=``.
- A **join token** lets the person on a call page join exactly one conversation and nothing
  else: it is minted with the conversation and travels in its ``conversation_url``
  (``/call/{id}?t=<token>``). It is an HMAC of the conversation id with a per-deployment secret,
  so nothing is stored per token, and it carries the tenant so no cross-tenant lookup is needed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from visavis.server.errors import ApiError

API_KEY_HEADER = "x-api-key"
JOIN_TOKEN_PARAM = "t"
JOIN_TOKEN_HEADER = "x-join-token"


@dataclass(frozen=True)
class Caller:
    tenant_id: str
    via: Literal["api_key", "join_token"]
    #: For a join token: the one conversation it opens.
    conversation_id: str | None = None


def presented_key(headers: Mapping[str, str], query: Mapping[str, str] | None = None) -> str | None:
    """The API key a request carries, if any (header, Bearer token, or ``api_key`` query)."""
    key = headers.get(API_KEY_HEADER)
    if key:
        return key.strip()
    scheme, _, token = (headers.get("authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    if query is not None and query.get("api_key"):
        return query["api_key"].strip()
    return None


MISSING_KEY = ApiError(
    401,
    "missing_api_key",
    "send an API key in the x-api-key header (or Authorization: Bearer <key>); "
    "create one with `visavis keys create`",
)
WRONG_KEY = ApiError(
    401,
    "invalid_api_key",
    "the API key is unknown or revoked; check it, or create one with `visavis keys create`",
)


class JoinTokens:
    """Mints and checks join tokens with a per-deployment secret."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def _mac(self, tenant_id: str, conversation_id: str) -> str:
        digest = hmac.new(
            self._secret, f"join\0{tenant_id}\0{conversation_id}".encode(), hashlib.sha256
        ).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode()

    def mint(self, tenant_id: str, conversation_id: str) -> str:
        tenant = base64.urlsafe_b64encode(tenant_id.encode()).decode().rstrip("=")
        return f"{tenant}.{self._mac(tenant_id, conversation_id)}"

    def check(self, token: str, conversation_id: str) -> Caller | None:
        """The caller a token admits to ``conversation_id``, or None."""
        tenant_part, _, mac = token.partition(".")
        try:
            tenant_id = base64.urlsafe_b64decode(tenant_part + "=" * (-len(tenant_part) % 4))
            tenant = tenant_id.decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        if not mac or not hmac.compare_digest(mac, self._mac(tenant, conversation_id)):
            return None
        return Caller(tenant, "join_token", conversation_id)
