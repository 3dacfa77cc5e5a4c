"""The small condition language the offline engine evaluates for conditional objectives.

The public objectives API states conditions in prose for an evaluator LLM; the embedded engine
needs them machine-checkable, so each prose condition gets a twin here, e.g.
``all_taken == false and missed_doses >= 2``. Grammar: clauses joined by ``or``, each made of
comparisons joined by ``and``; a comparison is ``name OP literal`` or a bare ``name`` (truthy).
Literals: true, false, null, numbers, and words or 'quoted text'.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
_COMPARISON = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:(==|!=|>=|<=|>|<)\s*(.+?))?\s*$")


class ConditionError(ValueError):
    """A condition that does not parse."""


@dataclass(frozen=True)
class Comparison:
    name: str
    op: str | None
    literal: Any

    def holds(self, values: Mapping[str, Any]) -> bool:
        value = values.get(self.name)
        if self.op is None:
            return bool(value)
        if self.op in ("==", "!="):
            return _OPS[self.op](value, self.literal)
        try:
            return value is not None and _OPS[self.op](value, self.literal)
        except TypeError:
            return False


@dataclass(frozen=True)
class Condition:
    text: str
    any_of: tuple[tuple[Comparison, ...], ...]

    @property
    def names(self) -> set[str]:
        return {c.name for clause in self.any_of for c in clause}

    def holds(self, values: Mapping[str, Any]) -> bool:
        return any(all(c.holds(values) for c in clause) for clause in self.any_of)


def _literal(text: str) -> Any:
    low = text.lower()
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    if low in ("null", "none", "unknown"):
        return None
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d*", text):
        return float(text)
    return text.strip("'\"")


def parse_condition(text: str) -> Condition:
    """Parse ``text``; raises ``ConditionError`` saying which part is wrong."""
    clauses = []
    for clause_text in re.split(r"\s+or\s+", text.strip()):
        comparisons = []
        for part in re.split(r"\s+and\s+", clause_text):
            m = _COMPARISON.match(part)
            if not m:
                raise ConditionError(
                    f"cannot read {part!r} in condition {text!r}; expected "
                    "'name OP value' with OP one of == != >= <= > <"
                )
            name, op, lit = m.groups()
            comparisons.append(Comparison(name, op, _literal(lit) if op else None))
        clauses.append(tuple(comparisons))
    return Condition(text, tuple(clauses))
