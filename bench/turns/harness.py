"""Causal scoring of end-of-turn detectors on labelled silences.

A detector hears a turn 20 ms at a time (``push``), in order, and during every labelled silence
is asked, after each 20 ms chunk, how likely it is that the user has finished
(``end_probability``). For a threshold, the first query whose probability reaches it is the
decision. Deciding during a *hold* silence (before the user resumes) is a false cut-off; for the
*end* silence, the time from the silence's start to the decision is dead air (no decision within
``TIMEOUT`` counts as ``TIMEOUT``, a timeout).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

RATE = 16000
CHUNK = 320  # samples: 20 ms at 16 kHz
STEP = CHUNK / RATE
TIMEOUT = 2.0
_EPS = 1e-9

Label = Literal["hold", "end"]


@dataclass(frozen=True, slots=True)
class Silence:
    start: float
    end: float
    label: Label
    note: str = ""

    @property
    def length(self) -> float:
        return self.end - self.start


@dataclass(slots=True)
class Turn:
    id: str
    source: Literal["real", "synthetic"]
    audio: np.ndarray  # mono float32, 16 kHz
    silences: list[Silence]
    text: str = ""
    #: The agent's question this turn answers ('' if unknown), for detectors with a ``prompt``.
    prompt: str = ""


class Detector(Protocol):
    """What the harness drives; one instance scores one turn at a time."""

    def reset(self) -> None:
        """Forget everything: a new turn starts."""

    def push(self, chunk: np.ndarray) -> None:
        """The next 20 ms (320 float32 samples at 16 kHz) of the turn's audio, in order."""

    def end_probability(self, silence_started_at: float, now: float) -> float:
        """Probability the turn has ended, asked every 20 ms during a silence that began at
        ``silence_started_at`` (seconds from the turn's start); ``now`` is the end of the audio
        pushed so far. Only audio up to ``now`` has been heard."""
        ...


class SilenceThreshold:
    """The baseline: the turn has ended once the silence has lasted ``seconds``."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def reset(self) -> None:
        pass

    def push(self, chunk: np.ndarray) -> None:
        pass

    def end_probability(self, silence_started_at: float, now: float) -> float:
        return 1.0 if now - silence_started_at >= self.seconds - _EPS else 0.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """A detector to sweep: ``settings()`` gives ``(setting, detector)`` pairs, each run once
    over the set; every run is then scored at every probability threshold in ``thresholds``.
    A silence threshold sweeps settings (one threshold of 0.5); a model sweeps thresholds."""

    name: str
    settings: Callable[[], Sequence[tuple[float, Detector]]]
    thresholds: Sequence[float] = (0.5,)
    color: tuple[int, int, int] = (60, 60, 200)  # BGR for the plot
    setting_label: str = "setting"  # what the setting is, for the report's table


#: Per silence, the ``(now, probability)`` queries in order.
Trace = list[tuple[float, float]]


def run_turn(detector: Detector, turn: Turn) -> list[Trace]:
    """Push the turn's audio chunk by chunk and query during each labelled silence. A detector
    with a ``prompt`` attribute is told the agent's question first (``turn.prompt``)."""
    detector.reset()
    if hasattr(detector, "prompt"):
        detector.prompt = turn.prompt
    silences = sorted(turn.silences, key=lambda s: s.start)
    traces: list[Trace] = [[] for _ in silences]
    horizon = max((_limit(s) for s in silences), default=0.0)
    n_audio = len(turn.audio)
    k = 0
    while True:
        lo = k * CHUNK
        if lo >= n_audio and k * STEP >= horizon - _EPS:
            break
        chunk = np.zeros(CHUNK, dtype=np.float32)
        part = turn.audio[lo : lo + CHUNK]
        chunk[: len(part)] = part
        detector.push(chunk)
        k += 1
        now = round(k * STEP, 6)
        for trace, silence in zip(traces, silences, strict=True):
            if silence.start < now - _EPS and now <= _limit(silence) + _EPS:
                if silence.label == "hold" and now >= silence.end - _EPS:
                    continue  # the user has resumed: no longer a pause
                trace.append((now, float(detector.end_probability(silence.start, now))))
    return traces


def _limit(silence: Silence) -> float:
    """Last query time: holds until the user resumes, the end silence until the timeout."""
    return silence.end if silence.label == "hold" else silence.start + TIMEOUT


@dataclass(slots=True)
class Point:
    """One operating point of a sweep."""

    setting: float
    threshold: float
    false_cutoff_rate: float
    median_dead_air: float
    p90_dead_air: float
    timeouts: int
    holds: int
    ends: int
    cutoffs: int = 0


@dataclass(slots=True)
class Runs:
    """Traces of one detector setting over the whole set (same order as the turns)."""

    setting: float
    silences: list[Silence] = field(default_factory=list)
    traces: list[Trace] = field(default_factory=list)


def run_setting(setting: float, detector: Detector, turns: Sequence[Turn]) -> Runs:
    runs = Runs(setting)
    for turn in turns:
        runs.silences.extend(sorted(turn.silences, key=lambda s: s.start))
        runs.traces.extend(run_turn(detector, turn))
    return runs


def score(runs: Runs, threshold: float) -> Point:
    """False cut-off rate over hold silences and dead air over end silences at ``threshold``."""
    cutoffs = holds = timeouts = 0
    dead: list[float] = []
    for silence, trace in zip(runs.silences, runs.traces, strict=True):
        decision = next((now for now, p in trace if p >= threshold), None)
        if silence.label == "hold":
            holds += 1
            cutoffs += decision is not None
        elif decision is None:
            timeouts += 1
            dead.append(TIMEOUT)
        else:
            dead.append(min(TIMEOUT, decision - silence.start))
    arr = np.array(dead) if dead else np.array([np.nan])
    return Point(
        setting=runs.setting,
        threshold=threshold,
        false_cutoff_rate=cutoffs / holds if holds else float("nan"),
        median_dead_air=float(np.median(arr)),
        p90_dead_air=float(np.percentile(arr, 90)),
        timeouts=timeouts,
        holds=holds,
        ends=len(dead),
        cutoffs=cutoffs,
    )


def sweep(
    candidate: Candidate, turns: Sequence[Turn], progress: Callable[[str], None] | None = None
) -> list[Point]:
    points: list[Point] = []
    for setting, detector in candidate.settings():
        runs = run_setting(setting, detector, turns)
        points.extend(score(runs, t) for t in candidate.thresholds)
        if progress:
            progress(f"{candidate.name}: setting {setting:g} done")
    return points


def frontier(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The lower-left envelope of ``(dead_air, false_cutoff_rate)`` points: sorted by dead air,
    keeping each point only if its rate is below every point with less dead air."""
    best: list[tuple[float, float]] = []
    for x, y in sorted(points, key=lambda p: (p[0], p[1])):
        if not best or y < best[-1][1]:
            if best and x == best[-1][0]:
                continue
            best.append((x, y))
    return best


def interpolate(xs: Sequence[float], ys: Sequence[float], x: float) -> float | None:
    """Linear interpolation of ``y`` at ``x`` (``xs`` ascending); ``None`` outside the range."""
    if not xs or x < xs[0] - _EPS or x > xs[-1] + _EPS:
        return None
    return float(np.interp(x, xs, ys))


def cutoff_rate_at_dead_air(points: Sequence[Point], dead_air: float) -> float | None:
    """False cut-off rate at a median dead air, interpolated along the sweep's envelope."""
    env = frontier([(p.median_dead_air, p.false_cutoff_rate) for p in points])
    return interpolate([x for x, _ in env], [y for _, y in env], dead_air)


def dead_air_at_cutoff_rate(points: Sequence[Point], rate: float) -> float | None:
    """Median dead air at a false cut-off rate, interpolated along the sweep's envelope."""
    env = frontier([(p.median_dead_air, p.false_cutoff_rate) for p in points])[::-1]
    return interpolate([y for _, y in env], [x for x, _ in env], rate)
