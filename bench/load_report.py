"""The "load" section of docs/benchmarks.md, from the latest figures each phase of
``bench/load.py`` saved (``out/bench-load/ramp.json`` and ``long.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from statistics import median
from typing import Any

RESULTS = Path(__file__).resolve().parents[1] / "out" / "bench-load"


def _load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _worst(step: dict[str, Any], kind: str, key: str) -> float:
    return max(s[key] for s in step[kind])


def ramp_lines(r: dict[str, Any]) -> list[str]:
    steps = r["steps"]
    idle = r["idle_rss_mb"]
    failed = next((s for s in steps if not s["passed"]), None)
    held = r["max_calls"]
    if failed is None:
        verdict = (
            f"every step up to the bench's ceiling of {steps[-1]['calls']} calls passed: the "
            f"machine holds at least **{held}**"
        )
    elif held == 0:
        verdict = "**not even one call** stayed within the 1% criterion"
    else:
        verdict = (
            f"**{held} concurrent call{'s' * (held != 1)}** in real time; at "
            f"{failed['calls']} the 1% criterion failed"
        )
    if failed is not None and steps[-1] is not failed:
        verdict += " (the later steps, run with `--keep-going`, show the trend)"
    lines = [
        f"{r['machine']} by `{r['command'].strip()}`: calls added one at a time, each step "
        f"measured for {r['step_seconds']:.0f} s after {r['warmup_seconds']:.0f} s for the new "
        f"call to connect and greet. Result: {verdict}.",
        "",
        "| calls | server CPU | per call | callers' CPU (bench process) | other jobs' CPU "
        "| server RSS | RSS per call over idle | worst audio underrun | worst video drop "
        "| turns (patient / agent) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in steps:
        n = s["calls"]
        lines.append(
            f"| {n}{'' if s['passed'] else ' (fail)'} | {s['server_cores'] * 100:.0f}% "
            f"| {s['server_cores'] * 100 / n:.0f}% | {s['client_cores'] * 100:.0f}% "
            f"| {max(0.0, s.get('other_cores', 0.0)) * 100:.0f}% "
            f"| {s['rss_mean_mb']:.0f} MB | {(s['rss_mean_mb'] - idle) / n:.0f} MB "
            f"| {_worst(s, 'audio', 'underrun'):.2%} | {_worst(s, 'video', 'drop'):.2%} "
            f"| {sum(s['user_turns'])} / {sum(s['agent_turns'])} |"
        )
    marginal = ""
    if len(steps) >= 2:
        first, top = steps[0], steps[-1]
        per = (top["rss_mean_mb"] - first["rss_mean_mb"]) / (top["calls"] - first["calls"])
        marginal = (
            f" Each call after the first added {per:.0f} MB on average (the first also pays "
            "one-off costs: the avatar renderer, the mind's documents, allocator arenas)."
        )
    if failed is not None:
        cores = int(r["machine"].split(", ")[1].split()[0])
        total = failed["server_cores"] + failed["client_cores"]
        total += max(0.0, failed.get("other_cores", 0.0))
        marginal += (
            f" At the first failing step ({failed['calls']} calls) the whole machine used "
            f"{total * 100:.0f}% of its {cores * 100}%, the server "
            f"{failed['server_cores'] * 100:.0f}%. Those are averages: a transcription or a "
            "sentence takes both cores for a few hundred milliseconds, and near saturation "
            "such bursts leave the calls' media nothing. The models' own thread pools run at a "
            "lower priority (`VISAVIS_NATIVE_NICENESS`: without it two calls did not hold), but "
            "the Python side of every call shares one event loop and one GIL (only the avatar "
            "is drawn in a process of its own); the server logs each call's audio stalls and "
            "skipped frames as it ends."
        )
    seen = 0
    for s in steps:
        dropped = [x for x in s.get("server_states", []) if x.startswith("ended")]
        if len(dropped) > seen:  # each step lists every call so far: report new ones once
            seen = len(dropped)
            marginal += (
                f" At {s['calls']} calls the server ended {len(dropped)} of them on its own "
                f"({', '.join(sorted({x.split(': ', 1)[-1] for x in dropped}))}) while their "
                "callers were still connected."
            )
    lines += [
        "",
        f"CPU is a share of one core (the machine has {r['machine'].split(', ')[1]}), from the "
        "user + system time over the step of the server process and its children (the fork "
        "server and each call's avatar render process). The server's idle RSS with the engines "
        f"loaded was {idle:.0f} MB; the RSS column is the mean over the step, summed over the "
        "same processes (an upper bound: forked children share pages with the fork server)."
        f"{marginal} The "
        "callers (aiortc peers in the bench process: Opus and VP8 encoding of the microphone and "
        "camera, decoding of the agent's audio and 512 px avatar) share the same two cores, so "
        'a dedicated server would hold somewhat more. "Other jobs" is what the rest of the '
        "machine (not the server, not the callers) used meanwhile, from /proc/stat: this "
        "machine is shared, and that CPU was not available to the calls.",
    ]
    return lines


def _naive(t: dict[str, Any]) -> str:
    """The interval that takes the samples as independent, when the adjusted one is shown."""
    if "low_adjusted" not in t:
        return ""
    return f" [{t['low']:+.3f} to {t['high']:+.3f}]"


def _slope(t: dict[str, Any]) -> str:
    low, high = t.get("low_adjusted", t["low"]), t.get("high_adjusted", t["high"])
    return f"{t['slope']:+.3f} MB/min (95% {low:+.3f} to {high:+.3f}{_naive(t)})"


def long_lines(r: dict[str, Any]) -> list[str]:
    t = r["trend"]
    samples = r["samples"]
    windows = r["windows"]
    audio = [w["audio"]["underrun"] for w in windows] or [0.0]
    video = [w["video"]["drop"] for w in windows] or [0.0]
    # The verdict reads the interval widened for the samples' autocorrelation (older results
    # without it fall back to the naive one).
    low, high = t.get("low_adjusted", t["low"]), t.get("high_adjusted", t["high"])
    if low <= 0.0 <= high:
        verdict = "no trend: the 95% interval contains zero"
    else:
        verdict = f"a {'rising' if t['slope'] > 0 else 'falling'} trend"
    first = samples[0][1]
    end = samples[-1][1]
    redials = (
        f" The call ended on its own {r['redials']} time(s) and was dialled again."
        if r["redials"]
        else ""
    )
    return [
        f"{r['machine']} by `{r['command'].strip()}`: one call of {r['minutes']:.1f} min on a "
        f"fresh server, its RSS sampled every 10 s ({len(samples)} samples) and a least-squares "
        f"line fitted to the {t['n']} samples after the first {r['settle_seconds']:.0f} s.",
        "",
        "| figure | value |",
        "|---|---|",
        "| server RSS (with its child processes): idle, just dialled, at the end | "
        f"{r['idle_rss_mb']:.0f} MB, "
        f"{first:.0f} MB, {end:.0f} MB |",
        f"| **RSS slope** | **{t['slope']:+.3f} MB/min** (95% interval {low:+.3f} to "
        f"{high:+.3f}{_naive(t)}; R² {t['r2']:.2f}): {verdict} |",
        *(
            [
                f"| slope fitted from 60 s (includes the warm-up) | "
                f"{r['trend_from_60s']['slope']:+.3f} MB/min |"
            ]
            if "trend_from_60s" in r
            else []
        ),
        *(
            [
                f"| slope of the server's main process alone (no children) | "
                f"{_slope(r['trend_main'])} |"
            ]
            if "trend_main" in r
            else []
        ),
        f"| the same over an hour | {t['slope'] * 60:+.1f} MB (95% up to {high * 60:+.1f} MB) |",
        f"| server CPU (with its child processes) over the call; all processes on the machine | "
        f"{r['server_cores'] * 100:.0f}% of a core; {r.get('machine_cores', 0.0) * 100:.0f}% |",
        f"| audio underrun: median minute, worst minute | {median(audio):.2%}, {max(audio):.2%} |",
        f"| video drop: median minute, worst minute | {median(video):.2%}, {max(video):.2%} |",
        f"| turns at the end (patient / agent utterances) | {r['turns'].get('user', 0)} / "
        f"{r['turns'].get('replica', 0)} |",
        "",
        "Memory samples are autocorrelated (an allocation stays), so the intervals are widened "
        "for the lag-1 autocorrelation of the residuals (effective samples n(1-r)/(1+r); "
        f"r = {t.get('lag1', 0.0):.2f} here, {t.get('n_eff', t['n']):.0f} of {t['n']}); the "
        "interval that assumes independent samples is in brackets." + redials,
        "",
        "What a call keeps is bounded: its perception holds the last 120 s of camera "
        "observations and prosody frames and the whole call as running totals "
        "(`visavis.perception.totals`); its timeline events go to the database every 0.5 s "
        "and then leave memory (`server/recording.py`; held, they were ~0.5 MB a minute of "
        "talk), and the avatar's animator drops what is over 30 s old.",
    ]


PLACEHOLDER = {
    "ramp": "Not measured yet: `python bench/load.py --ramp-only`.",
    "long": "Not measured yet: `python bench/load.py --long-only` (`make bench-long`).",
}
RENDER = {"ramp": ramp_lines, "long": long_lines}


def marked(name: str, body: str) -> str:
    return f"<!-- load_{name}:start -->\n{body}\n<!-- load_{name}:end -->"


def inner(text: str, name: str) -> str | None:
    """The body of the ``load_{name}`` block in ``text`` (None when there is none)."""
    start, end = f"<!-- load_{name}:start -->\n", f"\n<!-- load_{name}:end -->"
    if start not in text or end not in text:
        return None
    return text.split(start, 1)[1].split(end, 1)[0]


def phase_text(name: str, result: dict[str, Any]) -> str:
    return "\n".join(RENDER[name](result))


def section(doc_text: str, name: str | None = None, result: dict[str, Any] | None = None) -> str:
    """The whole "load" section: the phase just measured (``name``, ``result``) rendered anew,
    the other phase kept as the document has it (else from its saved figures, else a note)."""
    blocks: dict[str, str] = {}
    for phase in ("ramp", "long"):
        if phase == name and result is not None:
            blocks[phase] = phase_text(phase, result)
            continue
        kept = inner(doc_text, phase)
        saved = _load(phase)
        if kept is not None and kept != PLACEHOLDER[phase]:
            blocks[phase] = kept
        else:
            blocks[phase] = phase_text(phase, saved) if saved else PLACEHOLDER[phase]
    return "\n".join(
        [
            *INTRO,
            "",
            "### Ramp",
            "",
            marked("ramp", blocks["ramp"]),
            "",
            "### Memory over a long call",
            "",
            marked("long", blocks["long"]),
        ]
    )


INTRO = [
    "## Load: concurrent live calls over WebRTC",
    "",
    "`bench/load.py` runs `visavis serve` in its own process and dials it from aiortc peers "
    "in the bench process, as the call page does (`POST /v1/conversations/{id}/webrtc`): "
    'each sends a microphone playing a recorded patient line looped with 9 s gaps ("Sorry, '
    'could you repeat that?", which the flagship engine answers by asking its question '
    "again, so a call never runs out of objectives) and a fake camera (the simulated "
    "patient's webcam, 640x480 at 10 fps), and receives the agent's audio and 25 fps "
    "avatar video.",
    "",
    "How a call is scored, at the caller, from each decoded frame's RTP timestamp and its "
    "arrival time (after aiortc's jitter buffer and decoder): a receiver with a 100 ms "
    "playout buffer plays frame k at anchor + its timestamp, the anchor set by the first "
    "frame's arrival + 100 ms and moved forward whenever a frame arrives after its time "
    "(the buffer re-fills). **Audio underrun** = (time by which late frames missed their "
    "playout + 20 ms per frame missing from the timestamp sequence) / the stream's "
    "duration: the share of time the loudspeaker had nothing to play (the agent's track "
    "sends silence between replies, so it is continuous). **Video drop** = (late + "
    "missing frames) / the frames the 25 fps schedule expects; missing includes frames the "
    "server's avatar track skipped when rendering fell behind. A number of calls holds "
    "when every call stays at or under 1% on both.",
]
