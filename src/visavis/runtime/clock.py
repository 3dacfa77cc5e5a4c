"""Conversation clocks: a real-time one for live calls and a virtual one for files and tests.

Stages never read wall time; they ask the conversation's clock. Both clocks give the same four
operations: ``now()``, ``sleep_until()``, ``sleep()`` and ``run_blocking()`` (CPU-heavy work on a
worker thread, so the event loop never stalls).

The virtual clock advances only when every task is waiting on the clock and no blocking work is in
flight, then jumps straight to the earliest wake-up. A call therefore runs as fast as the CPU
allows, compute takes no conversation time, and the same inputs give the same timeline.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Literal, Protocol, TypeVar

T = TypeVar("T")

ClockKind = Literal["realtime", "virtual"]


class Clock(Protocol):
    """What a stage may ask of time."""

    kind: ClockKind

    def now(self) -> float:
        """Seconds since the conversation started."""
        ...

    async def sleep_until(self, t: float) -> None: ...

    async def sleep(self, dt: float) -> None: ...

    async def run_blocking(self, fn: Callable[..., T], *args: object) -> T: ...

    async def wait_for(self, aw: Awaitable[T], timeout: float) -> T: ...

    def close(self) -> None: ...


async def _wait_for(clock: Clock, aw: Awaitable[T], timeout: float) -> T:
    """Like ``asyncio.wait_for`` but timed on ``clock``; raises ``TimeoutError``."""
    task = asyncio.ensure_future(aw)
    timer = asyncio.ensure_future(clock.sleep(timeout))
    try:
        done, _ = await asyncio.wait({task, timer}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        raise TimeoutError
    finally:
        timer.cancel()
        if not task.done():
            task.cancel()


class RealtimeClock:
    """Wall-clock time from the event loop's monotonic clock, zeroed at creation."""

    kind: ClockKind = "realtime"

    def __init__(self, workers: int = 4) -> None:
        self._loop = asyncio.get_running_loop()
        self._t0 = self._loop.time()
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="visavis-rt")

    def now(self) -> float:
        return self._loop.time() - self._t0

    async def sleep_until(self, t: float) -> None:
        await asyncio.sleep(max(0.0, t - self.now()))

    async def sleep(self, dt: float) -> None:
        await asyncio.sleep(max(0.0, dt))

    async def run_blocking(self, fn: Callable[..., T], *args: object) -> T:
        return await self._loop.run_in_executor(self._executor, fn, *args)

    async def wait_for(self, aw: Awaitable[T], timeout: float) -> T:
        return await _wait_for(self, aw, timeout)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class VirtualClock:
    """Deterministic simulated time that jumps whenever the whole call is waiting on it."""

    kind: ClockKind = "virtual"

    def __init__(self) -> None:
        self._now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._wake_driver = asyncio.Event()
        # One worker keeps blocking work in submission order, so timelines are reproducible.
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="visavis-virtual")
        self._driver: asyncio.Task[None] | None = None
        self._closed = False

    def now(self) -> float:
        return self._now

    async def sleep_until(self, t: float) -> None:
        if t <= self._now:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (t, next(self._order), fut))
        self._ensure_driver()
        await fut

    async def sleep(self, dt: float) -> None:
        await self.sleep_until(self._now + max(0.0, dt))

    async def run_blocking(self, fn: Callable[..., T], *args: object) -> T:
        self._in_flight += 1
        self._idle.clear()
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def wait_for(self, aw: Awaitable[T], timeout: float) -> T:
        return await _wait_for(self, aw, timeout)

    def close(self) -> None:
        self._closed = True
        if self._driver is not None:
            self._driver.cancel()
        for _, _, fut in self._sleepers:
            fut.cancel()
        self._sleepers.clear()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _ensure_driver(self) -> None:
        if self._driver is None or self._driver.done():
            self._driver = asyncio.get_running_loop().create_task(
                self._drive(), name="virtual-clock"
            )
        self._wake_driver.set()

    async def _settle(self) -> None:
        """Return once no blocking work is in flight and no other task is ready to run."""
        loop = asyncio.get_running_loop()
        quiet_rounds = 0
        while quiet_rounds < 2:
            await self._idle.wait()
            await asyncio.sleep(0)
            # CPython keeps runnable callbacks in ``_ready``; other loops get extra rounds.
            ready = getattr(loop, "_ready", None)
            busy = self._in_flight > 0 or (ready is not None and len(ready) > 0)
            quiet_rounds = 0 if busy else quiet_rounds + 1

    async def _drive(self) -> None:
        while not self._closed:
            await self._settle()
            while self._sleepers and self._sleepers[0][2].done():
                heapq.heappop(self._sleepers)
            if not self._sleepers:
                self._wake_driver.clear()
                await self._wake_driver.wait()
                continue
            t, _, fut = heapq.heappop(self._sleepers)
            self._now = max(self._now, t)
            fut.set_result(None)
            # Wake every sleeper due at the same instant together.
            while self._sleepers and self._sleepers[0][0] <= self._now:
                _, _, same = heapq.heappop(self._sleepers)
                if not same.done():
                    same.set_result(None)


def make_clock(kind: ClockKind) -> Clock:
    """Create a clock of the given kind; must be called inside a running event loop."""
    return RealtimeClock() if kind == "realtime" else VirtualClock()
