"""Probe the shipped end-of-turn model: p(end) over elapsed silence for a few partial transcripts.

Usage: python bench/turns/probe.py [--model PATH] [--threshold 0.8] [--mean-audio] [--explain]

Each probe is a partial transcript (what Whisper heard up to the pause), the agent's question it
answers and the seconds spoken so far (``turn_seconds``). The audio features (Smart Turn's
logit and the prosody) are held at typical values from the set, chosen by the text alone: the
medians over the set's silences (holds and ends alike) whose partial transcript is unfinished,
or not, like the probe's (``fit.typical_audio``, stored under ``fit.typical_audio`` in
``eot_model.json``). ``--mean-audio`` holds them at the fit's means instead: one neutral pause
for every probe, so the curves show only what the text, the expectation and the turn's length
do. Prints p at each elapsed time (0.2 to 2 s) and when it first reaches the threshold (the
live turns stage's patience, 0.8 by default).
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench.*`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from visavis.turns.fusion import MODEL_PATH, EndOfTurnModel, term_value  # noqa: E402

#: The audio features held at typical values.
AUDIO = ("smart_turn_logit", "final_movement", "energy_drop", "lengthening")
ELAPSED = (0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.2, 1.5, 2.0)


@dataclass(frozen=True, slots=True)
class Probe:
    text: str
    prompt: str
    seconds: float  # spoken so far, pauses included (turn_seconds = log of it)
    should: str  # "hold": stays below the threshold to ~1.5 s; "end": crosses it by ~0.5 s


PROBES = (
    Probe(
        "I've been taking the water pill and the uh.",
        "Have you been taking all of your medications as prescribed since you got home?",
        4.5,
        "hold",
    ),
    Probe(
        "I feel. Well, the first few days were hard.",
        "How have you been feeling since you got home?",
        4.0,
        "hold",
    ),
    Probe("This is Maria.", "What is your date of birth?", 0.8, "end"),
    Probe(
        "Tuesday morning, I think.", "Which works better for you, Tuesday or Wednesday?", 1.3, "end"
    ),
    Probe("Yes, all of them.", "Have you taken all of your pills today?", 1.0, "end"),
)


def audio(model: EndOfTurnModel, text: str, mean: bool = False) -> dict[str, float]:
    """The audio features a probe assumes: typical for its kind of transcript, or the means."""
    typical = model.raw.get("fit", {}).get("typical_audio", {})
    flag = model.text_features(text)["trailing_incomplete"]
    chosen = typical.get(f"trailing_incomplete={flag:g}")
    if mean or not chosen:
        return {name: model.means.get(name, 0.0) for name in AUDIO}
    return {name: float(chosen[name]) for name in AUDIO}


def features(model: EndOfTurnModel, probe: Probe, mean: bool = False) -> dict[str, float]:
    """Every input of ``probe`` but ``elapsed``."""
    return {
        **audio(model, probe.text, mean),
        **model.text_features(probe.text),
        "turn_seconds": math.log(max(probe.seconds, 0.1)),
        "expectation": model.expectation(probe.prompt),
        "visual_cue": 0.0,
    }


def curve(
    model: EndOfTurnModel,
    probe: Probe,
    elapsed: tuple[float, ...] = ELAPSED,
    mean: bool = False,
) -> list[float]:
    """p(end) at each ``elapsed`` for ``probe``."""
    feats = features(model, probe, mean)
    return [model.probability({**feats, "elapsed": t}) for t in elapsed]


def contributions(
    model: EndOfTurnModel, probe: Probe, elapsed: float = 0.5, mean: bool = False
) -> dict[str, float]:
    """Each term's share of the logit at ``elapsed`` (weight x standardized value), and the bias."""
    feats = {**features(model, probe, mean), "elapsed": elapsed}
    out = {"bias": model.bias}
    for name, w in model.weights.items():
        x = term_value(name, feats)
        if w and x is not None:
            out[name] = w * (x - model.means[name]) / (model.stds[name] or 1.0)
    return out


def crossing(
    model: EndOfTurnModel, probe: Probe, threshold: float, mean: bool = False
) -> float | None:
    """The first elapsed time (20 ms steps from 0.2 s to 2 s) at which p reaches ``threshold``."""
    grid = tuple(round(0.2 + 0.02 * i, 2) for i in range(91))
    ps = curve(model, probe, grid, mean)
    return next((t for t, p in zip(grid, ps, strict=True) if p >= threshold), None)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=MODEL_PATH)
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--mean-audio", action="store_true", help="audio features at the fit's means")
    ap.add_argument(
        "--explain", action="store_true", help="also print each term's share of the logit at 0.5 s"
    )
    args = ap.parse_args()
    model = EndOfTurnModel.load(args.model)
    how = "the fit's means" if args.mean_audio else "typical for the transcript's kind"
    print(f"p(end) over elapsed silence (s); audio features {how} ({args.model.name})")
    print(f"{'':52s}" + "".join(f"{t:>7.1f}" for t in ELAPSED) + f"   >={args.threshold:g} at")
    for probe in PROBES:
        ps = curve(model, probe, mean=args.mean_audio)
        t = crossing(model, probe, args.threshold, args.mean_audio)
        head = f'"{probe.text}" ({probe.should}, e={model.expectation(probe.prompt):+.1f})'
        print(
            f"{head[:52]:52s}"
            + "".join(f"{p:7.3f}" for p in ps)
            + f"   {'never' if t is None else f'{t:.2f} s'}"
        )
        if args.explain:
            shares = contributions(model, probe, mean=args.mean_audio)
            ranked = sorted(shares.items(), key=lambda kv: -abs(kv[1]))
            print(
                "    at 0.5 s: " + ", ".join(f"{n} {v:+.2f}" for n, v in ranked if abs(v) >= 0.05)
            )


if __name__ == "__main__":
    main()
