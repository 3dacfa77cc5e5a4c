"""The simulated patient cohort: profiles (kinds of caller) turned into scenarios.

Each *kind* (adherent, missed doses, red flag, interrupter, ...) is a small function that writes
the patient's lines for one *variant*; the cohort crosses kinds and variants with a seeded
choice of patient, voice, speaking rate and reply gap. Every profile carries what it should
lead to: the scenario's ``expect`` (checked like a demo's), whether the call must escalate, and
the objective variables the agent should record (``truth``), so metrics need no hand labels.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from visavis.eval.profiles import KINDS, PEOPLE, WELL, Draft, base_lines
from visavis.sim.scenarios import Scenario, Voice

#: Piper (the agent's voice) shifted by semitones: other speakers Whisper still understands.
PIPER_SHIFTS = (4.0, -3.0, 3.0, 5.0, -4.0, 2.5, -2.0, 6.0)
#: espeak-ng voices: (voice, rate in words per minute, pitch 0-99).
ESPEAK_VOICES = (
    ("en-us+m3", 150, 50),
    ("en-us+f3", 160, 60),
    ("en-us+m1", 145, 40),
    ("en-us+f2", 165, 55),
    ("en+m3", 155, 45),
    ("en-us+m5", 150, 50),
)


@dataclass(frozen=True)
class Profile:
    """One simulated patient of the cohort and what their call should lead to."""

    name: str
    kind: str
    scenario: Scenario
    #: The call must escalate (a red flag, or symptoms getting worse).
    escalate: bool
    #: Objective variables the call should record, by name (lists: each item must appear).
    truth: dict[str, Any] = field(default_factory=dict)

    @property
    def voice_label(self) -> str:
        v = self.scenario.voice
        if v.engine == "piper":
            return f"piper {v.semitones:+g} st"
        return f"espeak {v.voice} {v.rate_wpm} wpm"


def _voice(draft: Draft, variant: int, rng: random.Random) -> Voice:
    engine = draft.engine or ("piper" if variant % 2 == 0 else "espeak")
    if engine == "piper":
        return Voice(engine="piper", semitones=rng.choice(PIPER_SHIFTS))
    name, rate, pitch = rng.choice(ESPEAK_VOICES)
    rate = draft.rate_wpm or rate + rng.randrange(-10, 11, 5)
    return Voice(engine="espeak", voice=name, rate_wpm=rate, pitch=pitch)


def build(kind: str, variant: int, seed: int = 7) -> Profile:
    """One profile: the kind's lines for this variant, a seeded voice, gap and scenario seed."""
    rng = random.Random(f"{seed}:{kind}:{variant}")
    draft = KINDS[kind](variant)
    first, dob = PEOPLE[draft.patient_id]
    lines = base_lines(draft.patient_id)
    for intent, said in draft.responses.items():
        lines[intent] = [s.format(first=first, dob=dob) for s in said]
    expect = dict(draft.expect or WELL)
    if "missed_medications" in draft.truth:
        # Which drug was missed is the point of these calls: part of the task, not only of the
        # variable accuracy.
        expect.setdefault("missed_medications", draft.truth["missed_medications"])
    low = round(rng.uniform(0.4, 0.6), 2)
    data: dict[str, Any] = {
        "name": f"{kind}_{variant + 1}",
        "description": draft.description,
        "patient_id": draft.patient_id,
        "voice": _voice(draft, variant, rng),
        "gap": (low, round(low + rng.uniform(0.2, 0.4), 2)),
        "responses": lines,
        "expect": expect,
        "seed": rng.randrange(1, 10_000),
        **draft.extra,
    }
    scenario = Scenario.model_validate(data)
    return Profile(scenario.name, kind, scenario, draft.escalate, draft.truth)


def cohort(
    count: int | None = None, seed: int = 7, only: list[str] | None = None, variants: int = 2
) -> list[Profile]:
    """The cohort, round-robin over kinds (so a small ``count`` still covers many kinds);
    ``only``: profile or kind names to keep."""
    profiles = [build(kind, v, seed) for v in range(variants) for kind in KINDS]
    if only:
        wanted = set(only)
        unknown = wanted - {p.name for p in profiles} - set(KINDS)
        if unknown:
            raise ValueError(
                f"unknown profile or kind: {', '.join(sorted(unknown))}; kinds: {', '.join(KINDS)}"
            )
        profiles = [p for p in profiles if p.name in wanted or p.kind in wanted]
    return profiles[:count] if count else profiles
