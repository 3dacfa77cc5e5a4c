"""The server's shared state and the rules every route applies: who the caller is, which
conversations they may see, and what happens when a call joins or ends (webhooks).

One ``ServerContext`` per app (``app.state.ctx``); routes reach it through ``server_context``.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from sqlalchemy.pool import StaticPool

from visavis.engines import Engines
from visavis.runtime.events import BaseEvent, PerceptionAnalysis, Utterance
from visavis.runtime.priority import keep_native_threads_yielding
from visavis.server.auth import (
    JOIN_TOKEN_HEADER,
    JOIN_TOKEN_PARAM,
    MISSING_KEY,
    WRONG_KEY,
    Caller,
    JoinTokens,
    presented_key,
)
from visavis.server.errors import ApiError, not_found
from visavis.server.events import EventHub
from visavis.server.limits import DEFAULT_MAX_BODY
from visavis.server.live import LiveCall, LiveCallOptions
from visavis.server.persist import StoreRegistry
from visavis.server.registry import ConversationRecord, utc_now
from visavis.server.webhooks import WebhookDeliverer, WebhookNotifier
from visavis.store import Store

log = logging.getLogger(__name__)

#: The deployment secret (kept in the database) that signs webhooks.
WEBHOOK_SECRET_NAME = "webhook_signing"

#: How long a checked API key is trusted without asking the database again (a revoked key
#: stops working within this time).
KEY_CACHE_SECONDS = 30.0

#: ``system.shutdown``'s ``shutdown_reason``, worded as the public API words them.
SHUTDOWN_REASONS = {
    "max_call_duration": "max_call_duration reached",
    "participant_left": "participant_left",
    "participant_left_timeout": "participant_left_timeout reached",
    "participant_absent_timeout": "participant_absent_timeout reached",
    "ended_by_api": "end_conversation_endpoint_hit",
    "completed": "conversation_completed",
    "server_shutdown": "server_shutdown",
    "connection_failed": "participant_could_not_connect",
    "error": "internal error occurred",
}


@dataclass
class ServerSettings:
    #: Any SQLAlchemy URL; the default keeps everything in memory for the process's life.
    database_url: str = "sqlite://"
    #: Per-call scratch files (each call's clinic database); a temporary folder by default.
    data_dir: Path | None = None
    call_options: LiveCallOptions | None = None
    preload: bool = False
    max_body_bytes: int = DEFAULT_MAX_BODY
    #: Origins allowed to call the API from another site's pages (CORS); none by default.
    cors_origins: tuple[str, ...] = ()
    #: The webhook signing secret; None uses the deployment's own (kept in the database).
    webhook_secret: str | None = None
    webhook_poll_interval: float = 0.5


class EngineProvider:
    """The speech engines, loaded once (on first use, or at startup when ``preload``)."""

    def __init__(self, engines: Engines | None) -> None:
        self._engines = engines
        self._lock = asyncio.Lock()
        self._priority: asyncio.Task[None] | None = None

    async def get(self) -> Engines:
        if self._engines is None:
            async with self._lock:
                if self._engines is None:
                    from visavis.engines import load_engines
                    from visavis.face import render_process

                    # The avatar's render processes fork from this server: start it (and its
                    # imports) beside the engines rather than at the first call.
                    render_process.warm()
                    # Loading takes seconds of CPU: keep the loop (and other calls) responsive.
                    self._engines = await asyncio.to_thread(load_engines, deterministic=False)
                    # From now on the models' own thread pools yield the CPU to calls' media.
                    self._priority = asyncio.create_task(
                        keep_native_threads_yielding(), name="native-thread-priority"
                    )
        return self._engines


@dataclass
class ServerContext:
    settings: ServerSettings
    store: Store
    provider: EngineProvider
    hub: EventHub = field(default_factory=EventHub)
    calls: dict[str, LiveCall] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.scratch = self.settings.data_dir or Path(tempfile.mkdtemp(prefix="visavis-server-"))
        self.tokens = JoinTokens(self.store.deployment_secret("join_token"))
        secret = self.settings.webhook_secret or self.store.deployment_secret(WEBHOOK_SECRET_NAME)
        self.webhooks = WebhookNotifier(self.store)
        self.deliverer = WebhookDeliverer(
            self.store, secret, poll_interval=self.settings.webhook_poll_interval
        )
        self._registries: dict[str, StoreRegistry] = {}
        self._keys: dict[str, tuple[str | None, float]] = {}
        self._absent: dict[str, asyncio.Task[None]] = {}

    @classmethod
    def open(cls, settings: ServerSettings, engines: Engines | None) -> ServerContext:
        url = settings.database_url
        # An in-memory SQLite database lives in one connection: share it across threads.
        memory = url in ("sqlite://", "sqlite:///:memory:")
        store = Store(url, **({"poolclass": StaticPool} if memory else {}))
        # Here rather than in the lifespan: in-process test transports do not run lifespans.
        store.migrate()
        return cls(settings=settings, store=store, provider=EngineProvider(engines))

    # --- lifecycle ----------------------------------------------------------------------------

    async def startup(self) -> None:
        self.deliverer.start()
        await self.resume_absence_timers()
        if self.settings.preload:
            await self.provider.get()

    async def resume_absence_timers(self) -> None:
        """Conversations a previous process created and nobody joined keep their
        ``participant_absent_timeout``, counted from their creation."""
        for tenant_id, conversation_id in await asyncio.to_thread(self.store.active_conversations):
            if conversation_id in self.calls or conversation_id in self._absent:
                continue
            record = await asyncio.to_thread(self.registry(tenant_id).get, conversation_id)
            if record is not None and record.status == "active":
                self.watch_absence(record)

    async def shutdown(self) -> None:
        # Hang up every live call so peers see the end and records are final.
        for call in list(self.calls.values()):
            call.end("server_shutdown")
        await asyncio.gather(*(call.wait() for call in list(self.calls.values())))
        for task in self._absent.values():
            task.cancel()
        await self.deliverer.stop()
        self.store.dispose()

    # --- callers ------------------------------------------------------------------------------

    async def tenant_for(self, key: str | None) -> Caller:
        if not key:
            raise MISSING_KEY
        cached = self._keys.get(key)
        if cached is None or time.monotonic() - cached[1] > KEY_CACHE_SECONDS:
            tenant = await asyncio.to_thread(self.store.tenant_for_key, key)
            if len(self._keys) > 1000:  # unbounded growth from guessed keys
                self._keys.clear()
            cached = self._keys[key] = (tenant, time.monotonic())
        if cached[0] is None:
            raise WRONG_KEY
        return Caller(cached[0], "api_key")

    async def caller(self, headers: Mapping[str, str], query: Mapping[str, str]) -> Caller:
        return await self.tenant_for(presented_key(headers, query))

    async def conversation_caller(
        self, headers: Mapping[str, str], query: Mapping[str, str], conversation_id: str
    ) -> Caller:
        """An API key, or the join token of this one conversation (the call page's way in)."""
        token = query.get(JOIN_TOKEN_PARAM) or headers.get(JOIN_TOKEN_HEADER)
        if token and presented_key(headers, query) is None:
            caller = self.tokens.check(token, conversation_id)
            if caller is None:
                raise ApiError(
                    403,
                    "invalid_join_token",
                    "this link's join token does not open this conversation; ask for a new "
                    "conversation_url",
                )
            return caller
        return await self.caller(headers, query)

    def registry(self, tenant_id: str) -> StoreRegistry:
        registry = self._registries.get(tenant_id)
        if registry is None:
            registry = self._registries[tenant_id] = StoreRegistry(self.store, tenant_id)
        return registry

    # --- conversations ------------------------------------------------------------------------

    def lookup(self, caller: Caller, conversation_id: str) -> ConversationRecord | None:
        """The conversation if this caller may see it (blocking: call through a thread)."""
        call = self.calls.get(conversation_id)
        if call is not None:
            record = call.record
            return record if record.tenant_id == caller.tenant_id else None
        return self.registry(caller.tenant_id).get(conversation_id)

    async def find(self, caller: Caller, conversation_id: str) -> ConversationRecord:
        record = await asyncio.to_thread(self.lookup, caller, conversation_id)
        if record is None:
            raise not_found(
                "conversation",
                conversation_id,
                "create one with POST /v1/conversations or list them with GET /v1/conversations",
            )
        return record

    def join_url_token(self, record: ConversationRecord) -> str:
        return self.tokens.mint(record.tenant_id, record.conversation_id)

    async def end(self, record: ConversationRecord, reason: str) -> None:
        """End a conversation whichever way it is running; the live call reports its own end."""
        call = self.calls.get(record.conversation_id)
        if call is not None:
            call.end(reason)
            await call.wait()  # so the caller sees the outcome
        if record.status != "ended":
            record.mark_ended(reason)
            await asyncio.to_thread(self.registry(record.tenant_id).save, record)
            self.hub.finish(record.conversation_id)
            await self.call_ended(record)

    def watch_absence(self, record: ConversationRecord) -> None:
        """End the conversation if nobody joins within ``participant_absent_timeout``."""
        self._absent[record.conversation_id] = asyncio.create_task(self._absent_timeout(record))

    async def _absent_timeout(self, record: ConversationRecord) -> None:
        try:
            waited = (utc_now() - record.created_at).total_seconds()
            await asyncio.sleep(
                max(0.0, record.request.properties.participant_absent_timeout - waited)
            )
            if record.conversation_id not in self.calls and record.status != "ended":
                await self.end(record, "participant_absent_timeout")
        finally:
            self._absent.pop(record.conversation_id, None)

    # --- CallHooks: webhooks ------------------------------------------------------------------

    async def call_joined(self, record: ConversationRecord) -> None:
        task = self._absent.pop(record.conversation_id, None)
        if task is not None:
            task.cancel()
        await self._notify(record, "system.replica_joined", {})

    async def call_ended(self, record: ConversationRecord) -> None:
        reason = record.end_reason or "ended"
        await self._notify(
            record,
            "system.shutdown",
            {"shutdown_reason": SHUTDOWN_REASONS.get(reason, reason)},
        )
        registry = self.registry(record.tenant_id)
        events = await asyncio.to_thread(registry.events, record, (Utterance, PerceptionAnalysis))
        await self._notify(
            record, "application.transcription_ready", {"transcript": transcript_for(events)}
        )
        analysis = perception_analysis(events)
        if analysis is not None:
            await self._notify(record, "application.perception_analysis", {"analysis": analysis})

    async def call_event(
        self, record: ConversationRecord, event: BaseEvent, url: str | None
    ) -> None:
        """A guardrail hit, an objective completed, a follow-up item or an escalation, as an
        ``application.*`` webhook to the conversation's callback and to ``url`` (the
        guardrail's or objective's own callback), once each."""
        event_type = "application." + event.type.removeprefix("conversation.").replace(".", "_")
        properties = event.properties()
        await self._notify(record, event_type, properties)
        if url and url != str(record.request.callback_url or ""):
            await self._notify(record, event_type, properties, url=url)

    async def _notify(
        self,
        record: ConversationRecord,
        event_type: str,
        properties: dict[str, Any],
        url: str | None = None,
    ) -> None:
        url = url or (str(record.request.callback_url) if record.request.callback_url else None)
        if url is None:
            return
        try:
            await asyncio.to_thread(
                self.webhooks.notify, url, record.conversation_id, event_type, properties
            )
        except Exception:
            # The call itself must not fail over a webhook; the outbox retries what it holds.
            log.exception("conversation %s: %s not queued", record.conversation_id, event_type)
            return
        # Started here too (idempotent): in-process test transports run no lifespan.
        self.deliverer.start()
        self.deliverer.wake()


def transcript_for(events: Sequence[BaseEvent]) -> list[dict[str, Any]]:
    """The transcript as ``application.transcription_ready`` carries it (chat-style roles)."""
    return [
        {
            "role": "user" if e.role == "user" else "assistant",
            "content": e.speech,
            "seconds_from_start": round(e.start, 3),
            "duration": round(e.end - e.start, 3),
        }
        for e in events
        if isinstance(e, Utterance)
    ]


def perception_analysis(events: Sequence[BaseEvent]) -> dict[str, Any] | None:
    """The call's end-of-call perception report, once it has one."""
    for event in reversed(events):
        if isinstance(event, PerceptionAnalysis):
            return event.analysis
    return None


def server_context(request: Request) -> ServerContext:
    return request.app.state.ctx  # type: ignore[no-any-return]
