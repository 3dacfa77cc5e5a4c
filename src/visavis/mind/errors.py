"""Errors for malformed mind configuration files: which file, which field, what is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class MindConfigError(ValueError):
    """A persona, objectives or patients file is malformed."""

    kind = "configuration"

    def __init__(self, source: Path | str, problems: list[str]) -> None:
        self.source = str(source)
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid {self.kind} file {self.source}:\n{lines}")


class PersonaError(MindConfigError):
    kind = "persona"


class ObjectivesError(MindConfigError):
    kind = "objectives"


class PatientsError(MindConfigError):
    kind = "patients"


def describe(err: ValidationError) -> list[str]:
    """One line per pydantic error: the field path and what is wrong with it."""
    out = []
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"]) or "(top level)"
        out.append(f"{where}: {e['msg']}")
    return out


def load_yaml_model(
    path: Path, model: type[M], error: type[MindConfigError], wrap: str | None = None
) -> M:
    """Read ``path`` as YAML into ``model``; ``wrap`` names a key to nest a bare list under."""
    try:
        data: Any = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise error(path, [f"cannot read the file: {exc.strerror or exc}"]) from exc
    except yaml.YAMLError as exc:
        raise error(path, [f"not valid YAML: {exc}"]) from exc
    if wrap and isinstance(data, list):
        data = {wrap: data}
    if not isinstance(data, dict):
        raise error(path, [f"expected a mapping at the top level, got {type(data).__name__}"])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(path, describe(exc)) from exc
