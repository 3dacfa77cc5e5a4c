"""The load bench's pure parts: how a received media stream is scored against its real-time
schedule, the memory trend fit, and the process CPU/RSS readings (from /proc, or psutil).

A stream is what one client received on one track: per decoded frame, its RTP timestamp (``pts``,
48 kHz for Opus audio, 90 kHz for video) and the client's ``time.monotonic()`` when ``recv()``
returned it (after aiortc's jitter buffer and decoder, as a browser's playout would see it).

**The playout model.** A receiver plays frame ``k`` at ``anchor + media(k)``, where ``media(k)`` is
its timestamp in seconds from the stream's first frame and ``anchor`` is set at the first frame's
arrival plus a playout delay ``delay`` (the depth of the receiver's buffer, 100 ms by default).
A frame arriving after its playout time is *late*; the receiver then re-buffers: the anchor moves
so that the late frame plays ``delay`` after it arrived (as an adaptive jitter buffer does).
A timestamp gap (packets lost, frames skipped by the sender when it fell behind, or dropped by
the jitter buffer) makes *missing* frames.

- **Audio underrun fraction**: (sum over late frames of how late they were, plus missing frames
  x 20 ms) / the stream's duration (expected frames x 20 ms): the share of the call's time the
  listener's loudspeaker had nothing to play. The agent track sends silence when it has nothing
  to say, so the stream is continuous and any hole is the transport's or the CPU's.
- **Video drop fraction**: (late frames + missing frames) / expected frames, expected being the
  25 fps schedule spanned by the first and last timestamps. A frozen or skipped avatar frame.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

#: RTP timestamps are 32-bit and wrap.
RTP_WRAP = 1 << 32
#: The receiver's playout delay (buffer depth) in the model above.
PLAYOUT_DELAY = 0.1


@dataclass(frozen=True)
class StreamScore:
    expected: int  # frames the schedule spans (first to last timestamp)
    received: int  # distinct frames received
    missing: int  # timestamp gaps, in frames
    late: int  # frames that arrived after their playout time
    late_seconds: float  # how late, summed (what an audio player fills with silence)
    frame_seconds: float

    @property
    def duration(self) -> float:
        return self.expected * self.frame_seconds

    @property
    def underrun_fraction(self) -> float:
        """Audio: the share of the stream's time with nothing to play."""
        if self.expected == 0:
            return 0.0
        return (self.late_seconds + self.missing * self.frame_seconds) / self.duration

    @property
    def drop_fraction(self) -> float:
        """Video: the share of scheduled frames that were missing or late."""
        return (self.missing + self.late) / self.expected if self.expected else 0.0


def unwrap(pts: Sequence[int]) -> list[int]:
    """RTP timestamps made monotonic across 32-bit wraps, relative to the first (a step back of
    less than half the range is kept negative: a reordered or repeated frame)."""
    out: list[int] = []
    total = 0
    for i, p in enumerate(pts):
        if i:
            step = (p - pts[i - 1]) % RTP_WRAP
            total += step - RTP_WRAP if step > RTP_WRAP // 2 else step
        out.append(total)
    return out


def score_stream(
    pts: Sequence[int],
    arrivals: Sequence[float],
    clock_rate: int,
    frame_ticks: int,
    delay: float = PLAYOUT_DELAY,
    window: float | None = None,
) -> StreamScore:
    """Score frames (in arrival order) against the playout model in the module docstring.

    ``frame_ticks``: one frame's length in timestamp ticks (960 for 20 ms at 48 kHz, 3600 for
    25 fps at 90 kHz). A frame whose timestamp is not past the last played one is a duplicate
    or arrived out of order: it counts as late (it missed its turn), not as received.

    With ``window`` (the seconds the frames were collected over), the schedule spans at least
    the window: a stream that stalled or stopped before the window ended is missing the frames
    it never sent, and one that sent nothing at all is missing every frame.
    """
    frame_seconds = frame_ticks / clock_rate
    floor = round(window / frame_seconds) if window is not None else 0
    if not pts:
        return StreamScore(floor, 0, floor, 0, 0.0, frame_seconds)
    ticks = unwrap(pts)
    anchor = arrivals[0] + delay
    last = -1
    received = late = 0
    late_seconds = 0.0
    for tick, arrived in zip(ticks, arrivals, strict=True):
        if tick <= last:
            late += 1
            continue
        last = tick
        received += 1
        due = anchor + tick / clock_rate
        if arrived > due:
            late += 1
            late_seconds += arrived - due
            anchor = arrived + delay - tick / clock_rate
    expected = max(round(last / frame_ticks) + 1, floor)
    missing = max(0, expected - received)
    return StreamScore(expected, received, missing, late, late_seconds, frame_seconds)


@dataclass(frozen=True)
class Trend:
    slope: float  # y units per x unit
    stderr: float
    low: float  # 95% confidence interval of the slope, residuals taken as independent
    high: float
    r2: float
    n: int
    #: Lag-1 autocorrelation of the residuals, and the effective number of samples it leaves
    #: (``n (1 - r1) / (1 + r1)``, at most ``n``): a process's memory samples are not
    #: independent (an allocation stays), so ``low``/``high`` are too narrow.
    lag1: float = 0.0
    n_eff: float = 0.0
    #: The 95% interval with the standard error widened for ``n_eff`` samples (the usual AR(1)
    #: correction for a trend in a time series).
    low_adjusted: float = 0.0
    high_adjusted: float = 0.0


def fit_slope(x: Sequence[float], y: Sequence[float]) -> Trend:
    """Least-squares line through (x, y): the slope with its standard error and 95% interval
    (Student's t with n - 2 degrees of freedom). Samples of a process's memory are
    autocorrelated, so the interval is a lower bound on the real uncertainty."""
    n = len(x)
    if n < 3:
        raise ValueError(f"a trend needs at least 3 samples, got {n}")
    mx, my = sum(x) / n, sum(y) / n
    sxx = sum((a - mx) ** 2 for a in x)
    if sxx == 0:
        raise ValueError("the samples' x values are all equal")
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    slope = sxy / sxx
    intercept = my - slope * mx
    residual = sum((b - intercept - slope * a) ** 2 for a, b in zip(x, y, strict=True))
    syy = sum((b - my) ** 2 for b in y)
    stderr = math.sqrt(residual / (n - 2) / sxx)
    q = _t975(n - 2)
    r2 = 1.0 - residual / syy if syy else 1.0
    e = [b - intercept - slope * a for a, b in zip(x, y, strict=True)]
    lag1 = sum(u * v for u, v in zip(e, e[1:], strict=False)) / residual if residual else 0.0
    lag1 = min(max(lag1, 0.0), 0.99)  # a negative one would claim more samples than there are
    n_eff = max(n * (1.0 - lag1) / (1.0 + lag1), 3.0)
    wide = stderr * math.sqrt((n - 2) / (n_eff - 2))
    q_eff = _t975(max(round(n_eff) - 2, 1))
    return Trend(
        slope,
        stderr,
        slope - q * stderr,
        slope + q * stderr,
        r2,
        n,
        lag1,
        n_eff,
        slope - q_eff * wide,
        slope + q_eff * wide,
    )


def _t975(dof: int) -> float:
    try:
        from scipy.stats import t

        return float(t.ppf(0.975, dof))
    except ImportError:  # a close approximation of the quantile (Cornish-Fisher, 2 terms)
        z = 1.959964
        return z + (z**3 + z) / (4 * dof) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * dof**2)


# --- process readings -------------------------------------------------------------------------


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        # The command name (field 2) may contain spaces: split after its closing parenthesis.
        return fh.read().rsplit(")", 1)[1].split()


def process_tree(pid: int) -> list[int]:
    """``pid`` and its live descendants: the server, its fork server and the avatar render
    processes forked from it (``visavis.face.render_process``)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(_stat(int(entry))[1])
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
    tree, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def cpu_seconds(pid: int, descendants: bool = True) -> float:
    """User + system CPU time of a process (and its descendants), every thread, in seconds;
    descendants that have exited count through their parent's waited-for children's times."""
    total = 0
    for member in process_tree(pid) if descendants else [pid]:
        try:
            fields = _stat(member)
        except OSError:
            continue
        # utime, stime (and with descendants cutime, cstime)
        total += sum(int(x) for x in fields[11 : 15 if descendants else 13])
    return total / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int, descendants: bool = True) -> float:
    """Resident set size of a process (and its descendants) in MB (an upper bound: forked
    children share their parent's pages until they write them, and each counts them)."""
    total = 0.0
    for member in process_tree(pid) if descendants else [pid]:
        try:
            with open(f"/proc/{member}/status", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024.0
        except OSError:
            continue
    if not total:
        raise RuntimeError(f"no VmRSS for process {pid}")
    return total


def machine_busy_seconds() -> float:
    """CPU seconds all processes on the machine have used since boot (user, nice, system, irq,
    softirq, steal from /proc/stat): the step's total minus the server's and the callers' is
    what other jobs took meanwhile."""
    with open("/proc/stat", encoding="ascii") as fh:
        fields = fh.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
