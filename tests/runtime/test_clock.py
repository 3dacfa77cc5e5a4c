import asyncio
import time

import pytest

from visavis.runtime.clock import RealtimeClock, VirtualClock


async def test_virtual_clock_jumps_without_waiting():
    clock = VirtualClock()
    started = time.perf_counter()
    await clock.sleep(3600.0)
    assert clock.now() == pytest.approx(3600.0)
    assert time.perf_counter() - started < 1.0
    clock.close()


async def test_virtual_clock_wakes_sleepers_in_time_order():
    clock = VirtualClock()
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, t: float) -> None:
        await clock.sleep_until(t)
        woke.append((name, clock.now()))

    await asyncio.gather(sleeper("c", 3.0), sleeper("a", 1.0), sleeper("b", 2.0))
    assert woke == [("a", 1.0), ("b", 2.0), ("c", 3.0)]
    clock.close()


async def test_virtual_clock_freezes_while_blocking_work_runs():
    clock = VirtualClock()
    seen: list[float] = []

    async def worker() -> None:
        await clock.sleep(1.0)
        # Real CPU time passes, conversation time does not.
        await clock.run_blocking(time.sleep, 0.2)
        seen.append(clock.now())

    async def ticker() -> None:
        for _ in range(5):
            await clock.sleep(0.5)

    await asyncio.gather(worker(), ticker())
    assert seen == [1.0]
    clock.close()


async def test_virtual_clock_is_deterministic_across_runs():
    async def run() -> list[tuple[int, float]]:
        clock = VirtualClock()
        log: list[tuple[int, float]] = []

        async def task(i: int) -> None:
            for _ in range(3):
                await clock.sleep(0.1 * (i + 1))
                await clock.run_blocking(sum, range(1000))
                log.append((i, round(clock.now(), 6)))

        await asyncio.gather(*(task(i) for i in range(4)))
        clock.close()
        return log

    assert await run() == await run()


async def test_wait_for_times_out_on_the_conversation_clock():
    clock = VirtualClock()
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    with pytest.raises(TimeoutError):
        await clock.wait_for(never, timeout=30.0)
    assert clock.now() == pytest.approx(30.0)
    clock.close()


async def test_realtime_clock_tracks_wall_time_and_offloads_work():
    clock = RealtimeClock()
    await clock.sleep(0.05)
    assert 0.04 <= clock.now() < 1.0
    assert await clock.run_blocking(sum, [1, 2, 3]) == 6
    clock.close()
