"""What both providers share: the POST with retries, SSE parsing and stall detection.

Retries happen only before the response starts streaming: once a token has reached the caller
(and perhaps the user's ears) replaying the request would repeat or contradict it, so a failure
mid-stream is an ``LLMError`` and the mind falls back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from visavis import egress
from visavis.mind.llm.types import (
    ChatMessage,
    Completion,
    Finish,
    LLMError,
    LLMTimeout,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolSpec,
)


@dataclass(frozen=True)
class SSEEvent:
    """One server-sent event: its ``event:`` name (empty if none) and joined ``data:`` lines."""

    event: str
    data: str


class Watchdog:
    """How long the next read may take: the first-token budget, then the per-chunk timeout.

    The first-token budget runs from the call across retries, because the user is waiting the
    whole time; a retry that cannot fit in it is not worth starting.
    """

    def __init__(self, provider: str, first_token_timeout_s: float, timeout_s: float) -> None:
        self.provider = provider
        self.first_token_timeout_s = first_token_timeout_s
        self.timeout_s = timeout_s
        self._first_deadline = time.monotonic() + first_token_timeout_s
        self.token_seen = False

    def first_remaining(self) -> float:
        return self._first_deadline - time.monotonic()

    def budget(self) -> float:
        if self.token_seen:
            return self.timeout_s
        return max(0.0, min(self.timeout_s, self.first_remaining()))

    def stalled(self) -> LLMTimeout:
        if self.token_seen:
            reason = f"stream stalled: no data for {self.timeout_s:g} s"
        else:
            reason = f"no first token within {self.first_token_timeout_s:g} s"
        return LLMTimeout(self.provider, reason)


def error_reason(body: bytes) -> str:
    """The human-readable reason in a provider's error body (both use ``{"error": ...}``)."""
    try:
        payload = json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace").strip()[:300] or "no response body"
    error = payload.get("error", payload) if isinstance(payload, dict) else payload
    if isinstance(error, dict):
        message = error.get("message") or json.dumps(error)
        kind = error.get("type") or error.get("code")
        return f"{kind}: {message}" if kind else str(message)
    return str(error)[:300]


async def read_sse(response: httpx.Response, watchdog: Watchdog) -> AsyncIterator[SSEEvent]:
    """Parse the SSE body, timing every read against the watchdog."""
    lines = response.aiter_lines()
    event, data = "", []
    while True:
        try:
            async with asyncio.timeout(watchdog.budget()):
                line = await anext(lines)
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise watchdog.stalled() from None
        except httpx.HTTPError as exc:
            raise LLMError(watchdog.provider, f"stream broke: {exc!r}") from exc
        if not line:
            if data:
                yield SSEEvent(event, "\n".join(data))
            event, data = "", []
        elif line.startswith(":"):
            continue  # An SSE comment, used by some servers as a keep-alive.
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)
    if data:  # A server that omits the final blank line still sent a whole event.
        yield SSEEvent(event, "\n".join(data))


class StreamingClient(ABC):
    """Base for a provider client: subclasses build the request and parse the events."""

    provider = "llm"
    #: Where the provider's API lives when no ``base_url`` is given ("" means one is required).
    default_base_url = ""
    #: ``max_tokens`` when none is given (None: the server's own limit).
    default_max_tokens: int | None = None

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        model: str,
        timeout_s: float = 10.0,
        first_token_timeout_s: float = 4.0,
        retries: int = 2,
        backoff_s: float = 0.25,
        max_tokens: int | None = None,
        temperature: float | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        url = base_url or self.default_base_url
        if not url:
            raise ValueError(f"{self.provider}: base_url is required")
        self.base_url = url.rstrip("/")
        self.api_key = api_key
        self.max_tokens = max_tokens if max_tokens is not None else self.default_max_tokens
        self.temperature = temperature
        self.model = model
        self.timeout_s = timeout_s
        self.first_token_timeout_s = first_token_timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        # Reads are timed by the watchdog; httpx's own timeout only bounds connecting and writing.
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(
            transport=egress.async_transport(), timeout=httpx.Timeout(timeout_s, read=None)
        )

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> StreamingClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @abstractmethod
    def _request(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] | None
    ) -> tuple[str, dict[str, str], dict[str, Any]]:
        """The URL, headers and JSON body for a streaming request."""

    @abstractmethod
    def _parse(
        self, events: AsyncIterator[SSEEvent], watchdog: Watchdog
    ) -> AsyncIterator[TextDelta | ToolCall | Finish]:
        """Turn SSE events into stream events; set ``watchdog.token_seen`` on the first token."""

    async def stream(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] | None = None
    ) -> AsyncIterator[StreamEvent]:
        """Text as it is generated, then any complete tool calls."""
        async for item in self._run(messages, tools):
            if not isinstance(item, Finish):
                yield item

    async def complete(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] | None = None
    ) -> Completion:
        """The whole answer (collected from the stream, so the same timeouts apply)."""
        text: list[str] = []
        calls: list[ToolCall] = []
        reason = None
        async for item in self._run(messages, tools):
            if isinstance(item, TextDelta):
                text.append(item.text)
            elif isinstance(item, ToolCall):
                calls.append(item)
            else:
                reason = item.reason
        return Completion("".join(text), calls, reason)

    async def _run(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] | None
    ) -> AsyncIterator[TextDelta | ToolCall | Finish]:
        url, headers, body = self._request(messages, tools)
        watchdog = Watchdog(self.provider, self.first_token_timeout_s, self.timeout_s)
        response = await self._open(url, headers, body, watchdog)
        # Closed explicitly so a caller that stops early (or an error) frees the connection now.
        try:
            async with contextlib.aclosing(read_sse(response, watchdog)) as events:
                async for item in self._parse(events, watchdog):
                    yield item
        finally:
            await response.aclose()

    async def _open(
        self, url: str, headers: dict[str, str], body: dict[str, Any], watchdog: Watchdog
    ) -> httpx.Response:
        """POST until the provider accepts, retrying transient failures within the budget."""
        last: LLMError | None = None
        retry_after = 0.0
        for attempt in range(self.retries + 1):
            if attempt:
                assert last is not None
                delay = max(self.backoff_s * 2 ** (attempt - 1), retry_after)
                if delay >= watchdog.first_remaining():
                    raise last
                await asyncio.sleep(delay)
            request = self._client.build_request("POST", url, headers=headers, json=body)
            try:
                async with asyncio.timeout(watchdog.budget()):
                    response = await self._client.send(request, stream=True)
            except TimeoutError:
                raise watchdog.stalled() from None
            except httpx.TransportError as exc:
                last = LLMError(self.provider, f"cannot reach {url}: {exc!r}")
                continue
            if response.is_success:
                return response
            try:
                async with asyncio.timeout(watchdog.budget()):
                    reason = error_reason(await response.aread())
            except (TimeoutError, httpx.HTTPError):
                reason = response.reason_phrase or "error"
            finally:
                await response.aclose()
            last = LLMError(self.provider, reason, response.status_code)
            if response.status_code != 429 and response.status_code < 500:
                raise last  # Bad request, bad key, unknown model: retrying cannot help.
            retry_after = 0.0
            with contextlib.suppress(ValueError):
                retry_after = float(response.headers.get("retry-after", "0"))
        assert last is not None
        raise last
