"""Pure parts of the Pipecat side-by-side benchmark: latency from audio, and the table.

Both sides of ``bench/peer_pipecat.py`` hand back the same thing: the agent's output audio
placed on the input's timeline (second 0 = the first sample of the patient WAV; the agent's
samples at the wall time they left for the line). Everything here works on that, so the two
frameworks are measured by one piece of code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: A 10 ms window counts as voiced above this RMS (-40 dBFS), as in bench/voice_latency.py.
VOICED_RMS = 0.01
#: Silence that separates two agent replies in the output audio.
REPLY_GAP = 0.3


@dataclass(frozen=True)
class Turn:
    """One patient turn of the script: when its speech starts and ends in the input audio."""

    start: float
    speech_end: float
    text: str
    kind: str  # "short", "complete" or "hesitant"


@dataclass(frozen=True)
class TurnResult:
    turn: Turn
    #: Seconds from the end of the patient's speech to the first agent sample after it.
    latency: float | None
    #: The agent started speaking inside the patient's turn (before its speech ended).
    cut_in: bool


def voiced_windows(audio: np.ndarray, rate: int) -> np.ndarray:
    """Start times (s) of the 10 ms windows of ``audio`` whose RMS is above ``VOICED_RMS``."""
    win = rate // 100
    n = len(audio) // win
    if n == 0:
        return np.zeros(0)
    levels = np.sqrt(np.mean(np.square(audio[: n * win].reshape(n, win), dtype=np.float64), 1))
    return np.flatnonzero(levels > VOICED_RMS) * win / rate


def speech_spans(audio: np.ndarray, rate: int, gap: float = REPLY_GAP) -> list[tuple[float, float]]:
    """Voiced stretches (start, end) of ``audio``, merging those less than ``gap`` apart."""
    starts = voiced_windows(audio, rate)
    spans: list[tuple[float, float]] = []
    for t in starts:
        if spans and t - spans[-1][1] < gap:
            spans[-1] = (spans[-1][0], float(t) + 0.01)
        else:
            spans.append((float(t), float(t) + 0.01))
    return spans


def speech_end(audio: np.ndarray, rate: int) -> float | None:
    """End (s) of the last voiced window of ``audio``."""
    starts = voiced_windows(audio, rate)
    return None if len(starts) == 0 else float(starts[-1]) + 0.01


def turn_results(turns: list[Turn], onsets: list[float], horizon: float = 6.5) -> list[TurnResult]:
    """Match each patient turn with the agent's reply.

    ``onsets`` are the starts of the agent's voiced stretches. The latency of a turn is the
    first onset at or after its speech end (within ``horizon`` seconds and before the next
    turn starts); an onset between the turn's start and its speech end is a cut-in. A turn
    with no onset in its window has no latency (reported as unanswered)."""
    out = []
    for i, turn in enumerate(turns):
        limit = turns[i + 1].start if i + 1 < len(turns) else turn.speech_end + horizon
        limit = min(limit, turn.speech_end + horizon)
        cut_in = any(turn.start < t < turn.speech_end for t in onsets)
        after = [t for t in onsets if turn.speech_end <= t < limit]
        latency = (after[0] - turn.speech_end) if after else None
        out.append(TurnResult(turn, latency, cut_in))
    return out


def percentiles(values: list[float]) -> tuple[float, float]:
    """(p50, p95) of ``values`` in the units given (numpy's linear interpolation)."""
    if not values:
        return (float("nan"), float("nan"))
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def reply_ready_ms(
    speculation: list[dict[str, Any]], stop: float, voice_end: float
) -> float | None:
    """When visavis's reply to a pause was ready, in ms after the end of the patient's voice.

    ``speculation``: the timeline's ``turn.speculation`` events in order; ``stop``: the media
    time the VAD put the end of speech at. The reply is the one whose speculation started first
    at or after ``stop`` (after the VAD's hangover); it is ready at its ``ready`` event, unless
    another speculation started first (the user went on) or none did (the agent was speaking).
    """
    started = False
    for event in speculation:
        if float(event["t"]) < stop:
            continue
        if event["phase"] == "started":
            if started:
                return None
            started = True
        elif started and event["phase"] == "ready":
            return round((float(event["t"]) - voice_end) * 1000.0, 1)
    return None


@dataclass(frozen=True)
class SideSummary:
    name: str
    p50: float  # seconds
    p95: float
    answered: int
    turns: int
    cut_ins: int
    max: float


def summarize(name: str, results: list[TurnResult]) -> SideSummary:
    lat = [r.latency for r in results if r.latency is not None]
    p50, p95 = percentiles(lat)
    return SideSummary(
        name=name,
        p50=p50,
        p95=p95,
        answered=len(lat),
        turns=len(results),
        cut_ins=sum(r.cut_in for r in results),
        max=max(lat) if lat else float("nan"),
    )


#: Targets of the issue: visavis / Pipecat.
TARGET_P50_RATIO = 0.5
TARGET_P95_RATIO = 0.3
#: Bootstrap draws for the ratios' intervals.
DRAWS = 4000


def ratio_intervals(
    ours: list[TurnResult], peer: list[TurnResult], draws: int = DRAWS, seed: int = 0
) -> dict[str, tuple[float, float]]:
    """95% intervals of the p50 and p95 ratios (visavis / Pipecat) by a paired bootstrap: the
    turns are drawn with replacement, the same turns for both sides, so a turn that is hard for
    both stays paired. With a couple of dozen turns a p95 rests on the two slowest, and the
    interval says how much one turn more or less of a kind moves it."""
    pairs = [
        (a.latency, b.latency)
        for a, b in zip(ours, peer, strict=True)
        if a.latency is not None and b.latency is not None
    ]
    if not pairs:
        return {}
    x = np.array(pairs)
    rng = np.random.default_rng(seed)
    picks = x[rng.integers(0, len(x), size=(draws, len(x)))]  # draws x turns x 2
    out = {}
    for name, q in (("p50", 50), ("p95", 95)):
        ratios = np.percentile(picks[:, :, 0], q, axis=1) / np.percentile(picks[:, :, 1], q, axis=1)
        low, high = np.percentile(ratios, [2.5, 97.5])
        out[name] = (float(low), float(high))
    return out


def ratio_rows(
    ours: SideSummary,
    peer: SideSummary,
    intervals: dict[str, tuple[float, float]] | None = None,
) -> list[tuple[str, str, str, str, str]]:
    """(metric, visavis, Pipecat, ratio, target) rows of the comparison table; ``intervals``
    (``ratio_intervals``) adds each ratio's 95% interval."""
    rows = []
    for name, a, b, target in (
        ("p50", ours.p50, peer.p50, TARGET_P50_RATIO),
        ("p95", ours.p95, peer.p95, TARGET_P95_RATIO),
    ):
        ratio = a / b if b > 0 else float("nan")
        met = "met" if ratio <= target else "not met"
        cell = f"{ratio:.2f}x"
        if intervals and name in intervals:
            low, high = intervals[name]
            cell += f" (95%: {low:.2f}-{high:.2f}x)"
        rows.append(
            (
                f"voice to voice {name}",
                f"{a * 1000:.0f} ms",
                f"{b * 1000:.0f} ms",
                cell,
                f"<= {target}x ({met})",
            )
        )
    rows.append(("max", f"{ours.max * 1000:.0f} ms", f"{peer.max * 1000:.0f} ms", "", ""))
    rows.append(
        (
            "answered turns",
            f"{ours.answered} of {ours.turns}",
            f"{peer.answered} of {peer.turns}",
            "",
            "",
        )
    )
    rows.append(
        (
            "cut-ins (agent audio inside a patient turn)",
            str(ours.cut_ins),
            str(peer.cut_ins),
            "",
            "",
        )
    )
    return rows


def markdown_table(rows: list[tuple[str, str, str, str, str]]) -> str:
    head = "| | visavis | Pipecat 1.14.0 | ratio | target |\n|---|---|---|---|---|"
    return "\n".join([head] + ["| " + " | ".join(r) + " |" for r in rows])


def place_chunks(chunks: list[tuple[float, np.ndarray]], rate: int) -> np.ndarray:
    """The output track: each (start seconds, samples) chunk placed at its start."""
    end = max((int(round(s * rate)) + len(x) for s, x in chunks), default=0)
    out = np.zeros(end, dtype=np.float32)
    for start, samples in chunks:
        i = int(round(start * rate))
        out[i : i + len(samples)] += samples
    return out
