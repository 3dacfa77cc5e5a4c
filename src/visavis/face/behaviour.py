"""Non-verbal life: blinks, breathing, head drift, gaze, nods, emphasis and expression.

Everything is a pure function of conversation time plus what the events scheduled, drawn from a
seeded RNG in event order, so the same events and seed give the same face at the same times no
matter how often or how regularly ``params_at`` is sampled. Idle motion uses value noise summed
over octaves with unrelated periods, so nothing repeats like a loop.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

TABLE = 4096


class SmoothNoise:
    """Band-limited noise in [-1, 1]: cubic value noise, two octaves with their own tables."""

    def __init__(self, rng: np.random.Generator, rate: float) -> None:
        self.a = rng.uniform(-1, 1, TABLE)
        self.b = rng.uniform(-1, 1, TABLE)
        self.rate = rate
        self.offset = float(rng.uniform(0, TABLE))

    @staticmethod
    def _value(table: np.ndarray, x: float) -> float:
        i = math.floor(x)
        f = x - i
        f = f * f * (3 - 2 * f)
        return float(table[i % TABLE] * (1 - f) + table[(i + 1) % TABLE] * f)

    def at(self, t: float) -> float:
        x = t * self.rate + self.offset
        return 0.7 * self._value(self.a, x) + 0.3 * self._value(self.b, x * 2.37 + 17.0)


@dataclass(frozen=True, slots=True)
class Pulse:
    """A raised-cosine bump on one channel: an emphasis, a nod, a glance."""

    start: float
    duration: float
    channel: str
    amount: float
    cycles: int = 1  # a nod can go down-up twice

    def at(self, t: float) -> float:
        x = (t - self.start) / self.duration
        if not 0.0 <= x <= 1.0:
            return 0.0
        if self.cycles == 1:
            return self.amount * 0.5 * (1 - math.cos(2 * math.pi * x))
        return self.amount * math.sin(math.pi * x) * abs(math.sin(math.pi * self.cycles * x))


class Pulses:
    """Pulses kept sorted by start; summed per channel at a time."""

    MAX_DURATION = 2.0

    def __init__(self) -> None:
        self._starts: list[float] = []
        self._items: list[Pulse] = []

    def add(self, pulse: Pulse) -> None:
        i = bisect.bisect_right(self._starts, pulse.start)
        self._starts.insert(i, pulse.start)
        self._items.insert(i, pulse)

    def forget(self, before: float) -> None:
        """Drop the pulses that are over for every time from ``before`` on."""
        i = bisect.bisect_left(self._starts, before - self.MAX_DURATION)
        del self._starts[:i], self._items[:i]

    def at(self, t: float) -> dict[str, float]:
        out: dict[str, float] = {}
        lo = bisect.bisect_left(self._starts, t - self.MAX_DURATION)
        hi = bisect.bisect_right(self._starts, t)
        for p in self._items[lo:hi]:
            v = p.at(t)
            if v:
                out[p.channel] = out.get(p.channel, 0.0) + v
        return out


class Steps:
    """A value that changes at event times and eases to each new target over ``ease`` seconds."""

    def __init__(self, initial: tuple[float, ...], ease: float = 0.6) -> None:
        self._times: list[float] = [-1e9]
        self._targets: list[tuple[float, ...]] = [initial]
        self._from: list[tuple[float, ...]] = [initial]
        self.ease = ease

    def set(self, t: float, target: tuple[float, ...]) -> None:
        if target == self._targets[-1]:
            return
        t = max(t, self._times[-1])
        start = self.at(t)
        self._times.append(t)
        self._targets.append(target)
        self._from.append(start)

    def forget(self, before: float) -> None:
        """Keep only the step in force at ``before`` and the later ones."""
        i = bisect.bisect_right(self._times, before) - 1
        if i > 0:
            del self._times[:i], self._targets[:i], self._from[:i]

    def at(self, t: float) -> tuple[float, ...]:
        i = bisect.bisect_right(self._times, t) - 1
        w = min(1.0, (t - self._times[i]) / self.ease)
        w = w * w * (3 - 2 * w)
        return tuple(a + (b - a) * w for a, b in zip(self._from[i], self._targets[i], strict=True))


class Blinks:
    """Blink times drawn lazily from the RNG: 2-6 s apart, sometimes a double blink."""

    CLOSE, HOLD, OPEN = 0.06, 0.04, 0.12

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.times: list[float] = []
        self._next = float(rng.uniform(0.8, 3.0))

    def _extend(self, t: float) -> None:
        while self._next <= t + 1.0:
            self.times.append(self._next)
            if self.rng.random() < 0.12:
                self.times.append(self._next + 0.32)
            self._next += float(self.rng.gamma(4.0, 0.9)) + 1.2  # mean ~4.8 s, never < 1.2

    def forget(self, before: float) -> None:
        """Drop the blinks over before ``before`` (a blink lasts 0.22 s; a second is ample)."""
        del self.times[: bisect.bisect_left(self.times, before - 1.0)]

    def add(self, t: float) -> None:
        """An extra blink (people blink on gaze shifts and at turn boundaries)."""
        self._extend(t)
        bisect.insort(self.times, t)

    def at(self, t: float) -> float:
        self._extend(t)
        i = bisect.bisect_right(self.times, t) - 1
        if i < 0:
            return 0.0
        x = t - self.times[i]
        if x < self.CLOSE:
            return x / self.CLOSE
        if x < self.CLOSE + self.HOLD:
            return 1.0
        x -= self.CLOSE + self.HOLD
        return max(0.0, 1.0 - x / self.OPEN)
