"""The per-conversation timeline: every event, in order, with conversation-clock time and seq.

The timeline is both the record of a call and the bus the stages meet on: ``emit`` stamps an
event with the clock's time, the next ``seq`` and the current ``turn_idx``, appends it, writes it
to the JSONL sink if there is one, and hands it to the subscribers. Subscribers are plain
callables that must return quickly; a stage with slow work puts it on its own queue.

A live server call writes its events to the database as it goes and then ``forget``s them here,
so a long call's memory stays flat; every other run keeps the whole call in ``events``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TypeVar

from pydantic import ValidationError

from .clock import Clock
from .events import BaseEvent, Respond, TurnDecision, parse_event

log = logging.getLogger(__name__)

E = TypeVar("E", bound=BaseEvent)
Subscriber = Callable[[BaseEvent], None]


class TimelineFormatError(ValueError):
    """A timeline file could not be read; the message names the file and line."""


class Timeline:
    """Records and distributes the events of one conversation."""

    def __init__(self, clock: Clock, sink: Path | None = None) -> None:
        self.clock = clock
        #: The call's events in order: all of them, or the ones since the last ``forget``.
        self.events: list[BaseEvent] = []
        self.turn_idx = 0
        self._seq = 0
        self._subscribers: list[tuple[tuple[type[BaseEvent], ...] | None, Subscriber]] = []
        self._waiters: list[tuple[Callable[[BaseEvent], bool], asyncio.Future[BaseEvent]]] = []
        self._sink: IO[str] | None = sink.open("w", encoding="utf-8") if sink else None

    def subscribe(
        self, callback: Subscriber, types: Iterable[type[BaseEvent]] | None = None
    ) -> None:
        """Call ``callback`` with every later event (of ``types``, when given)."""
        self._subscribers.append((tuple(types) if types is not None else None, callback))

    def emit(self, event: E) -> E:
        """Record ``event`` now and deliver it to the subscribers."""
        if (
            isinstance(event, TurnDecision)
            and event.action == "respond"
            or isinstance(event, Respond)
        ):
            self.turn_idx += 1
        event.t = round(self.clock.now(), 4)
        event.seq = self._seq
        self._seq += 1
        event.turn_idx = self.turn_idx
        self.events.append(event)
        if self._sink is not None:
            self._sink.write(event.model_dump_json() + "\n")
            self._sink.flush()
        for types, callback in list(self._subscribers):
            if types is None or isinstance(event, types):
                try:
                    callback(event)
                except Exception:
                    # One faulty subscriber must not silence the others or the emitter.
                    log.exception("timeline subscriber %r failed on %s", callback, event.type)
        for pair in list(self._waiters):
            predicate, fut = pair
            if not fut.done() and predicate(event):
                fut.set_result(event)
                self._waiters.remove(pair)
        return event

    def next_event(
        self, kind: type[E], predicate: Callable[[E], bool] | None = None
    ) -> asyncio.Future[E]:
        """A future for the next event of ``kind`` that satisfies ``predicate``."""
        fut: asyncio.Future[BaseEvent] = asyncio.get_running_loop().create_future()

        def match(event: BaseEvent) -> bool:
            return isinstance(event, kind) and (predicate is None or predicate(event))

        self._waiters.append((match, fut))
        return fut  # type: ignore[return-value]

    def forget(self, before_seq: int) -> int:
        """Drop the events before ``before_seq`` from memory (in place: whoever shares the list
        sees it): for an owner that has stored them elsewhere. Returns how many went."""
        kept = next((i for i, e in enumerate(self.events) if e.seq >= before_seq), len(self.events))
        del self.events[:kept]
        return kept

    def of_type(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]

    def __iter__(self) -> Iterator[BaseEvent]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    def close(self) -> None:
        if self._sink is not None:
            self._sink.close()
            self._sink = None
        for _, fut in self._waiters:
            fut.cancel()
        self._waiters.clear()

    def write_jsonl(self, path: Path) -> None:
        write_jsonl(self.events, path)


def write_jsonl(events: Iterable[BaseEvent], path: Path) -> None:
    """Write events one JSON object per line."""
    with path.open("w", encoding="utf-8") as fh:
        for event in events:
            fh.write(event.model_dump_json() + "\n")


def read_jsonl(path: Path) -> list[BaseEvent]:
    """Read a timeline written by ``write_jsonl``; bad lines raise ``TimelineFormatError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TimelineFormatError(f"cannot read timeline {path}: {exc}") from exc
    events: list[BaseEvent] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            events.append(parse_event(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            first = str(exc).splitlines()[0]
            raise TimelineFormatError(f"{path}:{lineno}: not a timeline event ({first})") from exc
    return events
