"""Native library threads yield the CPU; Python's threads keep their priority."""

from __future__ import annotations

import os
import threading

import onnxruntime as ort
import pytest

from visavis.models.store import locate
from visavis.runtime import priority

pytestmark = pytest.mark.skipif(not os.path.isdir(priority.TASKS), reason="needs Linux /proc")


def nice_of(tid: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, tid)


def test_a_native_pool_is_lowered_on_its_second_sighting_and_python_threads_are_not():
    base = nice_of(threading.get_native_id())
    if base >= 10:
        pytest.skip(f"the tests already run at nice {base}")
    before = set(map(int, os.listdir(priority.TASKS)))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2  # onnxruntime starts one pool thread of its own
    session = ort.InferenceSession(str(locate("vad.silero")), sess_options=options)
    pool = set(map(int, os.listdir(priority.TASKS))) - before
    assert pool, "onnxruntime started no thread"
    python = threading.Thread(target=threading.Event().wait, args=(5.0,), daemon=True)
    python.start()

    priority.yield_native_threads(10)  # first sighting: nothing lowered yet
    assert all(nice_of(tid) == base for tid in pool)
    priority.yield_native_threads(10)
    assert all(nice_of(tid) == 10 for tid in pool)
    assert python.native_id is not None and nice_of(python.native_id) == base
    assert nice_of(threading.get_native_id()) == base
    del session


def test_niceness_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VISAVIS_NATIVE_NICENESS", "0")
    assert priority.niceness() == 0
    assert priority.yield_native_threads() == 0  # 0: every thread is left alone
    monkeypatch.setenv("VISAVIS_NATIVE_NICENESS", "lots")
    assert priority.niceness() == priority.DEFAULT_NICENESS
    monkeypatch.setenv("VISAVIS_NATIVE_NICENESS", "40")
    assert priority.niceness() == 19
