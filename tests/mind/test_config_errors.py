from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from visavis.mind import ObjectivesError, PersonaError
from visavis.mind.flagship import default_example_dir, load_flagship_mind
from visavis.mind.objectives import load_objectives
from visavis.mind.persona import load_persona

from .conftest import TODAY


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_persona_not_yaml(tmp_path: Path) -> None:
    with pytest.raises(PersonaError, match="not valid YAML"):
        load_persona(_write(tmp_path, "p.yaml", "name: [unclosed"))


def test_persona_missing_field_named(tmp_path: Path) -> None:
    with pytest.raises(PersonaError) as err:
        load_persona(_write(tmp_path, "p.yaml", "name: Joe\nrole: x\n"))
    assert "p.yaml" in str(err.value) and "organisation" in str(err.value)


def test_persona_unknown_placeholder(tmp_path: Path) -> None:
    text = (default_example_dir() / "persona.yaml").read_text()
    text = text.replace("{patient_name}", "{patient_nmae}")
    with pytest.raises(PersonaError, match="patient_nmae"):
        load_persona(_write(tmp_path, "p.yaml", text))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("data: 3", "data"),
        ("data:\n  - objective_name: a b\n    objective_prompt: x\n", "objective_name"),
        (
            "data:\n  - objective_name: a\n    objective_prompt: x\n"
            "    next_required_objectives: [nope]\n",
            "unknown objective",
        ),
        (
            "data:\n  - objective_name: a\n    objective_prompt: x\n"
            "    next_required_objectives: [b]\n"
            "  - objective_name: b\n    objective_prompt: y\n    next_required_objectives: [a]\n",
            "cycle",
        ),
        (
            "data:\n  - objective_name: a\n    objective_prompt: x\n    output_variables: [v]\n",
            "no entry in 'variables'",
        ),
        (
            "data:\n  - objective_name: a\n    objective_prompt: x\n    output_variables: [v]\n"
            "    variables: {v: {understand: telepathy, ask: q}}\n",
            "understand",
        ),
        (
            "data:\n  - objective_name: a\n    objective_prompt: x\n    modality: visual\n",
            "modality",
        ),
        ("- just a string\n", "data.0"),
        ("{{{", "not valid YAML"),
    ],
)
def test_objectives_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ObjectivesError, match=message) as err:
        load_objectives(_write(tmp_path, "o.yaml", text))
    assert "o.yaml" in str(err.value)


def test_objectives_refer_to_missing_persona_question(tmp_path: Path) -> None:
    folder = tmp_path / "ex"
    shutil.copytree(default_example_dir(), folder)
    o = folder / "objectives.yaml"
    o.write_text(o.read_text().replace("ask: how_many_missed", "ask: how_many_mised"))
    with pytest.raises(ObjectivesError, match="how_many_mised"):
        load_flagship_mind("maria-lopez", tmp_path / "db", TODAY, folder)
