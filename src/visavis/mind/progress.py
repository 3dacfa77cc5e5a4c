"""Progress made on a call's objectives elsewhere (by an LLM mind), for the engine to resume.

When an LLM provider fails mid-call the embedded objectives engine takes over; it must not ask
again what the patient already answered, so it starts from the objectives completed and the
variables collected so far.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from visavis.mind.conditions import parse_condition
from visavis.mind.objectives import ObjectiveSet
from visavis.mind.state import CallState

#: What an evaluator LLM writes for a variable the conversation did not reveal.
NOT_FOUND = "NOTFOUND"


@dataclass
class ObjectiveProgress:
    """Objectives completed (in order) and output variables collected, by objective."""

    completed: list[str] = field(default_factory=list)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The objective being worked on when the progress was taken (informative).
    active: str | None = None
    #: The user turn at which it was taken.
    at_turn: int = 0
    booking: dict[str, Any] | None = None


def known_values(values: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The values without the evaluator's NOTFOUND markers (those are still to be asked)."""
    return {name: {k: v for k, v in vs.items() if v != NOT_FOUND} for name, vs in values.items()}


def next_objectives(
    objectives: ObjectiveSet, completed: list[str], values: dict[str, dict[str, Any]]
) -> tuple[str | None, list[str], bool]:
    """Replay the engine's routing over the completed objectives: the objective to activate
    (None when none is left), the queue after it, and whether the call should end (an
    ``ends_call`` objective was completed)."""
    done = set(completed)
    name: str | None = objectives.data[0].objective_name
    queue: list[str] = []
    while name is not None and name in done:
        obj = objectives.get(name)
        if obj.ends_call:
            return None, [], True
        vals = values.get(name, {})
        nxt = [n for n, c in obj.conditions.items() if parse_condition(c).holds(vals)]
        queue = list(
            dict.fromkeys(n for n in [*nxt, *obj.next_required_objectives, *queue] if n not in done)
        )
        name = queue.pop(0) if queue else None
    return name, queue, False


def restore(
    objectives: ObjectiveSet,
    state: CallState,
    completed: list[str],
    values: dict[str, dict[str, Any]],
) -> tuple[str | None, bool]:
    """Write the progress into an engine ``state`` (completed, values, queue); returns the
    objective to activate next (None if none) and whether an ``ends_call`` one was done."""
    names = {o.objective_name for o in objectives.data}
    state.completed = [n for n in completed if n in names]
    state.values = {n: {} for n in names} | {
        k: v for k, v in known_values(values).items() if k in names
    }
    name, state.queue, ends = next_objectives(objectives, state.completed, state.values)
    return name, ends
