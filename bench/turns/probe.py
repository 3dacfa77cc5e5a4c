"""Probe the shipped end-of-turn model: p(end) over elapsed silence for a few partial transcripts.

Usage: python bench/turns/probe.py [--model PATH] [--threshold 0.8]

Each probe is a partial transcript (what Whisper heard up to the pause), the agent's question it
answers and the seconds spoken so far (``turn_seconds``). The audio features (Smart Turn's
logit and the prosody) are held at their means over the fit's samples (``means`` in
``eot_model.json``), a typical pause of the set, so the curves show what the text, the dialogue
expectation, the turn's length and the silence do. Prints p at each elapsed time (0.2 to 2 s)
and when it first reaches the threshold (the live turns stage's patience, 0.8 by default).
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench.*`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from visavis.turns.fusion import MODEL_PATH, EndOfTurnModel  # noqa: E402

#: The audio features held at the set's mean.
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
    Probe("This is Maria.", "Can you tell me your date of birth?", 0.8, "end"),
    Probe(
        "Tuesday morning, I think.", "Which works better for you, Tuesday or Wednesday?", 1.3, "end"
    ),
    Probe("Yes, all of them.", "Have you taken all of your pills today?", 1.0, "end"),
)


def curve(model: EndOfTurnModel, probe: Probe, elapsed: tuple[float, ...] = ELAPSED) -> list[float]:
    """p(end) at each ``elapsed`` for ``probe``, the audio features at their means."""
    base = {name: model.means.get(name, 0.0) for name in AUDIO}
    feats = {
        **base,
        **model.text_features(probe.text),
        "turn_seconds": math.log(max(probe.seconds, 0.1)),
        "expectation": model.expectation(probe.prompt),
        "visual_cue": 0.0,
    }
    return [model.probability({**feats, "elapsed": t}) for t in elapsed]


def crossing(model: EndOfTurnModel, probe: Probe, threshold: float) -> float | None:
    """The first elapsed time (20 ms steps from 0.2 s to 2 s) at which p reaches ``threshold``."""
    grid = tuple(round(0.2 + 0.02 * i, 2) for i in range(91))
    return next(
        (t for t, p in zip(grid, curve(model, probe, grid), strict=True) if p >= threshold), None
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=MODEL_PATH)
    ap.add_argument("--threshold", type=float, default=0.8)
    args = ap.parse_args()
    model = EndOfTurnModel.load(args.model)
    print(f"p(end) over elapsed silence (s); audio features at the set's means ({args.model.name})")
    print(f"{'':52s}" + "".join(f"{t:>7.1f}" for t in ELAPSED) + f"   >={args.threshold:g} at")
    for probe in PROBES:
        ps = curve(model, probe)
        t = crossing(model, probe, args.threshold)
        head = f'"{probe.text}" ({probe.should}, e={model.expectation(probe.prompt):+.1f})'
        print(
            f"{head[:52]:52s}"
            + "".join(f"{p:7.3f}" for p in ps)
            + f"   {'never' if t is None else f'{t:.2f} s'}"
        )


if __name__ == "__main__":
    main()
