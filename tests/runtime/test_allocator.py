"""The arena cap that keeps a server's memory flat: set in a fresh process, it bounds the heaps
glibc gives new threads (counted from ``malloc_info``)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from visavis.runtime import allocator

#: A fresh interpreter: caps (or not) the arenas, starts threads that each allocate, and prints
#: how many heaps glibc's malloc_info reports.
PROBE = textwrap.dedent(
    """
    import ctypes, ctypes.util, os, re, sys, tempfile, threading
    from visavis.runtime.allocator import limit_arenas
    print("cap", limit_arenas(int(sys.argv[1])))
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    libc.fopen.restype = ctypes.c_void_p
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    hold, release = [], threading.Event()

    def work():
        hold.append(libc.malloc(4096))  # a thread's first malloc picks (or makes) its arena
        release.wait()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    while len(hold) < len(threads):
        pass
    path = os.path.join(tempfile.mkdtemp(), "info.xml")
    fp = libc.fopen(path.encode(), b"w")
    libc.malloc_info(0, fp)
    libc.fclose(fp)
    print("heaps", len(re.findall(r'<heap nr="', open(path).read())))
    release.set()
    """
)


def _heaps(cap: int) -> tuple[str, int]:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(cap)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    ).stdout.split("\n")
    return out[0].split()[1], int(out[1].split()[1])


@pytest.mark.skipif(allocator._libc() is None, reason="glibc only")
def test_the_cap_bounds_the_heaps_new_threads_get() -> None:
    assert _heaps(2) == ("2", 2)
    cap, heaps = _heaps(0)  # 0: glibc's own default (8 per core), one arena per new thread
    assert cap == "None" and heaps > 2


def test_an_explicit_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert allocator.limit_arenas(2) is None  # glibc read it at start; nothing to change


def test_the_setting_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setenv("VISAVIS_MALLOC_ARENAS", "0")
    assert allocator.limit_arenas() is None
    monkeypatch.setenv("VISAVIS_MALLOC_ARENAS", "two")
    expected = allocator.DEFAULT_ARENAS if allocator._libc() else None
    assert allocator.limit_arenas() == expected
    assert "VISAVIS_MALLOC_ARENAS='two' is not a whole number" in caplog.text
