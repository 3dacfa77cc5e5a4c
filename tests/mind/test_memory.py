"""Memory across calls: facts from an outcome, recalled into the next call's questions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from tests.mind.conftest import TODAY
from tests.mind.helpers import Call

from visavis.mind.build import MindConfig, build_mind
from visavis.mind.memory import MemoryItem, memories_from_call
from visavis.runtime.events import MemoryRecalled


class ListBackend:
    """A memory backend in a list (the database one is tested with the store)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, dict[str, Any]]] = []

    def recall(self, stores: Sequence[str], limit: int = 10) -> list[dict[str, Any]]:
        return [item for store, item in reversed(self.rows) if store in stores][:limit]

    def remember(self, stores: Sequence[str], items: Sequence[MemoryItem], cid: str) -> None:
        self.rows += [(s, i.as_dict()) for s in stores for i in items]


def finish_first_call(mind: Any) -> None:
    call = Call(mind)
    call.user("Yes, this is Maria.")
    call.user("March fourteenth, nineteen fifty two.")
    call.user("Yes, I have been taking all of them.")
    call.user("I get a little dizzy when I stand up.")


def test_a_call_leaves_its_symptoms_and_a_summary(tmp_path: Path) -> None:
    mind = build_mind("maria-lopez", tmp_path / "c.db", TODAY)
    finish_first_call(mind)
    items = memories_from_call(mind.outcome(), date(2026, 11, 23))
    kinds = [(i.kind, i.data.get("about")) for i in items]
    assert ("fact", "symptoms") in kinds and items[-1].kind == "summary"
    assert "dizziness" in items[0].text and "November 23" in items[0].text


def test_an_unverified_caller_leaves_nothing() -> None:
    outcome = {"identity_confirmed": False, "output_variables": {"s": {"symptoms": ["cough"]}}}
    assert memories_from_call(outcome, TODAY) == []


def test_the_second_call_asks_about_what_the_first_one_heard(tmp_path: Path) -> None:
    backend = ListBackend()
    config = MindConfig(memory=backend, memory_stores=["maria-lopez"])
    first = build_mind("maria-lopez", tmp_path / "1.db", TODAY, config)
    finish_first_call(first)
    backend.remember(["maria-lopez"], memories_from_call(first.outcome(), TODAY), "c1")

    second = build_mind("maria-lopez", tmp_path / "2.db", TODAY, config)
    call = Call(second)
    [recalled] = [e for e in call.events if isinstance(e, MemoryRecalled)]
    assert recalled.memory_stores == ["maria-lopez"] and recalled.items
    call.user("Yes, this is Maria.")
    call.user("March fourteenth, nineteen fifty two.")
    said = call.user("Yes, all of them.")
    # Identity first: the memory is used only after it is confirmed.
    assert "Last time we spoke, you mentioned dizziness. How is that now?" in said
    call.user("It's gone, I feel fine now.")
    assert second.outcome()["output_variables"]["check_symptoms"]["symptoms"] == []
    assert any("dizziness" in r for r in second.outcome()["recalled"])


def test_another_persons_store_is_not_recalled(tmp_path: Path) -> None:
    backend = ListBackend()
    backend.remember(
        ["robert-chen"],
        [MemoryItem("fact", "x", {"about": "symptoms", "symptoms": ["cough"]})],
        "c",
    )
    config = MindConfig(memory=backend, memory_stores=["maria-lopez"])
    mind = build_mind("maria-lopez", tmp_path / "c.db", TODAY, config)
    assert mind.outcome()["recalled"] == []
