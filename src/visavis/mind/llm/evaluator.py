"""The second LLM role: judging objectives from the transcript, as in the public objectives API.

After each committed user turn the evaluator reads the conversation and the active objective and
answers JSON ``{"completed": bool, "variables": {...}}`` (a value it cannot find is
``"NOTFOUND"``). It also decides prose ``next_conditional_objectives`` conditions; conditions
written machine-readably (``all_taken == false``) are checked locally with no LLM call.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from visavis.mind.conditions import ConditionError, parse_condition
from visavis.mind.llm.context import ObjectiveView
from visavis.mind.llm.types import ChatMessage
from visavis.mind.progress import NOT_FOUND

log = logging.getLogger(__name__)

EVALUATOR_MARKER = "You are the objectives evaluator"
EVALUATE_PROMPT = (
    f"{EVALUATOR_MARKER} of a care call. Read the transcript and decide whether the objective "
    "is complete, and extract its output variables from what the patient said. Answer with one "
    'JSON object only: {"completed": true|false, "variables": {"<name>": <value>}}. Use JSON '
    'booleans for yes/no facts, numbers for counts, and "NOTFOUND" for a variable the '
    "transcript does not reveal."
)
CONDITION_PROMPT = (
    f"{EVALUATOR_MARKER} of a care call. Decide whether the condition holds given the "
    'transcript and the variables. Answer with one JSON object only: {"holds": true|false}.'
)


@dataclass
class Evaluation:
    completed: bool
    variables: dict[str, Any] = field(default_factory=dict)


def parse_json_object(text: str) -> dict[str, Any] | None:
    """The JSON object in a model's answer (fenced or surrounded by words), or None."""
    match = re.search(r"\{.*\}", text, re.DOTALL)
    if not match:
        return None
    try:
        value = json.loads(match.group(0))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def machine_condition(text: str, variables: tuple[str, ...]) -> Callable[[dict], bool] | None:
    """A check for ``text`` if it is written in the condition language over the objective's
    own variables (prose like "The patient confirmed..." is not), else None."""
    try:
        condition = parse_condition(text)
    except ConditionError:
        return None
    if not condition.names or not condition.names <= set(variables):
        return None
    return condition.holds


class Evaluator:
    """Judges objectives with an LLM; ``complete`` sends messages and returns the answer text
    (it raises ``LLMError`` on failure, which the mind treats like any provider failure)."""

    def __init__(self, complete: Callable[[list[ChatMessage]], str]) -> None:
        self._complete = complete

    def evaluate(
        self, transcript: str, objective: ObjectiveView, values: dict[str, Any]
    ) -> Evaluation:
        request = {
            "objective_name": objective.name,
            "objective_prompt": objective.prompt,
            "output_variables": list(objective.output_variables),
            "known_so_far": values,
        }
        answer = self._complete(
            [
                ChatMessage("system", EVALUATE_PROMPT),
                ChatMessage(
                    "user",
                    f"Objective:\n{json.dumps(request, default=str)}\n\nTranscript:\n{transcript}",
                ),
            ]
        )
        data = parse_json_object(answer)
        if data is None:
            # A garbled verdict is not an outage: the objective stays open and the next turn's
            # evaluation tries again.
            log.warning("evaluator answer is not JSON: %.200r", answer)
            return Evaluation(False)
        variables = data.get("variables") if isinstance(data.get("variables"), dict) else {}
        wanted = {k: v for k, v in variables.items() if k in objective.output_variables}
        found = all(wanted.get(v, NOT_FOUND) != NOT_FOUND for v in objective.output_variables)
        completed = data.get("completed") is True
        if completed and not found:
            log.info("evaluator completed %s with variables missing", objective.name)
        return Evaluation(completed, wanted)

    def condition_holds(
        self, transcript: str, objective: ObjectiveView, values: dict[str, Any], condition: str
    ) -> bool:
        check = machine_condition(condition, objective.output_variables)
        if check is not None:
            return check(values)
        answer = self._complete(
            [
                ChatMessage("system", CONDITION_PROMPT),
                ChatMessage(
                    "user",
                    f"Condition: {condition}\nVariables: {json.dumps(values, default=str)}\n\n"
                    f"Transcript:\n{transcript}",
                ),
            ]
        )
        data = parse_json_object(answer) or {}
        return data.get("holds") is True
