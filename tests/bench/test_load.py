"""The load bench's accounting (underruns, drops), trend fit and report (no server)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from bench.load_stats import (
    RTP_WRAP,
    cpu_seconds,
    fit_slope,
    machine_busy_seconds,
    process_tree,
    rss_mb,
    score_stream,
    unwrap,
)

from bench import load_report

ROOT = Path(__file__).resolve().parents[2]


def audio_stream(n: int, start_pts: int = 0, t0: float = 100.0) -> tuple[list[int], list[float]]:
    """``n`` 20 ms Opus frames, each arriving exactly on its schedule."""
    pts = [(start_pts + 960 * k) % RTP_WRAP for k in range(n)]
    return pts, [t0 + 0.02 * k for k in range(n)]


def test_unwrap_crosses_the_32_bit_wrap_and_keeps_steps_back() -> None:
    assert unwrap([RTP_WRAP - 960, 0, 960]) == [0, 960, 1920]
    assert unwrap([5000, 4040, 6000]) == [0, -960, 1000]


def test_a_stream_on_schedule_has_no_underrun() -> None:
    pts, arrivals = audio_stream(500, start_pts=RTP_WRAP - 960 * 10)
    # Jitter below the playout delay is absorbed by the buffer.
    rng = np.random.default_rng(0)
    arrivals = [t + float(j) for t, j in zip(arrivals, rng.uniform(0, 0.09, 500), strict=True)]
    s = score_stream(pts, arrivals, 48000, 960, delay=0.1)
    assert (s.expected, s.received, s.missing, s.late) == (500, 500, 0, 0)
    assert s.underrun_fraction == 0.0 and s.duration == pytest.approx(10.0)


def test_missing_frames_are_timestamp_gaps() -> None:
    pts, arrivals = audio_stream(100)
    del pts[40:45], arrivals[40:45]  # five frames lost, the rest on time
    s = score_stream(pts, arrivals, 48000, 960)
    assert (s.expected, s.received, s.missing, s.late) == (100, 95, 5, 0)
    assert s.underrun_fraction == pytest.approx(5 * 0.02 / 2.0)


def test_a_stall_counts_its_lateness_once_and_the_buffer_refills() -> None:
    # The sender stalls 300 ms at frame 50 and re-anchors its schedule (timestamps stay
    # contiguous, as AgentAudioTrack does): everything from frame 50 arrives 300 ms later.
    pts, arrivals = audio_stream(100)
    arrivals = [t + (0.3 if k >= 50 else 0.0) for k, t in enumerate(arrivals)]
    s = score_stream(pts, arrivals, 48000, 960, delay=0.1)
    assert s.late == 1 and s.missing == 0
    assert s.late_seconds == pytest.approx(0.2)  # 300 ms minus the 100 ms buffered
    assert s.underrun_fraction == pytest.approx(0.2 / 2.0)


def test_duplicates_and_reordered_frames_count_late_not_received() -> None:
    pts, arrivals = audio_stream(10)
    pts.insert(5, pts[3])
    arrivals.insert(5, arrivals[4])
    s = score_stream(pts, arrivals, 48000, 960)
    assert (s.expected, s.received, s.late) == (10, 10, 1)


def test_video_drop_fraction_counts_skipped_and_late_frames() -> None:
    # 25 fps at 90 kHz: the sender skipped two frames, and one frame came 200 ms late.
    ticks = [k for k in range(50) if k not in (10, 11)]
    pts = [3600 * k for k in ticks]
    arrivals = [5.0 + k / 25 + (0.2 if k == 30 else 0.0) for k in ticks]
    s = score_stream(pts, arrivals, 90000, 3600, delay=0.1)
    assert (s.expected, s.received, s.missing, s.late) == (50, 48, 2, 1)
    assert s.drop_fraction == pytest.approx(3 / 50)


def test_an_empty_stream_scores_zero() -> None:
    s = score_stream([], [], 48000, 960)
    assert s.expected == 0 and s.underrun_fraction == 0.0 and s.drop_fraction == 0.0


def test_over_a_window_a_silent_or_stalled_stream_is_missing_what_it_never_sent() -> None:
    dead = score_stream([], [], 90000, 3600, window=60.0)
    assert (dead.expected, dead.missing, dead.drop_fraction) == (1500, 1500, 1.0)
    pts, arrivals = audio_stream(500)  # 10 s of audio, then nothing for the rest of a minute
    s = score_stream(pts, arrivals, 48000, 960, window=60.0)
    assert (s.expected, s.received, s.missing) == (3000, 500, 2500)
    assert s.underrun_fraction == pytest.approx(50 / 60)


def test_fit_slope_matches_least_squares() -> None:
    rng = np.random.default_rng(1)
    x = np.arange(0, 30, 1 / 6)  # 30 minutes sampled every 10 s
    y = 800 + 0.5 * x + rng.normal(0, 2.0, len(x))
    t = fit_slope(list(x), list(y))
    slope, _ = np.polyfit(x, y, 1)
    assert t.slope == pytest.approx(slope)
    assert t.low < 0.5 < t.high and t.n == len(x)
    resid = y - np.polyval(np.polyfit(x, y, 1), x)
    stderr = np.sqrt(resid @ resid / (len(x) - 2) / np.sum((x - x.mean()) ** 2))
    assert t.stderr == pytest.approx(stderr)
    assert t.high - t.slope == pytest.approx(t.slope - t.low)


def test_fit_slope_of_a_flat_series_has_an_interval_around_zero() -> None:
    rng = np.random.default_rng(2)
    x = list(np.arange(0, 10, 1 / 6))
    t = fit_slope(x, list(900 + rng.normal(0, 1.0, len(x))))
    assert t.low < 0 < t.high
    exact = fit_slope([0.0, 1.0, 2.0, 3.0], [5.0, 5.0, 5.0, 5.0])
    assert (exact.slope, exact.stderr, exact.r2) == (0.0, 0.0, 1.0)
    with pytest.raises(ValueError):
        fit_slope([1.0, 2.0], [1.0, 2.0])


def test_fit_slope_widens_its_interval_for_autocorrelated_samples() -> None:
    # A flat series whose samples remember each other (an AR(1) process, as memory readings
    # are): the naive interval is too narrow; the adjusted one counts fewer effective samples.
    rng = np.random.default_rng(3)
    x = np.arange(0, 30, 1 / 6)
    noise = np.zeros(len(x))
    for i in range(1, len(x)):
        noise[i] = 0.9 * noise[i - 1] + rng.normal(0, 1.0)
    t = fit_slope(list(x), list(900 + noise))
    assert 0.7 < t.lag1 < 0.99 and t.n_eff < t.n / 5
    assert t.low_adjusted < t.low and t.high_adjusted > t.high
    assert t.low_adjusted < 0 < t.high_adjusted
    independent = fit_slope(list(x), list(900 + rng.normal(0, 1.0, len(x))))
    assert independent.n_eff > independent.n / 2


def test_process_readings_are_sane() -> None:
    import os

    assert 10.0 < rss_mb(os.getpid()) < 100_000
    assert cpu_seconds(os.getpid()) > 0.0
    assert machine_busy_seconds() > 0.0


def test_readings_cover_a_process_and_its_children() -> None:
    import os

    # A child that burns ~0.3 s of CPU, then waits: the server's render processes, in small.
    code = (
        "import time\nt = time.process_time()\n"
        "while time.process_time() - t < 0.3: pass\ntime.sleep(30)"
    )
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 10
        while cpu_seconds(os.getpid()) - cpu_seconds(os.getpid(), descendants=False) < 0.25:
            assert time.monotonic() < deadline, "the child's CPU never showed"
            time.sleep(0.05)
        assert child.pid in process_tree(os.getpid())
        assert rss_mb(os.getpid()) > rss_mb(child.pid) > 1.0
    finally:
        child.kill()
        child.wait()
    assert child.pid not in process_tree(os.getpid())


def _step(n: int, passed: bool, underrun: float) -> dict[str, object]:
    score = {"underrun": underrun, "drop": 0.0, "expected": 3000, "missing": 0, "late": 0}
    return {
        "calls": n,
        "server_cores": 0.4 * n,
        "client_cores": 0.1 * n,
        "other_cores": 0.0,
        "rss_mean_mb": 600.0 + 50 * n,
        "rss_max_mb": 610.0 + 50 * n,
        "audio": [score] * n,
        "video": [score] * n,
        "user_turns": [3] * n,
        "agent_turns": [4] * n,
        "ended": [],
        "passed": passed,
    }


def test_report_renders_both_phases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_report, "RESULTS", tmp_path)
    empty = load_report.section("")
    assert empty.count("Not measured yet") == 2
    common = {"machine": "x86_64, 2 cores, Python 3.11, measured today", "command": "load.py"}
    ramp = {
        **common,
        "idle_rss_mb": 550.0,
        "steps": [_step(1, True, 0.0), _step(2, True, 0.001), _step(3, False, 0.05)],
        "max_calls": 2,
        "threshold": 0.01,
        "step_seconds": 60,
        "warmup_seconds": 15,
        "ceiling": 8,
    }
    window = {"audio": {"underrun": 0.002}, "video": {"drop": 0.004}}
    long = {
        **common,
        "minutes": 30.0,
        "idle_rss_mb": 550.0,
        "samples": [[10.0 * k, 800.0] for k in range(180)],
        "trend": {"slope": 0.01, "stderr": 0.02, "low": -0.03, "high": 0.05, "r2": 0.01, "n": 174},
        "settle_seconds": 60,
        "server_cores": 0.4,
        "machine_cores": 1.0,
        "windows": [window] * 30,
        "turns": {"user": 150, "replica": 151},
        "redials": 0,
    }
    # The ramp just measured; the long call from its saved figures (not in the document yet).
    (tmp_path / "long.json").write_text(json.dumps(long))
    text = load_report.section(empty, "ramp", ramp)
    assert "**2 concurrent calls** in real time; at 3 the 1% criterion failed" in text
    assert "| 3 (fail) | 120% | 40% | 30% | 0% |" in text
    assert "5.00%" in text
    assert "+0.010 MB/min" in text and "no trend" in text
    assert "| 0.20%, 0.20% |" in text and "| 0.40%, 0.40% |" in text
    assert "the whole machine used 150% of its 200%" in text
    # A later long call replaces its own block and keeps the ramp as the document has it.
    doc = text.replace("**2 concurrent calls**", "**2 concurrent calls (kept)**")
    main = {"slope": 0.5, "stderr": 0.1, "low": 0.3, "high": 0.7, "r2": 0.2, "n": 174}
    again = load_report.section(doc, "long", {**long, "minutes": 12.0, "trend_main": main})
    assert "(kept)" in again and "one call of 12.0 min" in again
    assert "| +0.500 MB/min (95% +0.300 to +0.700) |" in again  # the main process alone
    assert load_report.inner(again, "long") is not None
    assert again.count("<!-- load_ramp:start -->") == 1
    # Autocorrelated samples: the verdict reads the widened interval, the naive one in brackets.
    rising = {**main, "lag1": 0.6, "n_eff": 43.5, "low_adjusted": -0.1, "high_adjusted": 1.1}
    third = load_report.section(doc, "long", {**long, "trend": rising})
    assert "(95% interval -0.100 to +1.100 [+0.300 to +0.700]; R² 0.20): no trend" in third
    assert "r = 0.60 here, 44 of 174" in third


@pytest.mark.slow
def test_one_call_under_the_bench() -> None:
    run = subprocess.run(
        [sys.executable, "bench/load.py", "--ramp-only", "--max-calls", "1"]
        + ["--step-seconds", "15", "--warmup-seconds", "8", "--no-write"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    line = next(x for x in run.stdout.splitlines() if x.startswith("N=1:"))
    assert "worst audio underrun" in line and "ended" not in line
