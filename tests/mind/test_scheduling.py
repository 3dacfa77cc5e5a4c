from __future__ import annotations

from datetime import datetime
from pathlib import Path
from threading import Barrier, Thread

import pytest

from visavis.mind.tools import BookSlotTool, ClinicStore, EscalateTool, ToolError


def test_slot_cannot_be_double_booked(tmp_path: Path) -> None:
    store = ClinicStore(tmp_path / "c.db")
    slot = store.add_slot(datetime(2025, 3, 18, 10), 30, "Dr. O")
    tool = BookSlotTool(store)
    assert tool.run({"slot_id": slot, "patient_id": "a"})["slot_id"] == slot
    with pytest.raises(ToolError, match="already booked"):
        tool.run({"slot_id": slot, "patient_id": "b"})
    assert [b["patient_id"] for b in store.bookings()] == ["a"]


def test_concurrent_bookings_one_wins(tmp_path: Path) -> None:
    store = ClinicStore(tmp_path / "c.db")
    slot = store.add_slot(datetime(2025, 3, 18, 10), 30, "Dr. O")
    barrier, results = Barrier(2), []

    def book(pid: str) -> None:
        other = ClinicStore(tmp_path / "c.db")
        barrier.wait()
        try:
            other.book(slot, pid)
            results.append("ok")
        except ToolError:
            results.append("taken")

    threads = [Thread(target=book, args=(p,)) for p in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "taken"]
    assert len(store.bookings()) == 1


def test_escalation_record(tmp_path: Path) -> None:
    store = ClinicStore(tmp_path / "c.db")
    out = EscalateTool(store).run(
        {
            "patient_id": "p",
            "reason": "red flag: chest pain",
            "severity": "urgent",
            "evidence": "chest pain",
        }
    )
    assert out["severity"] == "urgent"
    assert store.escalations("p")[0]["reason"] == "red flag: chest pain"
    with pytest.raises(ToolError):
        EscalateTool(store).run({"patient_id": "p", "reason": "x", "severity": "soon"})
