"""The patient record the flagship mind works from (identity, discharge medications)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from visavis.mind.errors import PatientsError, load_yaml_model


class Medication(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: The generic name; it is the canonical name recorded in output variables.
    name: str = Field(min_length=1)
    dose: str
    frequency: str
    #: Brand names, common names ("water pill") and frequent misspellings.
    aliases: list[str] = Field(default_factory=list)
    purpose: str = ""


#: Words after a purpose that name a medicine by it ("the cholesterol one").
PURPOSE_NOUNS = ("one", "pill", "pills", "tablet", "medicine", "medication")


class CareTeam(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    phone: str


class Patient(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[\w-]+$")
    first_name: str = Field(min_length=1)
    last_name: str = Field(min_length=1)
    date_of_birth: date
    discharge_date: date
    diagnosis: str
    medications: list[Medication] = Field(min_length=1)
    care_team: CareTeam
    phone: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def purposes(self) -> list[str]:
        """What each medicine is for, in order, when every one has a purpose of its own (a
        question can then offer them as choices); else an empty list."""
        purposes = [m.purpose.strip() for m in self.medications]
        distinct = {p.lower() for p in purposes}
        return purposes if all(purposes) and len(distinct) == len(purposes) else []

    def medication_names(self) -> dict[str, list[str]]:
        """Each medicine's aliases, plus how people name a medicine by what it is for ("the
        cholesterol one", "my blood pressure pill") when no other medicine has that purpose."""
        purposes = [m.purpose.lower().strip() for m in self.medications]
        names = {}
        for m, purpose in zip(self.medications, purposes, strict=True):
            by_purpose = (
                [f"{purpose} {noun}" for noun in PURPOSE_NOUNS]
                if purpose and purposes.count(purpose) == 1
                else []
            )
            names[m.name] = [*m.aliases, *by_purpose]
        return names


class PatientList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    patients: list[Patient] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> PatientList:
        ids = [p.id for p in self.patients]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate patient id {dupes}")
        return self

    def get(self, patient_id: str) -> Patient:
        for p in self.patients:
            if p.id == patient_id:
                return p
        raise KeyError(f"no patient {patient_id!r}; known: {[p.id for p in self.patients]}")


def load_patients(path: Path) -> PatientList:
    return load_yaml_model(path, PatientList, PatientsError, wrap="patients")
