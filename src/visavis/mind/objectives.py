"""Objectives as data: the public objectives API's fields plus what the offline engine needs.

Public fields: ``objective_name``, ``objective_prompt``, ``confirmation_mode``,
``output_variables``, ``modality``, ``next_conditional_objectives``,
``next_required_objectives``, ``callback_url``. Engine extensions (ignored by an LLM mind):
``variables`` (how each output variable is asked and understood), ``conditions`` (a
machine-checkable twin of each prose condition), ``say`` and ``ends_call``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from visavis.mind.conditions import ConditionError, parse_condition
from visavis.mind.errors import ObjectivesError, load_yaml_model

Understanding = Literal[
    "yes_no",
    "identity_name",
    "date_of_birth",
    "phone_digits",
    "adherence",
    "medications",
    "count",
    "symptoms",
    "slot_choice",
    "open_question",
]
#: Kinds that prove who the caller is once their name is confirmed: any one of them will do
#: (the phone number's last digits stand in for a date of birth that could not be confirmed).
IDENTITY_PROOFS = frozenset({"date_of_birth", "phone_digits"})
#: Kinds whose values decide ``identity_confirmed``.
IDENTITY_KINDS = frozenset({"identity_name"}) | IDENTITY_PROOFS


class VariableSpec(BaseModel):
    """How the engine asks for and understands one output variable."""

    model_config = ConfigDict(extra="forbid")

    understand: Understanding
    #: Key of the persona question (``questions.<key>``) that asks for it.
    ask: str
    #: Key of a persona clarification (``clarifications.<key>``); default ``phrasing.clarify``.
    clarify: str | None = None
    #: Only ask when this condition holds over the objective's variables so far.
    ask_if: str | None = None
    #: Value recorded when the answer stays unclear after the persona's max clarifications.
    give_up_value: Any = None
    #: Say ``phrasing.move_on`` when giving up (off when a conditional objective follows).
    say_move_on: bool = True


class Objective(BaseModel):
    model_config = ConfigDict(extra="forbid")

    objective_name: str = Field(pattern=r"^\S+$", min_length=1)
    objective_prompt: str = Field(min_length=1)
    confirmation_mode: Literal["auto", "manual"] = "auto"
    output_variables: list[str] = Field(default_factory=list)
    modality: Literal["verbal"] = "verbal"
    next_conditional_objectives: dict[str, str] = Field(default_factory=dict)
    next_required_objectives: list[str] = Field(default_factory=list)
    callback_url: str | None = None
    # --- offline engine extensions ---
    variables: dict[str, VariableSpec] = Field(default_factory=dict)
    conditions: dict[str, str] = Field(default_factory=dict)
    #: Persona phrasing key (``phrasing.<key>``) spoken when the objective activates.
    say: str | None = None
    #: The call ends after this objective (its ``say`` is the goodbye).
    ends_call: bool = False

    @model_validator(mode="after")
    def _check(self) -> Objective:
        missing = [v for v in self.output_variables if v not in self.variables]
        extra = [v for v in self.variables if v not in self.output_variables]
        if missing:
            raise ValueError(
                f"output variables {missing} have no entry in 'variables' "
                "(the offline engine needs to know how to ask for them)"
            )
        if extra:
            raise ValueError(f"'variables' describes {extra}, which are not output_variables")
        no_twin = [n for n in self.next_conditional_objectives if n not in self.conditions]
        if no_twin:
            raise ValueError(
                f"next_conditional_objectives {no_twin} have no machine-checkable "
                "twin in 'conditions'"
            )
        stray = [n for n in self.conditions if n not in self.next_conditional_objectives]
        if stray:
            raise ValueError(f"'conditions' names {stray}, not in next_conditional_objectives")
        known = set(self.output_variables)
        checks = [(f"conditions.{k}", v) for k, v in self.conditions.items()]
        checks += [
            (f"variables.{k}.ask_if", s.ask_if) for k, s in self.variables.items() if s.ask_if
        ]
        for where, text in checks:
            try:
                names = parse_condition(text).names
            except ConditionError as exc:
                raise ValueError(f"{where}: {exc}") from exc
            if names - known:
                raise ValueError(
                    f"{where}: {sorted(names - known)} are not output variables of this objective"
                )
        return self


class ObjectiveSet(BaseModel):
    """The body of the public create-objectives call: ``{data: [...]}``."""

    model_config = ConfigDict(extra="forbid")

    data: list[Objective] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_graph(self) -> ObjectiveSet:
        names = [o.objective_name for o in self.data]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate objective_name {dupes}")
        known = set(names)
        for i, o in enumerate(self.data):
            for field, targets in (
                ("next_required_objectives", o.next_required_objectives),
                ("next_conditional_objectives", list(o.next_conditional_objectives)),
            ):
                unknown = [t for t in targets if t not in known]
                if unknown:
                    raise ValueError(
                        f"data.{i} ({o.objective_name}).{field}: unknown "
                        f"objective(s) {unknown}; known: {sorted(known)}"
                    )
        cycle = _required_cycle(self.data)
        if cycle:
            raise ValueError("next_required_objectives form a cycle: " + " -> ".join(cycle))
        return self

    def get(self, name: str) -> Objective:
        return next(o for o in self.data if o.objective_name == name)


def _required_cycle(objectives: list[Objective]) -> list[str] | None:
    """A cycle through required objectives (the call could never end), or None."""
    graph = {o.objective_name: o.next_required_objectives for o in objectives}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt]
            if state.get(nxt) is None:
                found = visit(nxt, [*path, nxt])
                if found:
                    return found
        state[node] = 2
        return None

    for name in graph:
        if name not in state:
            found = visit(name, [name])
            if found:
                return found
    return None


def load_objectives(path: Path) -> ObjectiveSet:
    """Load and validate an objectives file (``data: [...]`` or a bare list)."""
    return load_yaml_model(path, ObjectiveSet, ObjectivesError, wrap="data")
