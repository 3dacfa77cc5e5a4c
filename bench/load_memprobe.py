"""An opt-in memory probe for the server under load (``VISAVIS_MEMPROBE=<file>``).

``load_server`` then starts ``visavis serve`` through this module, which, in the server's own
process, appends to ``<file>`` every ``VISAVIS_MEMPROBE_EVERY`` seconds (default 60): RSS and
``/proc/self/smaps_rollup``, glibc's ``mallinfo2`` (heap in use vs free), the RSS that
``malloc_trim(0)`` gives back (with ``VISAVIS_MEMPROBE_TRIM=1``), the mappings whose RSS grew
most, the live objects by type that grew most since the first sample (and a few new ones of each
type in ``VISAVIS_MEMPROBE_SHOW=set,tuple``, with their referrers), and (with
``VISAVIS_TRACEMALLOC=<frames>``) the Python allocations that grew most since the first
snapshot, by traceback. ``VISAVIS_ORT_NO_ARENA=1`` turns onnxruntime's CPU arena off in every
session (an experiment: Piper's arena keeps the largest sentence's buffers). Tracing costs CPU
and memory: figures from a probed run are for finding what grows, not for the RSS slope.
"""

from __future__ import annotations

import collections
import ctypes
import gc
import os
import reprlib
import sys
import threading
import time
import tracemalloc


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _Mallinfo2
        return libc
    except (OSError, AttributeError):
        return None


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _rollup() -> str:
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii") as fh:
            keep = ("Rss", "Anonymous", "Private_Dirty", "Shared_Clean", "Swap")
            return " ".join(" ".join(line.split()[:2]) for line in fh if line.startswith(keep))
    except OSError:
        return ""


def _maps() -> dict[str, tuple[str, int, int]]:
    """Each mapping's (description, size kB, RSS kB) by address range."""
    out: dict[str, tuple[str, int, int]] = {}
    key, desc, size = "", "", 0
    with open("/proc/self/smaps", encoding="ascii", errors="replace") as fh:
        for line in fh:
            head = line.split()
            if not head[0].endswith(":"):
                key = head[0].split("-")[0]
                desc = " ".join(head[5:]) or "[anon]"
            elif head[0] == "Size:":
                size = int(head[1])
            elif head[0] == "Rss:":
                out[key] = (desc, size, int(head[1]))
    return out


def _show(kind: str, old: set[int], n: int = 6) -> list[str]:
    """A few of the ``kind`` objects born since the first sample, with their referrers."""
    new = [o for o in gc.get_objects() if type(o).__qualname__ == kind and id(o) not in old]
    lines = [f"new {kind}: {len(new)}"]
    for o in new[-n:]:
        refs = [type(r).__qualname__ for r in gc.get_referrers(o) if r is not new]
        lines.append(f"    {reprlib.repr(o)[:120]}  <- {refs[:4]}")
    return lines


def _types() -> collections.Counter[str]:
    return collections.Counter(type(o).__qualname__ for o in gc.get_objects())


def _run(path: str, every: float, trim: bool, frames: int) -> None:
    libc = _libc()
    start = time.monotonic()
    base_types: collections.Counter[str] | None = None
    base_maps = _maps()
    show = [k for k in os.environ.get("VISAVIS_MEMPROBE_SHOW", "").split(",") if k]
    born = {k: {id(o) for o in gc.get_objects() if type(o).__qualname__ == k} for k in show}
    base_snap: tracemalloc.Snapshot | None = None
    while True:
        time.sleep(every)
        lines = [f"=== t={time.monotonic() - start:.0f}s rss={_rss_mb():.1f}MB {_rollup()}"]
        if libc is not None:
            mi = libc.mallinfo2()
            lines.append(
                f"malloc: arena(main)={mi.arena / 2**20:.1f}MB mmap={mi.hblkhd / 2**20:.1f}MB "
                f"in_use={mi.uordblks / 2**20:.1f}MB free={mi.fordblks / 2**20:.1f}MB "
                f"(mallinfo2 counts the main arena only)"
            )
            if trim:
                before, started = _rss_mb(), time.perf_counter()
                libc.malloc_trim(0)
                ms = (time.perf_counter() - started) * 1000.0
                lines.append(
                    f"malloc_trim(0): rss {before:.1f} -> {_rss_mb():.1f}MB in {ms:.0f} ms"
                )
        maps = _maps()
        grown = sorted(
            (
                (rss - base_maps.get(k, ("", 0, 0))[2], k, d, size)
                for k, (d, size, rss) in maps.items()
            ),
            reverse=True,
        )[:8]
        lines.append(
            "mappings grown: "
            + ", ".join(f"{k} {d} size={size}kB rss+{n}kB" for n, k, d, size in grown if n > 0)
        )
        types = _types()
        if base_types is None:
            base_types = types
        else:
            grew = sorted(((types[k] - base_types[k], k) for k in types), reverse=True)[:15]
            lines.append("objects grown: " + ", ".join(f"{k}+{n}" for n, k in grew if n > 0))
            for kind in show:
                lines.extend(_show(kind, born[kind]))
        if frames:
            snap = tracemalloc.take_snapshot().filter_traces(
                [tracemalloc.Filter(False, tracemalloc.__file__)]
            )
            if base_snap is None:
                base_snap = snap
            else:
                traced, peak = tracemalloc.get_traced_memory()
                lines.append(f"tracemalloc: traced={traced / 2**20:.1f}MB")
                for stat in snap.compare_to(base_snap, "traceback")[:12]:
                    lines.append(
                        f"  {stat.size_diff / 1024:+.0f} KiB ({stat.count_diff:+d} blocks)"
                    )
                    lines.extend(f"      {line}" for line in stat.traceback.format()[-frames:])
        with open(path, "a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")


def _no_ort_arena() -> None:
    """Sessions made from now on without onnxruntime's CPU memory arena (an experiment: the
    arena keeps the largest input's buffers for the life of the session)."""
    import onnxruntime

    class Options(onnxruntime.SessionOptions):
        def __init__(self) -> None:
            super().__init__()
            self.enable_cpu_mem_arena = False

    onnxruntime.SessionOptions = Options  # type: ignore[misc]


def start() -> None:
    path = os.environ.get("VISAVIS_MEMPROBE")
    if not path:
        return
    if os.environ.get("VISAVIS_ORT_NO_ARENA") == "1":
        _no_ort_arena()
    frames = int(os.environ.get("VISAVIS_TRACEMALLOC", "0") or 0)
    if frames:
        tracemalloc.start(frames)
    every = float(os.environ.get("VISAVIS_MEMPROBE_EVERY", "60"))
    trim = os.environ.get("VISAVIS_MEMPROBE_TRIM") == "1"
    threading.Thread(target=_run, args=(path, every, trim, frames), daemon=True).start()


if __name__ == "__main__":
    start()
    from visavis.cli import main

    sys.argv[0] = "visavis"
    sys.exit(main())
