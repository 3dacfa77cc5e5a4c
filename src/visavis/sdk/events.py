"""The event socket (``WS /v1/conversations/{id}/events``): timeline events out, protocol
events in.

The server first replays the conversation's past events, then sends live ones, and closes the
socket when the conversation is over. Every message is a dict in the protocol envelope::

    {"message_type": "conversation", "event_type": "conversation.utterance",
     "conversation_id": "c123", "seq": 4, "turn_idx": 2, "timestamp": 12.5,
     "properties": {"role": "user", "speech": "Hi.", ...}}

An inbound event the server cannot take (bad properties, or no live call yet) is answered on the
same stream with ``{"message_type": "error", "error": <code>, "message": <what to fix>}``; such
replies are yielded like events. An error about the connection itself (a wrong key, an unknown
conversation) is raised as ``VisavisError`` instead.
"""

from __future__ import annotations

import asyncio
import json
from types import TracebackType
from typing import Any, Literal, Self

from websockets.asyncio.client import ClientConnection as AsyncConnection
from websockets.asyncio.client import connect as async_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection as SyncConnection
from websockets.sync.client import connect as sync_connect

from visavis.sdk.errors import VisavisError, error_for

Level = Literal["low", "medium", "high"]
Event = dict[str, Any]


class _Protocol:
    """What both streams share: the inbound envelope and reading the server's replies."""

    def __init__(self, url: str, headers: dict[str, str], conversation_id: str, timeout: float):
        self.url = url
        self.conversation_id = conversation_id
        self._headers = headers
        self._timeout = timeout
        #: Messages sent so far: before the first, an error can only be about the connection.
        self._sent = 0
        self._last_error: Event | None = None
        self._finished = False
        #: A message read early (while checking whether the server was closing).
        self._pending: Event | None = None

    def _message(self, event_type: str, properties: dict[str, Any]) -> str:
        self._sent += 1
        return json.dumps(
            {
                "message_type": "conversation",
                "event_type": event_type,
                "conversation_id": self.conversation_id,
                "properties": properties,
            }
        )

    @staticmethod
    def _sensitivity(pause: Level | None, interrupt: Level | None) -> list[dict[str, Any]]:
        # The server takes exactly one knob per message.
        messages: list[dict[str, Any]] = []
        if pause is not None:
            messages.append({"participant_pause_sensitivity": pause})
        if interrupt is not None:
            messages.append({"participant_interrupt_sensitivity": interrupt})
        if not messages:
            raise ValueError("give pause, interrupt or both ('low', 'medium' or 'high')")
        return messages

    def _decode(self, data: str | bytes) -> Event:
        message = json.loads(data)
        if not isinstance(message, dict):
            raise VisavisError(0, "invalid_message", f"the server sent {message!r}")
        if message.get("message_type") == "error":
            self._last_error = message
        return message

    def _connection_error(self, message: Event) -> bool:
        """An error sent before we sent anything: the server refuses the socket and closes."""
        return message.get("message_type") == "error" and self._sent == 0

    def _closed(self, code: int | None, reason: str) -> VisavisError | None:
        """None for a clean end of the stream, else the error the close stands for."""
        self._finished = True
        if code == 1000:
            return None
        if code is not None and 4000 <= code < 5000:
            # The server closes with 4000 + the HTTP status after sending the error.
            last = self._last_error or {}
            return error_for(
                code - 4000,
                str(last.get("error", "closed")),
                str(last.get("message", reason or f"the server closed the socket ({code})")),
            )
        return VisavisError(
            0, "connection_lost", f"the event socket closed unexpectedly (code {code}) {reason}"
        )

    @staticmethod
    def _refused(exc: InvalidStatus) -> VisavisError:
        response = exc.response
        body = response.body.decode(errors="replace") if response.body else ""
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict) and "error" in data:
            return error_for(response.status_code, str(data["error"]), str(data.get("message")))
        message = body.strip()[:300] or response.reason_phrase
        return error_for(response.status_code, "http_error", message)

    def _not_connected(self) -> VisavisError:
        return VisavisError(0, "not_connected", "use the stream in a `with` block")


class AsyncEventStream(_Protocol):
    """``async with client.events(cid) as stream: async for event in stream: ...``"""

    _ws: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        try:
            self._ws = await async_connect(
                self.url, additional_headers=self._headers, open_timeout=self._timeout
            )
        except InvalidStatus as exc:
            raise self._refused(exc) from None
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Event:
        event = await self.recv()
        if event is None:
            raise StopAsyncIteration
        return event

    async def recv(self) -> Event | None:
        """The next event (or error reply); None once the server has closed the stream."""
        if self._ws is None:
            raise self._not_connected()
        if self._pending is not None:
            message, self._pending = self._pending, None
            return message
        if self._finished:
            return None
        try:
            message = self._decode(await self._ws.recv())
        except ConnectionClosed as exc:
            raise_or_end(self._closed(exc.rcvd.code if exc.rcvd else None, str(exc)))
            return None
        if self._connection_error(message):
            # The server closes right after refusing: raise with the status of its close code.
            try:
                async with asyncio.timeout(self._timeout):
                    self._pending = self._decode(await self._ws.recv())
            except ConnectionClosed as exc:
                raise_or_end(self._closed(exc.rcvd.code if exc.rcvd else None, str(exc)))
            except TimeoutError:
                pass
        return message

    async def send(self, event_type: str, properties: dict[str, Any] | None = None) -> None:
        """Send any inbound event (``conversation.<...>``) with these properties."""
        if self._ws is None:
            raise self._not_connected()
        try:
            await self._ws.send(self._message(event_type, properties or {}))
        except ConnectionClosed as exc:
            raise VisavisError(0, "closed", f"the event stream is closed: {exc}") from None

    async def respond(self, text: str) -> None:
        """Text the agent treats as something the user said."""
        await self.send("conversation.respond", {"text": text})

    async def echo(self, text: str) -> None:
        """Make the agent say exactly ``text``."""
        await self.send("conversation.echo", {"text": text})

    async def interrupt(self) -> None:
        """Stop the agent's speech now."""
        await self.send("conversation.interrupt")

    async def append_context(self, text: str) -> None:
        await self.send("conversation.append_llm_context", {"context": text})

    async def overwrite_context(self, text: str) -> None:
        await self.send("conversation.overwrite_llm_context", {"context": text})

    async def sensitivity(self, pause: Level | None = None, interrupt: Level | None = None) -> None:
        """Change turn-taking live: how soon a pause ends the user's turn (``pause``) and how
        readily the user's speech cuts the agent off (``interrupt``)."""
        for properties in self._sensitivity(pause, interrupt):
            await self.send("conversation.sensitivity", properties)


class EventStream(_Protocol):
    """``with client.events(cid) as stream: for event in stream: ...`` (blocking; ``send``
    and its shortcuts may be called from another thread meanwhile)."""

    _ws: SyncConnection | None = None

    def __enter__(self) -> Self:
        try:
            # Entered as a context manager, as websockets >= 16 asks (it returns a connecter).
            self._ws = sync_connect(
                self.url, additional_headers=self._headers, open_timeout=self._timeout
            ).__enter__()
        except InvalidStatus as exc:
            raise self._refused(exc) from None
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._ws is not None:
            self._ws.close()

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> Event:
        event = self.recv()
        if event is None:
            raise StopIteration
        return event

    def recv(self, timeout: float | None = None) -> Event | None:
        """The next event (or error reply); None once the server has closed the stream.
        ``TimeoutError`` if nothing arrives within ``timeout`` seconds."""
        if self._ws is None:
            raise self._not_connected()
        if self._pending is not None:
            message, self._pending = self._pending, None
            return message
        if self._finished:
            return None
        try:
            message = self._decode(self._ws.recv(timeout))
        except ConnectionClosed as exc:
            raise_or_end(self._closed(exc.rcvd.code if exc.rcvd else None, str(exc)))
            return None
        if self._connection_error(message):
            # The server closes right after refusing: raise with the status of its close code.
            try:
                self._pending = self._decode(self._ws.recv(self._timeout))
            except ConnectionClosed as exc:
                raise_or_end(self._closed(exc.rcvd.code if exc.rcvd else None, str(exc)))
            except TimeoutError:
                pass
        return message

    def send(self, event_type: str, properties: dict[str, Any] | None = None) -> None:
        """Send any inbound event (``conversation.<...>``) with these properties."""
        if self._ws is None:
            raise self._not_connected()
        try:
            self._ws.send(self._message(event_type, properties or {}))
        except ConnectionClosed as exc:
            raise VisavisError(0, "closed", f"the event stream is closed: {exc}") from None

    def respond(self, text: str) -> None:
        """Text the agent treats as something the user said."""
        self.send("conversation.respond", {"text": text})

    def echo(self, text: str) -> None:
        """Make the agent say exactly ``text``."""
        self.send("conversation.echo", {"text": text})

    def interrupt(self) -> None:
        """Stop the agent's speech now."""
        self.send("conversation.interrupt")

    def append_context(self, text: str) -> None:
        self.send("conversation.append_llm_context", {"context": text})

    def overwrite_context(self, text: str) -> None:
        self.send("conversation.overwrite_llm_context", {"context": text})

    def sensitivity(self, pause: Level | None = None, interrupt: Level | None = None) -> None:
        """Change turn-taking live: how soon a pause ends the user's turn (``pause``) and how
        readily the user's speech cuts the agent off (``interrupt``)."""
        for properties in self._sensitivity(pause, interrupt):
            self.send("conversation.sensitivity", properties)


def raise_or_end(error: VisavisError | None) -> None:
    if error is not None:
        raise error
