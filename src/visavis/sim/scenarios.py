"""Scenarios for the simulated patient: who they are, what they say, what should happen.

Scenarios are data (YAML). Each maps what the patient hears the agent ask (an *intent*, recognised
from the agent's speech) to what the patient says, plus optional interruptions and the outcome the
call must reach.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

Intent = Literal[
    "greeting",
    "identity",
    "dob",
    "medications",
    "which_medication",
    "how_many",
    "symptoms",
    "escalation",
    "booking",
    "anything_else",
    "goodbye",
    "clarify",
    "other",
]


class ScenarioError(ValueError):
    """A scenario file or name that cannot be used; the message says what to fix."""


class Voice(BaseModel):
    """espeak-ng: ``voice``, ``rate_wpm`` and ``pitch`` (0-99). piper: the agent's voice model
    shifted by ``semitones`` (pitch and formants), which must not be 0."""

    model_config = ConfigDict(extra="forbid")

    engine: Literal["espeak", "piper"] = "piper"
    voice: str = "en-us"
    rate_wpm: int = Field(default=160, ge=80, le=400)
    pitch: int = Field(default=50, ge=0, le=99)
    semitones: float = Field(default=4.0, ge=-12, le=12)

    @field_validator("semitones")
    @classmethod
    def _distinct(cls, value: float) -> float:
        if abs(value) < 1.5:
            raise ValueError(
                "a simulated caller's voice must differ from the agent's: |semitones| >= 1.5"
            )
        return value


class Interruption(BaseModel):
    """Speak over the agent ``after`` seconds into a reply that asks ``intent``."""

    model_config = ConfigDict(extra="forbid")

    intent: Intent
    after: float = Field(gt=0, le=30)
    say: str = Field(min_length=1)


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    description: str
    patient_id: str
    voice: Voice = Field(default_factory=Voice)
    #: Range of the human-like gap (seconds) between the agent's last word and the reply.
    gap: tuple[float, float] = (0.5, 0.9)
    responses: dict[Intent, list[str]]
    interruptions: list[Interruption] = Field(default_factory=list)
    expect: dict[str, Any] = Field(default_factory=dict)
    seed: int = 7

    @field_validator("responses")
    @classmethod
    def _non_empty(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for intent, lines in value.items():
            if not lines or not all(isinstance(x, str) and x.strip() for x in lines):
                raise ValueError(f"responses.{intent} must be a non-empty list of sentences")
        return value

    @field_validator("gap")
    @classmethod
    def _gap_range(cls, value: tuple[float, float]) -> tuple[float, float]:
        low, high = value
        if not 0 <= low <= high <= 10:
            raise ValueError("gap must be [low, high] seconds with 0 <= low <= high <= 10")
        return value


def load_scenarios(path: Path) -> dict[str, Scenario]:
    """Read every scenario of a YAML file; raises ``ScenarioError`` naming the bad field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario file {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ScenarioError(f"scenario file {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("scenarios"), dict):
        raise ScenarioError(f"scenario file {path} must hold a mapping 'scenarios: {{name: ...}}'")
    scenarios: dict[str, Scenario] = {}
    for name, body in raw["scenarios"].items():
        if not isinstance(body, dict):
            raise ScenarioError(f"{path}: scenario '{name}' must be a mapping")
        try:
            scenarios[name] = Scenario.model_validate({**body, "name": name})
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
            )
            raise ScenarioError(f"{path}: scenario '{name}' is invalid: {problems}") from exc
    return scenarios


def get_scenario(path: Path, name: str) -> Scenario:
    scenarios = load_scenarios(path)
    if name not in scenarios:
        known = ", ".join(sorted(scenarios))
        raise ScenarioError(f"unknown scenario '{name}'; known scenarios: {known}")
    return scenarios[name]
