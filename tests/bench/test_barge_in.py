"""The barge-in benchmark's set, scoring and docs section (no models)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bench.barge_in import Judgement, Outcome, report, score, write_section
from bench.barge_in_set import build_items, load_items, make_noise


def test_stored_labels_are_the_built_set() -> None:
    items = load_items()
    assert items == build_items()
    counts = {k: sum(i["kind"] == k for i in items) for k in ("barge_in", "backchannel")}
    assert min(counts.values()) >= 30
    assert sum(i["kind"] == "noise" for i in items) >= 10
    assert sum(i["kind"] == "echo" for i in items) >= 10
    voices = {(i["voice"]["semitones"], i["voice"]["length_scale"]) for i in items if i["voice"]}
    assert len(voices) >= 4 and all(st != 0 for st, _ in voices)
    assert any(i["echo"] for i in items if i["kind"] == "barge_in")  # double talk


def test_noises_are_made_for_every_kind() -> None:
    for kind in ("cough", "knock", "keyboard", "burst"):
        sound = make_noise(kind, np.random.default_rng(0))
        assert 0.05 < len(sound) / 16000 <= 1.2 and np.max(np.abs(sound)) == 1.0


def _outcome(kind: str, verdicts: list[str], onset: float = 1.0) -> Outcome:
    item = {"id": kind, "kind": kind, "text": "x", "onset": onset}
    judged = [
        Judgement(onset + 0.02 * n, onset + 0.08, v, "r", "", onset + 0.6, 3)
        for n, v in enumerate(verdicts)
    ]
    return Outcome(item, judged)


def test_score_counts_barge_ins_against_the_rest() -> None:
    outcomes = [
        _outcome("barge_in", ["barge_in"]),
        _outcome("barge_in", ["backchannel"]),
        _outcome("backchannel", ["backchannel"]),
        _outcome("backchannel", ["barge_in"]),
        _outcome("echo", ["echo"]),
        _outcome("noise", []),
    ]
    s = score(outcomes)
    assert (s["tp"], s["fp"], s["fn"]) == (1, 1, 1)
    assert s["precision"] == 0.5 and s["recall"] == 0.5
    assert s["confusion"]["noise"]["none"] == 1
    assert s["decision"] == [pytest.approx(0.6)]
    assert all(abs(x - 0.08) < 1e-9 for x in s["onset"])
    assert "## Barge-in" in report(s, outcomes, 1.0)


def test_section_is_replaced_or_appended(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# B\n\n## A\n\na\n\n## Barge-in\n\nold\n\n## C\n\nc\n", encoding="utf-8")
    write_section("## Barge-in\n\nnew\n", doc)
    text = doc.read_text(encoding="utf-8")
    assert "old" not in text and "new" in text and "## A\n\na" in text and "## C\n\nc" in text
    doc.write_text("# B\n\n## A\n\na\n", encoding="utf-8")
    write_section("## Barge-in\n\nnew\n", doc)
    assert doc.read_text(encoding="utf-8").endswith("## A\n\na\n\n## Barge-in\n\nnew\n")
