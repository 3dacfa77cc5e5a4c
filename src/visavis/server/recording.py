"""A live call's record: its timeline events handed to the registry in batches, off the loop.

The live call's ``Timeline`` appends every event to a list that the registry record shares (so a
GET sees the call as it goes). Every ``interval`` seconds the events since the last batch go to
``registry.append_events`` on a worker thread; a durable registry (the database) then holds
them, and they leave memory (``Timeline.forget``): a 30-minute call would otherwise keep every
event of it, ~0.5 MB a minute of talk as Python objects (a reply sentence's phoneme timings
alone are ~25 kB), and its RSS would grow for as long as it lasts. Readers of the whole
timeline ask the registry (``ConversationRegistry.events``), which joins the stored events
with the ones still in memory.
"""

from __future__ import annotations

import asyncio
import logging

from visavis.runtime.events import BaseEvent
from visavis.runtime.timeline import Timeline
from visavis.server.registry import ConversationRecord, ConversationRegistry, EventTypes

log = logging.getLogger(__name__)


class CallRecorder:
    """Writes one live call's events to its registry as it goes."""

    def __init__(self, registry: ConversationRegistry, record: ConversationRecord) -> None:
        self.registry = registry
        self.record = record
        self._pending: list[BaseEvent] = []
        self._writing = asyncio.Lock()
        self._timeline: Timeline | None = None

    def attach(self, timeline: Timeline) -> None:
        """Record ``timeline``'s events; the registry record shares its list."""
        self._timeline = timeline
        self.record.events = timeline.events
        timeline.subscribe(self._pending.append)

    async def run(self, interval: float) -> None:
        """Flush every ``interval`` seconds until cancelled."""
        while True:
            await asyncio.sleep(interval)
            await self.flush()

    async def flush(self) -> None:
        """Hand the events recorded since the last batch to the registry, on a thread."""
        async with self._writing:
            if not self._pending:
                return
            batch = list(self._pending)
            cid = self.record.conversation_id
            try:
                await asyncio.to_thread(self.registry.append_events, cid, batch)
            except Exception:
                # Kept for the next batch: appends are idempotent on seq, so a retry is safe.
                log.exception("conversation %s: %d events not persisted yet", cid, len(batch))
                return
            del self._pending[: len(batch)]
            if self.registry.durable and self._timeline is not None:
                self._timeline.forget(batch[-1].seq + 1)

    async def events(self, types: EventTypes | None = None) -> list[BaseEvent]:
        """The call so far (its events of ``types``), every event stored first."""
        await self.flush()
        return await asyncio.to_thread(self.registry.events, self.record, types)
