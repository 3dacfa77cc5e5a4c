"""Building the post-discharge follow-up mind from ``examples/post_discharge``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from visavis.mind.engine import ObjectivesMind
from visavis.mind.errors import MindConfigError, load_yaml_model
from visavis.mind.objectives import load_objectives
from visavis.mind.patients import load_patients
from visavis.mind.persona import load_persona
from visavis.mind.tools import BookSlotTool, ClinicStore, EscalateTool, FindSlotsTool, Tool
from visavis.mind.tools.scheduling import seed_slots


class SlotsError(MindConfigError):
    kind = "slots"


class SlotPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: int = Field(gt=0, le=31)
    minutes: int = Field(gt=0)
    clinician: str
    hours: list[str] = Field(min_length=1)
    taken: list[tuple[int, str]] = Field(default_factory=list)


def default_example_dir() -> Path:
    # src/visavis/mind/flagship.py -> the repository root's examples/post_discharge
    return Path(__file__).resolve().parents[3] / "examples" / "post_discharge"


def load_flagship_mind(
    patient_id: str, db_path: Path, today: date, example_dir: Path | None = None
) -> ObjectivesMind:
    """The post-discharge mind for one patient, with its SQLite clinic store seeded
    (patients and the follow-up slots generated from ``today``)."""
    folder = example_dir or default_example_dir()
    persona = load_persona(folder / "persona.yaml")
    objectives = load_objectives(folder / "objectives.yaml")
    patients = load_patients(folder / "patients.yaml")
    slots = load_yaml_model(folder / "slots.yaml", SlotPlan, SlotsError)
    patient = patients.get(patient_id)
    store = ClinicStore(db_path)
    for p in patients.patients:
        store.upsert_patient(
            p.id, p.first_name, p.last_name, p.date_of_birth, yaml.safe_load(p.model_dump_json())
        )
    seed_slots(
        store,
        today,
        slots.hours,
        slots.days,
        slots.minutes,
        slots.clinician,
        [tuple(t) for t in slots.taken],
    )
    tools: dict[str, Tool] = {
        t.name: t for t in (FindSlotsTool(store), BookSlotTool(store), EscalateTool(store))
    }
    return ObjectivesMind(
        persona, objectives, patient, tools, today, objectives_source=folder / "objectives.yaml"
    )
