"""The calls' media first: the inference libraries' own threads yield the CPU to it.

On two cores a Whisper transcription or a Piper sentence takes both for a few hundred
milliseconds. With two live calls, the other call's event loop (its agent audio leaves in 20 ms
packets) and avatar then wait their turn, and the caller hears the voice stall (``bench/load.py``:
two calls failed on audio stalls of ~200 ms). The threads that do most of that work are not
Python's: CTranslate2's OpenMP pool, onnxruntime's intra-op pools, OpenCV's workers. They never
hold the GIL, so giving them a lower priority (a higher nice value) lets the media threads run
first without stalling any Python code; the inference still gets every cycle the media leaves.

Python's own threads keep their priority: one descheduled while it holds the GIL would stall
the event loop with it (tried, with the executor threads that call the models lowered too: the
stalls got worse). Linux only (thread ids from ``/proc/self/task``); elsewhere a no-op.
``VISAVIS_NATIVE_NICENESS`` sets the nice value (default 10; 0 leaves every thread alone).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading

log = logging.getLogger(__name__)

DEFAULT_NICENESS = 10
#: How often the server looks for new native threads (libraries start pools lazily).
SCAN_SECONDS = 5.0
TASKS = "/proc/self/task"

_lock = threading.Lock()
_lowered: set[int] = set()
#: Native-looking threads seen once: lowered only when still native at the next scan, since a
#: Python thread just started can show in /proc before ``threading`` lists it.
_seen: set[int] = set()


def niceness() -> int:
    """The nice value for native threads from ``VISAVIS_NATIVE_NICENESS`` (0 disables)."""
    raw = os.environ.get("VISAVIS_NATIVE_NICENESS", "").strip()
    if not raw:
        return DEFAULT_NICENESS
    try:
        return max(0, min(19, int(raw)))
    except ValueError:
        log.warning(
            "VISAVIS_NATIVE_NICENESS=%r is not a whole number: using %d", raw, DEFAULT_NICENESS
        )
        return DEFAULT_NICENESS


def yield_native_threads(nice: int | None = None) -> int:
    """Lower the priority of this process's threads that Python did not start (seen on two
    scans in a row); returns how many were lowered now."""
    nice = niceness() if nice is None else nice
    if nice <= 0 or not os.path.isdir(TASKS):
        return 0
    python = {t.native_id for t in threading.enumerate()}
    python.add(os.getpid())  # the main thread
    lowered = 0
    with _lock:
        try:
            alive = {int(entry) for entry in os.listdir(TASKS)}
        except OSError:
            return 0
        native = alive - python - _lowered
        for tid in native & _seen:
            try:
                os.setpriority(os.PRIO_PROCESS, tid, nice)
            except OSError:
                continue  # it ended meanwhile (or the system forbids it: nothing to do)
            _lowered.add(tid)
            lowered += 1
        _seen.clear()
        _seen.update(native - _lowered)
        _lowered.intersection_update(alive)
    return lowered


async def keep_native_threads_yielding(every: float = SCAN_SECONDS) -> None:
    """Run ``yield_native_threads`` now and every ``every`` seconds (a few hundred microseconds
    each), for as long as the task lives."""
    while True:
        count = yield_native_threads()
        if count:
            log.debug("lowered the priority of %d native threads", count)
        await asyncio.sleep(every)
