"""Concurrent live calls over WebRTC: the most this machine holds in real time, what each costs,
and whether a long call's memory stays flat.

Usage: python bench/load.py [--max-calls 8] [--step-seconds 60] [--warmup-seconds 15]
                            [--long-minutes 30] [--settle-seconds 300] [--ramp-only | --long-only]
                            [--no-write] [--dump PREFIX]

The server is ``visavis serve`` in its own process (a fresh one per phase, on a free port, with
its own SQLite database and API key); the callers are aiortc peers in this process, each dialling
``POST /v1/conversations/{id}/webrtc`` as the call page does: a microphone playing a recorded
patient line looped with gaps (a request to repeat the question, so the flagship engine never
runs out of objectives), a fake camera (the simulated patient's webcam, 640x480 at 10 fps), and
the agent's audio and avatar video received and decoded.

**Ramp.** Calls are added one at a time (N = 1, 2, 3, ...), each step waiting ``--warmup-seconds``
for the new call to connect and greet, then measuring ``--step-seconds`` with N calls running:
the server process's CPU time and RSS, this process's CPU time, and per call the audio underrun
and video drop fractions of what the caller received (defined in ``load_stats``). A step passes
when every call's audio underrun and video drop fractions are at most 1%; the ramp stops at the
first step that fails (or at ``--max-calls``); the largest passing N is the machine's capacity.

**Long call.** One call for ``--long-minutes`` on a fresh server: its RSS every 10 s, a
least-squares slope (MB/min, 95% interval) fitted after the first minute, and the call's audio
and video scores about each minute.

Each phase saves its figures in ``out/bench-load/`` and rewrites the "load" section of
docs/benchmarks.md from both phases' latest figures (``--no-write`` leaves the document alone).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from load_client import Caller, camera_frames, patient_audio
from load_report import RESULTS, section
from load_server import Server
from load_stats import StreamScore, cpu_seconds, fit_slope, machine_busy_seconds, rss_mb
from report import DOC, machine, write_section

#: A step passes when every call's underrun and drop fractions are at most this.
THRESHOLD = 0.01
SAMPLE_SECONDS = 10.0
#: The long call's first samples are not fitted: connection, the first turns, lazy allocations
#: and the allocator's arenas growing to their working size (a one-off ~50 MB over the first
#: ~4 minutes, with the Python heap flat: bench/load_memprobe.py). The fit from 60 s is also
#: reported.
LONG_SETTLE_SECONDS = 300.0
EARLY_SETTLE_SECONDS = 60.0
#: Calls are told to last this long at most; the bench hangs up long before.
MAX_CALL_SECONDS = 4 * 3600.0


@dataclasses.dataclass
class Media:
    audio: np.ndarray
    frames: list[np.ndarray]

    @property
    def loop_seconds(self) -> float:
        return len(self.audio) / 48000


def load_media() -> Media:
    return Media(patient_audio(RESULTS / "patient.wav"), camera_frames())


def score_dict(score: StreamScore) -> dict[str, float]:
    return {
        "expected": score.expected,
        "missing": score.missing,
        "late": score.late,
        "late_seconds": round(score.late_seconds, 4),
        "underrun": score.underrun_fraction,
        "drop": score.drop_fraction,
    }


def callers_cpu() -> float:
    """This process's CPU (the callers), without the server it started."""
    return cpu_seconds(os.getpid(), descendants=False)


async def sample_rss(pid: int, seconds: float, every: float = 1.0) -> list[float]:
    """The server's RSS every ``every`` seconds for ``seconds``."""
    out: list[float] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        out.append(rss_mb(pid))
        await asyncio.sleep(min(every, left))
    return out


async def ramp(server: Server, media: Media, args: argparse.Namespace) -> dict[str, Any]:
    await asyncio.sleep(3.0)
    idle = rss_mb(server.pid)
    print(f"server idle (engines loaded): RSS {idle:.0f} MB")
    steps: list[dict[str, Any]] = []
    callers: list[Caller] = []
    async with httpx.AsyncClient(base_url=server.base, headers=server.headers, timeout=60) as http:
        try:
            for n in range(1, args.max_calls + 1):
                # Offsets spread the callers' lines over the loop, as independent callers would.
                offset = (n - 1) * media.loop_seconds / 3.7
                caller = Caller(http, media.audio, media.frames, offset, MAX_CALL_SECONDS)
                await caller.dial()
                callers.append(caller)
                await asyncio.sleep(args.warmup_seconds)
                turns0 = [dict(c.utterances) for c in callers]
                t0, cpu0, own0 = time.monotonic(), cpu_seconds(server.pid), callers_cpu()
                busy0 = machine_busy_seconds()
                rss = await sample_rss(server.pid, args.step_seconds)
                t1, cpu1, own1 = time.monotonic(), cpu_seconds(server.pid), callers_cpu()
                busy1 = machine_busy_seconds()
                scores = [c.scores(t0, t1) for c in callers]
                states = [await c.status() for c in callers]
                for c in callers:
                    c.audio.trim(t1)
                    c.video.trim(t1)
                wall = t1 - t0
                step = {
                    "calls": n,
                    "seconds": round(wall, 1),
                    "server_cores": (cpu1 - cpu0) / wall,
                    "client_cores": (own1 - own0) / wall,
                    "other_cores": (busy1 - busy0 - (cpu1 - cpu0) - (own1 - own0)) / wall,
                    "rss_mean_mb": float(np.mean(rss)),
                    "rss_max_mb": float(np.max(rss)),
                    "audio": [score_dict(a) for a, _ in scores],
                    "video": [score_dict(v) for _, v in scores],
                    "user_turns": [
                        c.utterances["user"] - t["user"]
                        for c, t in zip(callers, turns0, strict=True)
                    ],
                    "agent_turns": [
                        c.utterances["replica"] - t["replica"]
                        for c, t in zip(callers, turns0, strict=True)
                    ],
                    "ended": [c.ended for c in callers if c.ended],
                    "server_states": states,
                }
                worst_audio = max(a.underrun_fraction for a, _ in scores)
                worst_video = max(v.drop_fraction for _, v in scores)
                step["passed"] = (
                    worst_audio <= THRESHOLD
                    and worst_video <= THRESHOLD
                    and not step["ended"]
                    and not any(x.startswith("ended") for x in states)
                )
                steps.append(step)
                print(
                    f"N={n}: server {step['server_cores'] * 100:.0f}% of a core "
                    f"({step['server_cores'] * 100 / n:.0f}%/call), callers "
                    f"{step['client_cores'] * 100:.0f}%, other jobs "
                    f"{step['other_cores'] * 100:.0f}%, RSS {step['rss_mean_mb']:.0f} MB; "
                    f"worst audio underrun {worst_audio:.2%}, worst video drop {worst_video:.2%}; "
                    f"turns user {sum(step['user_turns'])} agent {sum(step['agent_turns'])}"
                    + (f"; ended: {step['ended']}" if step["ended"] else "")
                    + (f"; server says {states}" if any(x != "active" for x in states) else "")
                    + ("" if step["passed"] else "  FAIL")
                )
                if not step["passed"] and not args.keep_going:
                    break
        finally:
            await asyncio.gather(*(c.hang_up() for c in callers), return_exceptions=True)
    # The capacity is the last N of the unbroken run of passing steps from N = 1.
    held = 0
    for s in steps:
        if not s["passed"]:
            break
        held = s["calls"]
    return {
        "idle_rss_mb": idle,
        "steps": steps,
        "max_calls": held,
        "threshold": THRESHOLD,
        "step_seconds": args.step_seconds,
        "warmup_seconds": args.warmup_seconds,
        "ceiling": args.max_calls,
    }


async def long_call(
    server: Server, media: Media, minutes: float, settle: float = LONG_SETTLE_SECONDS
) -> dict[str, Any]:
    await asyncio.sleep(3.0)
    idle = rss_mb(server.pid)
    samples: list[tuple[float, float]] = []
    # The main process alone too: what grows, if anything, shows apart from the children.
    main: list[tuple[float, float]] = []
    windows: list[dict[str, Any]] = []
    redials = 0
    async with httpx.AsyncClient(base_url=server.base, headers=server.headers, timeout=60) as http:
        caller = Caller(http, media.audio, media.frames, 0.0, MAX_CALL_SECONDS)
        await caller.dial()
        start = time.monotonic()
        cpu0, busy0 = cpu_seconds(server.pid), machine_busy_seconds()
        window_start = start
        try:
            while (elapsed := time.monotonic() - start) < minutes * 60:
                samples.append((elapsed, rss_mb(server.pid)))
                main.append((elapsed, rss_mb(server.pid, descendants=False)))
                if time.monotonic() - window_start >= 59.5:
                    audio, video = caller.scores(window_start, time.monotonic())
                    window_start = time.monotonic()
                    caller.audio.trim(window_start)
                    caller.video.trim(window_start)
                    windows.append({"audio": score_dict(audio), "video": score_dict(video)})
                    print(
                        f"  {elapsed / 60:5.1f} min: RSS {samples[-1][1]:.1f} MB, audio "
                        f"underrun {audio.underrun_fraction:.2%}, video drop "
                        f"{video.drop_fraction:.2%}, turns {caller.utterances}",
                        flush=True,
                    )
                if caller.ended is not None:
                    # The call ended on its own: note it and dial again, so the server stays
                    # loaded (the trend then spans calls, which is reported).
                    print(f"  the call ended ({caller.ended}); dialling again", flush=True)
                    await caller.hang_up()
                    redials += 1
                    caller = Caller(http, media.audio, media.frames, 0.0, MAX_CALL_SECONDS)
                    await caller.dial()
                await asyncio.sleep(SAMPLE_SECONDS - (time.monotonic() - start) % SAMPLE_SECONDS)
            cpu1, busy1 = cpu_seconds(server.pid), machine_busy_seconds()
            turns = dict(caller.utterances)
        finally:
            await caller.hang_up()
    seconds = time.monotonic() - start
    fitted = [(t / 60.0, m) for t, m in samples if t >= settle]
    trend = fit_slope([t for t, _ in fitted], [m for _, m in fitted])
    early = [(t / 60.0, m) for t, m in samples if t >= EARLY_SETTLE_SECONDS]
    trend_early = fit_slope([t for t, _ in early], [m for _, m in early])
    main_fitted = [(t / 60.0, m) for t, m in main if t >= settle]
    trend_main = fit_slope([t for t, _ in main_fitted], [m for _, m in main_fitted])
    return {
        "trend_from_60s": dataclasses.asdict(trend_early),
        "minutes": seconds / 60.0,
        "idle_rss_mb": idle,
        "samples": samples,
        "trend": dataclasses.asdict(trend),
        "main_samples": main,
        "trend_main": dataclasses.asdict(trend_main),
        "settle_seconds": settle,
        "server_cores": (cpu1 - cpu0) / seconds,
        "machine_cores": (busy1 - busy0) / seconds,
        "windows": windows,
        "turns": turns,
        "redials": redials,
    }


def save(name: str, result: dict[str, Any], command: str) -> dict[str, Any]:
    """Keep a phase's figures (with the machine and the command) in ``out/bench-load/``."""
    result = {**result, "machine": machine(), "command": command}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


async def run_phase(name: str, media: Media, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"visavis-load-{name}-") as tmp:
        server = Server(Path(tmp))
        print(f"{name}: starting the server (log {server.log})", flush=True)
        server.start()
        try:
            if name == "ramp":
                return await ramp(server, media, args)
            return await long_call(server, media, args.long_minutes, args.settle_seconds)
        finally:
            server.stop()
            # The server's log outlives its temporary folder, next to the phase's figures.
            RESULTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(server.log, RESULTS / f"{name}-server.log")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-calls", type=int, default=8)
    parser.add_argument("--step-seconds", type=float, default=60.0)
    parser.add_argument("--warmup-seconds", type=float, default=15.0)
    parser.add_argument("--long-minutes", type=float, default=30.0)
    parser.add_argument(
        "--settle-seconds",
        type=float,
        default=LONG_SETTLE_SECONDS,
        help="the long call's first seconds left out of the RSS slope",
    )
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="ramp on to --max-calls after the first failing step (to see the trend)",
    )
    phase = parser.add_mutually_exclusive_group()
    phase.add_argument("--ramp-only", action="store_true")
    phase.add_argument("--long-only", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--dump", type=Path, help="also write each phase's figures to DUMP-<phase>.json"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    command = "python bench/load.py " + " ".join(sys.argv[1:])
    media = load_media()
    phases = ["ramp"] * (not args.long_only) + ["long"] * (not args.ramp_only)
    for name in phases:
        result = asyncio.run(run_phase(name, media, args))
        if name == "long":
            t = result["trend"]
            print(
                f"long call: {result['minutes']:.1f} min, RSS slope {t['slope']:+.3f} MB/min "
                f"(95% {t['low']:+.3f} .. {t['high']:+.3f}, R² {t['r2']:.2f}, n={t['n']})"
            )
        if args.dump is not None:
            path = args.dump.with_name(f"{args.dump.name}-{name}.json")
            path.write_text(json.dumps(result, indent=1), encoding="utf-8")
        if not args.no_write:
            result = save(name, result, command)
            text = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
            write_section("load", section(text, name, result))
            print(f"wrote the {name} part of the load section of {DOC}")


if __name__ == "__main__":
    main()
