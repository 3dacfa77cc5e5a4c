"""Scenarios for the simulated patient: who they are, what they say, what should happen.

Scenarios are data (YAML). Each maps what the patient hears the agent ask (an *intent*, recognised
from the agent's speech) to what the patient says, plus optional interruptions and the outcome the
call must reach.

A scenario may also script the patient's camera (``camera:``, see ``CameraSetup`` and
``CameraCue``): an answer given as ``{say: ..., camera: [cues]}`` instead of a plain sentence
attaches behaviours (look away, frown, nod...) timed from the moment that answer starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

Intent = Literal[
    "greeting",
    "identity",
    "dob",
    "dob_year",
    "phone",
    "medications",
    "which_medication",
    "medication_purpose",
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


class Noise(BaseModel):
    """Background noise mixed into the patient's microphone for the whole call: ``pink`` (a
    room, a fan), ``brown`` (traffic) or ``hum`` (mains), at ``level_db`` dBFS RMS."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["pink", "brown", "hum"] = "pink"
    level_db: float = Field(default=-40.0, ge=-70, le=-15)


class Interruption(BaseModel):
    """Speak over the agent ``after`` seconds into a reply that asks ``intent``."""

    model_config = ConfigDict(extra="forbid")

    intent: Intent
    after: float = Field(gt=0, le=30)
    say: str = Field(min_length=1)


# --- the patient's camera ---------------------------------------------------------------------

#: Scripted camera behaviours; a cue names exactly one of them.
BEHAVIOURS = ("look_away", "frown", "nod", "shake", "leave", "second_person")
#: Where the patient looks, as seen in the picture (``up_left``: toward the frame's top left).
Direction = Literal["left", "right", "up", "down", "up_left", "up_right", "down_left", "down_right"]
# Built-in avatars are data files; listing them here avoids importing the renderer (skia) just
# to load a scenario file.
_AVATARS = Path(__file__).resolve().parents[1] / "face" / "avatars"


def _known_avatar(name: str) -> str:
    known = sorted(p.stem for p in _AVATARS.glob("*.yaml"))
    if name not in known:
        raise ValueError(f"unknown avatar {name!r}; built-in avatars: {', '.join(known)}")
    return name


AvatarName = Annotated[str, AfterValidator(_known_avatar)]


class CameraCue(BaseModel):
    """One behaviour on the patient's camera, ``at`` seconds after the answer starts (for the
    call-wide ``camera.events``: after the call starts). The behaviour's key carries its length
    in seconds, or for ``nod``/``shake`` the number of head movements."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    look_away: float | None = Field(default=None, gt=0, le=30)
    frown: float | None = Field(default=None, gt=0, le=30)
    nod: int | None = Field(default=None, ge=1, le=8)
    shake: int | None = Field(default=None, ge=1, le=8)
    leave: float | None = Field(default=None, gt=0, le=600)
    second_person: float | None = Field(default=None, gt=0, le=600)
    at: float = Field(default=0.0, ge=0, le=3600)
    direction: Direction | None = None  # look_away only; default up_left (recalling)
    avatar: AvatarName | None = None  # second_person only; default sam

    @model_validator(mode="after")
    def _exactly_one(self) -> CameraCue:
        given = [name for name in BEHAVIOURS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a camera cue needs exactly one of {', '.join(BEHAVIOURS)}; "
                f"got {', '.join(given) or 'none'}"
            )
        if self.direction is not None and given[0] != "look_away":
            raise ValueError(f"direction only applies to look_away, not {given[0]}")
        if self.avatar is not None and given[0] != "second_person":
            raise ValueError(f"avatar only applies to second_person, not {given[0]}")
        return self

    @property
    def kind(self) -> str:
        return next(name for name in BEHAVIOURS if getattr(self, name) is not None)

    @property
    def amount(self) -> float:
        """Seconds, or the count for ``nod`` and ``shake``."""
        return float(getattr(self, self.kind))


class CameraSetup(BaseModel):
    """The whole call's camera: whose face it shows and behaviours at call times."""

    model_config = ConfigDict(extra="forbid")

    avatar: AvatarName = "lin"
    events: list[CameraCue] = Field(default_factory=list)


class Answer(BaseModel):
    """An answer with camera behaviour, written ``{say: ..., camera: [cues]}``."""

    model_config = ConfigDict(extra="forbid")

    say: str = Field(min_length=1)
    camera: list[CameraCue] = Field(default_factory=list)


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _split_answers(
    data: Any,
) -> tuple[Any, dict[str, tuple[CameraCue, ...]]]:
    """Replace ``{say, camera}`` answers by their sentence and collect their cues by sentence.

    ``responses`` stays a list of sentences for everything that reads it (the patient picks and
    speaks sentences); the cues are looked up by sentence when the patient says it."""
    cues: dict[str, tuple[CameraCue, ...]] = {}
    if not isinstance(data, dict) or not isinstance(data.get("responses"), dict):
        return data, cues
    seen: dict[str, str] = {}
    responses: dict[Any, Any] = {}
    for intent, lines in data["responses"].items():
        if not isinstance(lines, list):
            responses[intent] = lines
            continue
        plain: list[Any] = []
        for i, item in enumerate(lines):
            if not isinstance(item, dict):
                plain.append(item)
                continue
            where = f"responses.{intent}.{i}"
            try:
                answer = Answer.model_validate(item)
            except ValidationError as exc:
                problems = "; ".join(
                    f"{_where((where, *err['loc']))}: {err['msg']}" for err in exc.errors()
                )
                raise ValueError(problems) from None
            if answer.say in cues and cues[answer.say] != tuple(answer.camera):
                raise ValueError(
                    f"{where}.camera: the same sentence has other camera cues at "
                    f"{seen[answer.say]}; the camera cannot tell which to play"
                )
            if answer.camera:
                cues[answer.say] = tuple(answer.camera)
                seen[answer.say] = where
            plain.append(answer.say)
        responses[intent] = plain
    return {**data, "responses": responses}, cues


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
    #: The persona's ``turn_taking_patience`` a deployment would choose for such callers
    #: (None: the default); ``run_demo`` applies it unless given explicit turn settings.
    turn_taking_patience: Literal["low", "medium", "high"] | None = None
    seed: int = 7
    #: The patient's memory store (``memory_stores`` on a conversation): a call remembers into
    #: it and recalls from it, so two scenarios run in order make a follow-up call.
    memory_store: str | None = Field(None, pattern=r"^[A-Za-z0-9_.:@-]{1,64}$")
    camera: CameraSetup = Field(default_factory=CameraSetup)
    #: Extra silence (seconds) before the first answer to an intent: someone who goes quiet
    #: (beyond ``reprompt_after`` the agent asks whether they are still there).
    silences: dict[Intent, Annotated[float, Field(gt=0, le=30)]] = Field(default_factory=dict)
    #: Hang up right after answering this intent: a call cut short.
    hang_up_after: Intent | None = None
    noise: Noise | None = None
    _answer_cues: dict[str, tuple[CameraCue, ...]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _answers_with_camera(cls, data: Any, handler: Any) -> Scenario:
        data, cues = _split_answers(data)
        scenario: Scenario = handler(data)
        scenario._answer_cues = cues
        return scenario

    def camera_cues(self, line: str) -> tuple[CameraCue, ...]:
        """The camera behaviours scripted for a response sentence (empty if none)."""
        return self._answer_cues.get(line, ())

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
            problems = "; ".join(_problem(err) for err in exc.errors())
            raise ScenarioError(f"{path}: scenario '{name}' is invalid: {problems}") from exc
    return scenarios


def _problem(err: Any) -> str:
    """``field.path: message``; whole-scenario checks name their own field in the message."""
    where = _where(err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{where}: {msg}" if where else msg


def get_scenario(path: Path, name: str) -> Scenario:
    scenarios = load_scenarios(path)
    if name not in scenarios:
        known = ", ".join(sorted(scenarios))
        raise ScenarioError(f"unknown scenario '{name}'; known scenarios: {known}")
    return scenarios[name]
