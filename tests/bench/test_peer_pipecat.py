"""The Pipecat side-by-side benchmark's pure parts: latency from audio, the ratio table."""

from __future__ import annotations

import math

import numpy as np
from bench.peer_metrics import (
    Turn,
    markdown_table,
    place_chunks,
    ratio_intervals,
    ratio_rows,
    reply_ready_ms,
    speech_end,
    speech_spans,
    summarize,
    turn_results,
)

RATE = 16000


def tone(seconds: float, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (level * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def test_speech_end_and_spans_from_audio() -> None:
    audio = np.concatenate([silence(0.5), tone(1.0), silence(0.2), tone(0.5), silence(1.0)])
    end = speech_end(audio, RATE)
    assert end is not None and abs(end - 2.2) <= 0.011
    # A 0.2 s gap is inside one reply; a quiet hiss (-50 dBFS) is silence.
    spans = speech_spans(audio + 0.003 * np.ones_like(audio), RATE)
    assert len(spans) == 1
    assert abs(spans[0][0] - 0.5) <= 0.011 and abs(spans[0][1] - 2.2) <= 0.011
    apart = np.concatenate([tone(0.5), silence(0.5), tone(0.5)])
    assert len(speech_spans(apart, RATE)) == 2
    assert speech_end(silence(1.0), RATE) is None


def test_chunks_are_placed_on_the_input_timeline() -> None:
    out = place_chunks([(1.0, tone(0.04)), (1.04, tone(0.04)), (3.0, tone(0.02))], RATE)
    assert len(out) == int(3.02 * RATE)
    spans = speech_spans(out, RATE)
    assert [round(s, 2) for s, _ in spans] == [1.0, 3.0]


def test_latency_is_the_first_reply_after_the_end_of_speech() -> None:
    turns = [
        Turn(2.0, 3.0, "yes", "short"),
        Turn(10.0, 13.0, "um ... pills", "hesitant"),
        Turn(20.0, 22.0, "no", "short"),
    ]
    # Turn 1: answered at 3.6. Turn 2: a reply in its pause (11.5, a cut-in), the answer
    # at 15.2. Turn 3: nothing within the horizon.
    onsets = [0.2, 3.6, 11.5, 15.2, 29.0]
    results = turn_results(turns, onsets, horizon=6.5)
    assert [r.cut_in for r in results] == [False, True, False]
    assert math.isclose(results[0].latency or 0, 0.6)
    assert math.isclose(results[1].latency or 0, 2.2)
    assert results[2].latency is None
    summary = summarize("x", results)
    assert summary.answered == 2 and summary.turns == 3 and summary.cut_ins == 1
    assert math.isclose(summary.p50, 1.4)
    assert math.isclose(summary.max, 2.2)


def test_a_reply_to_the_previous_turn_is_not_this_turns_answer() -> None:
    turns = [Turn(2.0, 3.0, "a", "short"), Turn(5.0, 6.0, "b", "short")]
    # The only onset after turn 1 comes after turn 2 has started: it answers turn 2.
    results = turn_results(turns, [6.4])
    assert results[0].latency is None
    assert math.isclose(results[1].latency or 0, 0.4)


def test_ratio_table() -> None:
    turns = [Turn(float(i * 10), float(i * 10 + 1), "t", "short") for i in range(20)]
    ours = summarize("visavis", turn_results(turns, [t.speech_end + 0.4 for t in turns]))
    peer = summarize("Pipecat", turn_results(turns, [t.speech_end + 1.0 for t in turns]))
    rows = ratio_rows(ours, peer)
    assert rows[0] == ("voice to voice p50", "400 ms", "1000 ms", "0.40x", "<= 0.5x (met)")
    assert rows[1][3] == "0.40x" and rows[1][4] == "<= 0.3x (not met)"
    assert ("answered turns", "20 of 20", "20 of 20", "", "") in rows
    table = markdown_table(rows)
    assert table.splitlines()[0].startswith("| | visavis | Pipecat 1.14.0 |")
    assert len(table.splitlines()) == 2 + len(rows)


def test_ratio_intervals_pair_the_turns_and_widen_with_a_slow_outlier() -> None:
    turns = [Turn(float(i * 10), float(i * 10 + 1), "t", "short") for i in range(24)]

    def answered(latencies: list[float]) -> list:
        replies = [t.speech_end + x for t, x in zip(turns, latencies, strict=True)]
        return turn_results(turns, replies)

    peer_lat = [0.6 + 0.02 * i for i in range(24)]
    # Half of Pipecat's latency on every turn: whichever turns are drawn, the ratio is 0.5.
    ours = answered([0.5 * x for x in peer_lat])
    for low, high in ratio_intervals(ours, answered(peer_lat), draws=500).values():
        assert math.isclose(low, 0.5, abs_tol=1e-3) and math.isclose(high, 0.5, abs_tol=1e-3)
    # One 3 s fallback on Pipecat's side: the p95 ratio's interval spans it being drawn or not.
    peer = answered(peer_lat[:-1] + [3.0])
    low, high = ratio_intervals(ours, peer, draws=500)["p95"]
    assert low < 0.4 and high >= 0.5 - 1e-6
    rows = ratio_rows(summarize("visavis", ours), summarize("Pipecat", peer), {"p95": (low, high)})
    assert rows[0][3].endswith("x") and f"(95%: {low:.2f}-{high:.2f}x)" in rows[1][3]


def test_the_reply_is_ready_when_the_speculation_the_stop_started_is() -> None:
    def spec(t: float, phase: str) -> dict[str, object]:
        return {"type": "turn.speculation", "t": t, "phase": phase}

    events = [
        spec(4.0, "started"),  # an earlier pause, answered before this turn
        spec(4.3, "ready"),
        spec(10.2, "started"),  # a pause mid-turn: the user went on
        spec(10.3, "discarded"),
        spec(12.2, "started"),  # the turn's end (VAD end of speech at 12.1, voice at 12.0)
        spec(12.25, "transcribed"),
        spec(12.36, "ready"),
    ]
    assert reply_ready_ms(events, stop=12.1, voice_end=12.0) == 360.0
    # The mid-turn pause's reply was never ready: the next speculation started first.
    assert reply_ready_ms(events, stop=10.1, voice_end=10.0) is None
    # No speculation after the stop (the agent was speaking over it): nothing to measure.
    assert reply_ready_ms(events, stop=13.0, voice_end=12.9) is None
