"""Start-up checks of the objectives engine's configuration (split from ``engine``).

The objectives name persona keys (questions, clarifications, phrasing); a typo there would only
surface mid-call as a KeyError, so the engine checks every reference when it is built.
"""

from __future__ import annotations

from pathlib import Path

from visavis.mind.errors import ObjectivesError
from visavis.mind.objectives import ObjectiveSet
from visavis.mind.persona import Persona


def check_phrasing(persona: Persona, objectives: ObjectiveSet, source: Path | str) -> None:
    """Raise ``ObjectivesError`` listing every persona key the objectives use but lack."""
    problems = []
    for o in objectives.data:
        for var, spec in o.variables.items():
            where = f"{o.objective_name}.variables.{var}"
            if spec.ask not in persona.questions:
                problems.append(f"{where}.ask: persona has no question {spec.ask!r}")
            if spec.clarify and spec.clarify not in persona.clarifications:
                problems.append(f"{where}.clarify: persona has no clarification {spec.clarify!r}")
        if o.say and o.say not in type(persona.phrasing).model_fields:
            problems.append(f"{o.objective_name}.say: persona has no phrasing {o.say!r}")
    if problems:
        raise ObjectivesError(source, problems)
