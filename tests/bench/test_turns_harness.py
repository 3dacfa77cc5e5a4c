"""The end-of-turn harness (bench/turns): causal scoring, the label files, interpolation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from bench.turns.harness import (
    CHUNK,
    RATE,
    TIMEOUT,
    Point,
    Runs,
    Silence,
    SilenceThreshold,
    Turn,
    cutoff_rate_at_dead_air,
    dead_air_at_cutoff_rate,
    frontier,
    interpolate,
    run_setting,
    run_turn,
    score,
)

LABELS = Path(__file__).resolve().parents[2] / "bench" / "turns" / "labels"


def toy_turn(end_start: float = 1.5) -> Turn:
    silences = [
        Silence(0.5, 0.9, "hold"),
        Silence(1.2, 1.35, "hold"),
        Silence(end_start, 3.0, "end"),
    ]
    return Turn("toy", "synthetic", np.zeros(3 * RATE, dtype=np.float32), silences)


class Ramp:
    """p rises linearly with the silence's length (1 at ``full`` s); checks it is causal."""

    def __init__(self, full: float) -> None:
        self.full = full
        self.heard = 0
        self.queries: list[tuple[float, float]] = []

    def reset(self) -> None:
        self.heard = 0
        self.queries = []

    def push(self, chunk: np.ndarray) -> None:
        assert chunk.shape == (CHUNK,) and chunk.dtype == np.float32
        self.heard += len(chunk)

    def end_probability(self, silence_started_at: float, now: float) -> float:
        assert now == pytest.approx(self.heard / RATE)  # only audio up to now was heard
        self.queries.append((silence_started_at, now))
        return min(1.0, (now - silence_started_at) / self.full)


def test_queries_are_every_20_ms_during_each_silence_and_causal() -> None:
    ramp = Ramp(1.0)
    traces = run_turn(ramp, toy_turn())
    hold, short, end = ([now for now, _ in t] for t in traces)
    assert hold[0] == pytest.approx(0.52) and hold[-1] == pytest.approx(0.88)
    assert len(hold) == 19  # the query at 0.90 is after the user resumed
    assert len(short) == 7  # 1.22 .. 1.34
    # The end silence is asked until the 2 s timeout, past the audio (padded with zeros).
    assert end[0] == pytest.approx(1.52) and end[-1] == pytest.approx(1.5 + TIMEOUT)
    assert len(end) == 100
    assert ramp.heard == 175 * CHUNK


def test_silence_threshold_scoring_exact() -> None:
    runs = run_setting(0.2, SilenceThreshold(0.2), [toy_turn()])
    point = score(runs, 0.5)
    # The 400 ms hold is cut off at 0.70 s; the 150 ms one is not; the end decided at 1.70 s.
    assert (point.cutoffs, point.holds, point.false_cutoff_rate) == (1, 2, 0.5)
    assert point.median_dead_air == pytest.approx(0.2)
    assert point.timeouts == 0 and point.ends == 1


def test_dead_air_counts_from_an_off_grid_silence_start() -> None:
    point = score(run_setting(0.2, SilenceThreshold(0.2), [toy_turn(1.51)]), 0.5)
    assert point.median_dead_air == pytest.approx(0.21)  # decided at 1.72, the next query


def test_scoring_threshold_sweep_on_a_toy_detector() -> None:
    runs = run_setting(0.0, Ramp(1.0), [toy_turn()])
    low = score(runs, 0.1)  # 0.62 into the 400 ms hold; 1.32 into the 150 ms one is 0.12
    assert low.cutoffs == 2 and low.median_dead_air == pytest.approx(0.1)
    high = score(runs, 0.45)
    assert high.cutoffs == 0 and high.median_dead_air == pytest.approx(0.46)
    never = score(runs, 1.5)
    assert never.timeouts == 1 and never.median_dead_air == TIMEOUT


def test_score_on_hand_made_traces() -> None:
    hold, end = Silence(0.0, 1.0, "hold"), Silence(0.0, 3.0, "end")
    runs = Runs(
        setting=0.0,
        silences=[hold, hold, hold, hold, end, end, end],
        traces=[
            [(0.1, 0.2), (0.2, 0.6)],  # cut off at 0.5
            [(0.1, 0.4)],
            [],
            [(0.5, 0.9)],  # cut off
            [(0.2, 0.7)],  # dead air 0.2
            [(0.2, 0.3), (0.4, 0.5)],  # 0.4
            [(0.2, 0.1)],  # timeout: 2.0
        ],
    )
    point = score(runs, 0.5)
    assert point.false_cutoff_rate == 0.5
    assert point.median_dead_air == pytest.approx(0.4)
    assert point.p90_dead_air == pytest.approx(1.68)
    assert point.timeouts == 1


def test_interpolation_helpers() -> None:
    assert interpolate([0.0, 1.0], [10.0, 20.0], 0.25) == pytest.approx(12.5)
    assert interpolate([0.0, 1.0], [10.0, 20.0], 1.5) is None
    assert interpolate([], [], 0.0) is None
    pts = [(0.2, 0.5), (0.5, 0.2), (0.4, 0.1), (0.6, 0.0), (0.6, 0.3)]
    assert frontier(pts) == [(0.2, 0.5), (0.4, 0.1), (0.6, 0.0)]

    sweep = [Point(0.0, 0.5, r, d, d, 0, 1, 1) for d, r in pts]
    assert cutoff_rate_at_dead_air(sweep, 0.3) == pytest.approx(0.3)
    assert dead_air_at_cutoff_rate(sweep, 0.05) == pytest.approx(0.5)
    assert cutoff_rate_at_dead_air(sweep, 0.1) is None


def check_silences(silences: list[dict], where: str) -> None:
    starts = [s["start"] for s in silences]
    assert starts == sorted(starts), where
    for a, b in zip(silences[:-1], silences[1:], strict=True):
        assert a["end"] <= b["start"], where
    for s in silences:
        assert s["end"] - s["start"] >= 0.1 - 1e-9, where
        assert s["label"] in ("hold", "end"), where
    assert [s["label"] for s in silences].count("end") == 1, where
    assert silences[-1]["label"] == "end", where
    assert silences[-1]["end"] - silences[-1]["start"] >= TIMEOUT, where


def test_beckett_labels() -> None:
    spec = json.loads((LABELS / "beckett.json").read_text(encoding="utf-8"))
    check_silences(spec["silences"], "beckett")
    sentences = [s for s in spec["transcript"].split(".") if s.strip()]
    assert len(spec["silences"]) == len(sentences)  # a pause after each sentence
    assert spec["silences"][-1]["end"] == spec["pad_to"]
    assert all(s["note"] for s in spec["silences"])


def test_synthetic_labels_match_the_script() -> None:
    from bench.turns.dataset import renderings

    path = LABELS / "synthetic.json"
    turns = json.loads(path.read_text(encoding="utf-8"))["turns"]
    assert [t["key"] for t in turns] == [r.key for r in renderings()]
    for t in turns:
        check_silences(t["silences"], t["id"])
        markers = len(re.findall(r"\[pause\s+[0-9.]+\]", t["text"]))
        kinds = [s["kind"] for s in t["silences"]]
        assert kinds.count("marker") == markers, t["id"]


class Prompted(Ramp):
    """A detector with a ``prompt``: the harness tells it the agent's question before a turn."""

    def __init__(self) -> None:
        super().__init__(1.0)
        self.prompt = ""
        self.prompts_seen: list[str] = []

    def reset(self) -> None:
        super().reset()
        self.prompt = "stale"  # whatever reset leaves, the harness sets it after

    def end_probability(self, silence_started_at: float, now: float) -> float:
        self.prompts_seen.append(self.prompt)
        return super().end_probability(silence_started_at, now)


def test_harness_passes_the_turns_prompt() -> None:
    turn = toy_turn()
    turn.prompt = "Did you take your pills?"
    det = Prompted()
    run_turn(det, turn)
    assert det.prompts_seen and set(det.prompts_seen) == {"Did you take your pills?"}
    run_turn(det, toy_turn())  # no prompt: ''
    assert det.prompts_seen[-1] == ""
    ramp = Ramp(1.0)
    run_turn(ramp, turn)  # a detector without ``prompt`` is left alone
    assert not hasattr(ramp, "prompt")


def test_script_lines_carry_their_prompt() -> None:
    from bench.turns.dataset import Rendering, renderings
    from bench.turns.script import LINES, PROMPTS, TURNS

    from visavis.turns.fusion import expectation_from_prompt

    assert len(LINES) == len(TURNS) == len(PROMPTS)
    assert all(p.strip().endswith(("?", ".")) for p in PROMPTS)
    for r in renderings():
        line = int(r.id[1:].split("-")[0])
        assert r.prompt == PROMPTS[line] and r.text == TURNS[line]
    # The prompt is not part of the rendering key: editing a question re-renders nothing.
    r = renderings()[0]
    other = Rendering(r.id, r.text, r.semitones, r.length_scale, "Something else?")
    assert other.key == r.key
    # Every group of the script has questions of the kind its comment says.
    values = [expectation_from_prompt(p) for p in PROMPTS]
    yes_no = [v for p, v in zip(PROMPTS, values, strict=True) if p.startswith(("Did ", "Are "))]
    assert yes_no and all(v == 1.0 for v in yes_no)
    assert expectation_from_prompt(PROMPTS[0]) < 0  # "Which medications ...?"


def test_probe_curves() -> None:
    from bench.turns.probe import ELAPSED, PROBES, crossing, curve

    from visavis.turns.fusion import EndOfTurnModel

    model = EndOfTurnModel.load()
    for probe in PROBES:
        ps = curve(model, probe)
        assert len(ps) == len(ELAPSED) and all(0.0 < p < 1.0 for p in ps)
        assert all(a <= b for a, b in zip(ps, ps[1:], strict=False))  # rises with silence
    filler = next(p for p in PROBES if p.text.endswith("the uh."))
    late = crossing(model, filler, 0.8)
    assert late is None or late >= 1.0  # a mid-phrase filler is not an end at 1 s
