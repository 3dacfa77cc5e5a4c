"""Server-delivered tools: the mind POSTs the call to the customer's URL and reads the result.

Body ``{"name", "arguments", "conversation_id"}``; the JSON object in the response is the result.
Connect errors, timeouts, 5xx and 429 are retried with exponential backoff (a webhook endpoint
that restarts or sheds load should not fail a patient's booking); anything else, or running out
of retries, is a ``ToolError`` whose message says what went wrong, for the LLM and the logs.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import httpx

from visavis import egress
from visavis.mind.tools.base import ToolError


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def post_tool_call(
    url: str,
    payload: dict[str, Any],
    *,
    timeout_s: float = 5.0,
    retries: int = 2,
    backoff_s: float = 0.25,
    headers: dict[str, str] | None = None,
    client: httpx.Client | None = None,
) -> dict[str, Any]:
    """POST ``payload`` to ``url`` and return the response's JSON object; raises ``ToolError``."""
    owned = client is None
    http = client or httpx.Client(transport=egress.transport(), timeout=timeout_s)
    last = "no attempt made"
    try:
        for attempt in range(retries + 1):
            if attempt:
                time.sleep(backoff_s * 2 ** (attempt - 1))
            try:
                response = http.post(url, json=payload, headers=headers, timeout=timeout_s)
            except httpx.TimeoutException:
                last = f"no answer within {timeout_s:g} s"
                continue
            except httpx.TransportError as exc:
                if str(exc).startswith(egress.REFUSED):
                    raise ToolError(f"tool server {url}: {exc}") from None  # no use retrying
                last = f"cannot reach {url}: {exc.__class__.__name__}"
                continue
            if _retryable(response.status_code):
                last = f"HTTP {response.status_code}: {response.text[:200].strip()}"
                # A server asking to wait (Retry-After) gets its wait, within reason.
                with contextlib.suppress(ValueError):
                    time.sleep(min(float(response.headers.get("retry-after", "0")), timeout_s))
                continue
            if not response.is_success:
                raise ToolError(
                    f"tool server {url} refused the call: HTTP {response.status_code}: "
                    f"{response.text[:200].strip()}"
                )
            try:
                body = response.json()
            except ValueError:
                raise ToolError(f"tool server {url} answered with no JSON body") from None
            if not isinstance(body, dict):
                raise ToolError(f"tool server {url} answered {type(body).__name__}, not an object")
            return body
    finally:
        if owned:
            http.close()
    raise ToolError(f"tool server {url} failed after {retries + 1} attempt(s): {last}")
