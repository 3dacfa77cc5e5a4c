"""Barge-in benchmark: does the agent stop for real interruptions, and only for those?

Each item of the set (``barge_in_set.py``) is replayed 20 ms at a time as the live loop would:
the agent's audio plays from ``AGENT_START`` and, for echo and double-talk items, comes back
into the microphone through the item's echo path; the real Silero VAD hears the microphone.
At a VAD start the agent pauses one 20 ms frame later (its echo stops with it), and the
``OverlapClassifier`` is asked with the audio heard so far, again 20 ms after each answer (its
own compute time, Whisper included, passes on the media clock) until it gives a verdict, or
``MAX_VERDICT`` s pass (then it counts as a barge-in, as ``BargeIn`` does). A non-barge-in
resumes the agent where it paused, and a later VAD start is judged again.

Scored: barge-in against everything else (precision, recall), the confusion table, decision
latency (true onset -> barge-in verdict), VAD onset latency (true onset -> VAD start event)
and onset -> silence (that plus the 20 ms frame). Writes the "## Barge-in" section of
``docs/benchmarks.md``. ``--quick`` runs every fourth item.
"""

from __future__ import annotations

import argparse
import platform
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.barge_in_set import AGENT_START, RATE, TAIL, Renderer, load_items, lowpass  # noqa: E402

from visavis.turns.overlap import OverlapClassifier  # noqa: E402

CHUNK = RATE // 50  # 20 ms, the live loop's audio frame
LEAD_IN = 0.1  # mic read from this long before the VAD onset (as BargeIn does)
LOOKBACK = 0.3  # played audio read from this long before that (the echo path's delay)
MAX_VERDICT = 1.5  # an overlap still undecided after this long is a barge-in
KINDS = ("barge_in", "backchannel", "noise", "echo")
DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


@dataclass
class Judgement:
    vad_at: float
    vad_detected: float
    kind: str
    reason: str
    text: str
    decided_at: float
    asks: int
    #: Judged after an echo verdict, when the mic stopped matching the echo (double talk).
    rearmed: bool = False


@dataclass
class Outcome:
    item: dict[str, Any]
    judgements: list[Judgement] = field(default_factory=list)

    def about_user(self) -> list[Judgement]:
        """The judgements of the item's own sound (those from its onset on)."""
        return [j for j in self.judgements if j.vad_at >= self.item["onset"] - 0.3]

    @property
    def predicted(self) -> str:
        """A barge-in if any onset was judged one; otherwise the verdict on the item's own
        sound (or on the echo before it, if the VAD never started again); "none" if the VAD
        never fired (the agent never paused)."""
        kinds = [j.kind for j in self.judgements]
        if "barge_in" in kinds:
            return "barge_in"
        own = self.about_user() or self.judgements
        heard = [j for j in own if j.kind != "echo"] or own
        return heard[0].kind if heard else "none"

    @property
    def onset_latency(self) -> float | None:
        """True onset -> the VAD start event (None if the VAD was already on: masked)."""
        for j in self.about_user():
            return None if j.rearmed else j.vad_detected - self.item["onset"]
        return None

    @property
    def watch_latency(self) -> float | None:
        """True onset -> the echo watch's pause, for an onset the VAD did not report."""
        for j in self.about_user():
            return j.vad_detected + CHUNK / RATE - self.item["onset"] if j.rearmed else None
        return None

    @property
    def decision_latency(self) -> float | None:
        """True onset -> the barge-in verdict."""
        hits = [j for j in self.judgements if j.kind == "barge_in"]
        return hits[0].decided_at - self.item["onset"] if hits else None

    @property
    def paused(self) -> float:
        """Seconds the agent was held silent by verdicts that let it go on."""
        return sum(
            j.decided_at - j.vad_detected - CHUNK / RATE
            for j in self.judgements
            if j.kind != "barge_in"
        )


def simulate(
    item: dict[str, Any],
    agent: np.ndarray,
    user: np.ndarray,
    vad: Any,
    classifier: OverlapClassifier,
) -> Outcome:
    """Replay one item causally; the agent pauses at each VAD start until the verdict."""
    from visavis.runtime.media import AudioChunk

    rng = np.random.default_rng(item["seed"])
    total = int((item["onset"] + len(user) / RATE + TAIL) * RATE)
    total = max(total, int((item["onset"] + 2.5) * RATE))
    total = (total // CHUNK + 1) * CHUNK
    user_track = np.zeros(total, dtype=np.float32)
    i = int(item["onset"] * RATE)
    user_track[i : i + len(user)] = user[: total - i] * np.float32(item["level"])
    floor = 10 ** (item["noise_floor_db"] / 20)
    mic = user_track + rng.normal(0.0, floor, total).astype(np.float32)
    echo = item["echo"]
    h = lowpass(echo["cutoff"]) if echo else np.zeros(1, dtype=np.float32)
    delay = int(echo["delay"] * RATE) if echo else 0
    gain = np.float32(10 ** (-echo["atten_db"] / 20)) if echo else np.float32(0)
    if echo:  # the echo path's own noise, 15-30 dB under the echo (agent speech level ~0.15)
        mic += rng.normal(0.0, 0.15 * gain * 10 ** (-echo["snr_db"] / 20), total).astype(np.float32)
    played = np.zeros(total, dtype=np.float32)
    vad.reset()
    outcome = Outcome(item)
    position = 0  # next agent sample to play
    playing = True
    judging: tuple[float, float] | None = None  # (VAD start, detected at)
    watch = rearmed = False  # watching an echo-verdict VAD segment for the user's voice
    stop_at: float | None = None
    next_ask = 0.0
    asks = 0
    for c in range(total // CHUNK):
        a, b = c * CHUNK, (c + 1) * CHUNK
        now = b / RATE
        start_sample = int(AGENT_START * RATE)
        if playing and b > start_sample and position < len(agent):
            lo = max(a, start_sample)
            piece = agent[position : position + b - lo]
            played[lo : lo + len(piece)] = piece
            position += len(piece)
        if echo:  # what the speaker played ``delay`` ago, filtered and attenuated
            lo, hi = a - delay - len(h) + 1, b - delay
            if hi > 0:
                src = np.concatenate([np.zeros(max(0, -lo), np.float32), played[max(lo, 0) : hi]])
                mic[a:b] += gain * np.convolve(src, h, mode="valid")
        for t in vad.push(AudioChunk(samples=mic[a:b], sample_rate=RATE, start=a / RATE)):
            if t.kind == "start" and judging is None:
                judging, stop_at, next_ask, asks = (t.at, t.detected_at), None, now, 0
                playing, rearmed = False, False  # silent from the next frame on
            elif t.kind == "start":
                stop_at = None  # speaking again after a short gap: the overlap goes on
            elif t.kind == "stop" and judging is not None:
                stop_at = t.at
            elif t.kind == "stop":
                watch = False
        if judging is None and watch and c % 5 == 0 and vad.last_probability >= 0.5:
            # Echo watch: the VAD is still on after an echo verdict, so a user starting to
            # talk over the echo makes no new onset; judge again when the mic stops
            # matching what we played.
            w0 = b - int(0.3 * RATE)
            if not classifier.is_echo(mic[w0:b], played[w0 - int(LOOKBACK * RATE) : b]):
                judging, stop_at, next_ask, asks = (now - 0.2, now), None, now, 0
                playing, rearmed = False, True
        if judging is None or now < next_ask - 1e-9:
            continue
        onset, detected = judging
        m0 = max(0, int((onset - LEAD_IN) * RATE))
        p0 = max(0, int((onset - LEAD_IN - LOOKBACK) * RATE))
        speech = (stop_at if stop_at is not None else now) - onset
        began = time.perf_counter()
        verdict = classifier.classify(
            mic[m0:b], played[p0:b], speech_seconds=speech, still_speaking=vad.in_speech
        )
        decided = now + time.perf_counter() - began
        asks += 1
        if verdict is None and decided - onset >= MAX_VERDICT:
            kind, reason, text = "barge_in", "undecided", ""
        elif verdict is None:
            next_ask = decided + CHUNK / RATE
            continue
        else:
            kind, reason, text = verdict.kind, verdict.reason, verdict.text
        outcome.judgements.append(
            Judgement(onset, detected, kind, reason, text, decided, asks, rearmed)
        )
        if kind == "barge_in":
            break
        judging, playing = None, True  # resume where it paused
        watch = kind == "echo" and vad.in_speech
    return outcome


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def score(outcomes: list[Outcome]) -> dict[str, Any]:
    """Precision/recall of barge-in vs the rest, confusion counts and latencies (seconds)."""
    truth = [o.item["kind"] for o in outcomes]
    pred = [o.predicted for o in outcomes]
    tp = sum(t == "barge_in" and p == "barge_in" for t, p in zip(truth, pred, strict=True))
    fp = sum(t != "barge_in" and p == "barge_in" for t, p in zip(truth, pred, strict=True))
    fn = sum(t == "barge_in" and p != "barge_in" for t, p in zip(truth, pred, strict=True))
    confusion = {k: {p: 0 for p in (*KINDS, "none")} for k in KINDS}
    for t, p in zip(truth, pred, strict=True):
        confusion[t][p] += 1
    barge = [o for o in outcomes if o.item["kind"] == "barge_in"]
    decision = [o.decision_latency for o in barge if o.predicted == "barge_in"]
    pause = [max(0.0, o.paused) for o in outcomes if o.item["kind"] != "barge_in" and o.judgements]
    onsets = [o.onset_latency for o in outcomes if o.item["kind"] in ("barge_in", "backchannel")]
    onset_values = [x for x in onsets if x is not None]
    return {
        "items": len(outcomes),
        "precision": tp / (tp + fp) if tp + fp else float("nan"),
        "recall": tp / (tp + fn) if tp + fn else float("nan"),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "confusion": confusion,
        "decision": [x for x in decision if x is not None],
        "pause": [x for x in pause if x is not None],
        "onset": onset_values,
        "onset_masked": len(onsets) - len(onset_values),
        "rearmed": sum(any(j.rearmed for j in o.judgements) for o in outcomes),
        "watch": [
            x
            for o in outcomes
            if o.item["kind"] in ("barge_in", "backchannel") and (x := o.watch_latency) is not None
        ],
    }


def _ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1000:.0f} ms" if values else "-"


def report(s: dict[str, Any], outcomes: list[Outcome], seconds: float) -> str:
    silence = [x + CHUNK / RATE for x in s["onset"]]
    counts = {k: sum(o.item["kind"] == k for o in outcomes) for k in KINDS}
    lines = [
        "## Barge-in",
        "",
        f"{platform.machine()}, 2 cores, Python {platform.python_version()}, measured "
        f"{date.today().isoformat()} by `bench/barge_in.py` ({seconds:.0f} s). {s['items']} "
        "overlaps over the agent's voice (`bench/labels_barge_in.json`, built by "
        "`bench/barge_in_set.py`): "
        + ", ".join(f"{n} {k.replace('_', '-')}" for k, n in counts.items())
        + ". Speech is Piper in six voices other than the agent's (2-5 semitones, three rates);"
        " noises are numpy coughs, knocks, typing and bursts; echo is the agent's own audio "
        "delayed 20-150 ms, 10-30 dB down, low-passed, over noise; two in five speech items "
        "have that echo underneath (double talk). Replayed 20 ms at a time through the real "
        "Silero VAD; at its start the agent pauses and `OverlapClassifier` (Whisper tiny.en "
        "for words) is asked every 20 ms after its last answer, its compute time passing on "
        "the media clock. Its rules (`src/visavis/turns/overlap.py`): echo when the mic "
        "correlates with what was played 0-300 ms earlier (NCC >= 0.55); noise when no loud "
        "frame has a vowel-like spectrum; from 0.3 s of speech Whisper transcribes what is "
        "there (echo subtracted, loops cut): two real words that are not a backchannel make a "
        "barge-in; speech still going at 0.55 s is a barge-in unless it reads as a backchannel "
        "so far (then at 1.4 s); a burst that stopped is a backchannel if all its words are in "
        "the lexicon (`backchannels.json`), a barge-in if it has other words, noise if none.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| barge-in precision | {s['precision']:.1%} ({s['tp']}/{s['tp'] + s['fp']}) |",
        f"| barge-in recall | {s['recall']:.1%} ({s['tp']}/{s['tp'] + s['fn']}) |",
        f"| decision latency, true onset -> barge-in verdict, p50 / p95 | "
        f"{_ms(s['decision'], 50)} / {_ms(s['decision'], 95)} |",
        f"| agent held silent by non-barge-ins (VAD start -> resume), p50 / p95 | "
        f"{_ms(s['pause'], 50)} / {_ms(s['pause'], 95)} |",
        f"| VAD onset latency, true onset -> VAD start, p50 / p95 | "
        f"{_ms(s['onset'], 50)} / {_ms(s['onset'], 95)} |",
        f"| onset -> agent silent (VAD + one 20 ms frame), p50 / p95 | "
        f"{_ms(silence, 50)} / {_ms(silence, 95)} |",
        "",
        f"VAD latencies are over the {len(s['onset'])} speech items whose onset made a VAD start;"
        f" in {s['onset_masked']} more (double talk) the VAD was already on for the agent's "
        "echo, judged echo, and the user's voice was found by the echo watch the benchmark "
        "runs after an echo verdict (while the VAD stays on, every 100 ms: once the last "
        f"300 ms stop matching what was played, pause and judge again; {s['rearmed']} items). "
        f"For those, true onset -> agent silent was {_ms(s['watch'], 50)} p50, "
        f"{_ms(s['watch'], 95)} p95.",
        "",
        "Confusion (rows: truth; columns: verdict; none: the VAD never fired, the agent "
        "never paused):",
        "",
        "| truth \\ verdict | " + " | ".join((*KINDS, "none")) + " |",
        "|---" * (len(KINDS) + 2) + "|",
    ]
    for k in KINDS:
        row = s["confusion"][k]
        lines.append(f"| {k} | " + " | ".join(str(row[p]) for p in (*KINDS, "none")) + " |")
    misses = [o for o in outcomes if (o.item["kind"] == "barge_in") != (o.predicted == "barge_in")]
    if misses:
        lines += ["", "Errors (barge-in vs the rest):", ""]
        for o in misses:
            j = o.judgements[-1] if o.judgements else None
            said = f'heard "{j.text}" ({j.reason})' if j else "no VAD onset"
            lines.append(f'- {o.item["id"]} "{o.item["text"]}": {o.predicted}, {said}')
    return "\n".join(lines) + "\n"


def write_section(section: str, path: Path = DOCS) -> None:
    """Replace the "## Barge-in" section (up to the next "## " heading or an HTML marker
    comment) or append it; read and written at once, so others' sections stay as they are."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    match = re.search(r"^## Barge-in\n.*?(?=^## |^<!-- |\Z)", text, flags=re.M | re.S)
    if match:
        text = text[: match.start()] + section + "\n" + text[match.end() :]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def run(quick: bool = False, write: bool = True) -> dict[str, Any]:
    from visavis.engines import load_engines

    began = time.perf_counter()
    items = load_items()
    if quick:
        items = items[::4]
    engines = load_engines()
    renderer = Renderer()
    classifier = OverlapClassifier(engines.recognizer)
    vad = engines.new_vad()
    outcomes = []
    for n, item in enumerate(items):
        o = simulate(item, renderer.agent(item["agent"]), renderer.user(item), vad, classifier)
        outcomes.append(o)
        j = o.judgements[-1] if o.judgements else None
        print(
            f"{n + 1:3d}/{len(items)} {item['id']:15s} {o.predicted:11s} "
            f"{(j.reason + ' ' + repr(j.text)) if j else '-':40s} {item['text']!r}",
            flush=True,
        )
    s = score(outcomes)
    text = report(s, outcomes, time.perf_counter() - began)
    print()
    print(text)
    if write and not quick:
        write_section(text)
    return s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="every fourth item, no docs write")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    args = parser.parse_args()
    run(quick=args.quick, write=not args.no_write)


if __name__ == "__main__":
    main()
