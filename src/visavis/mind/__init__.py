"""The mind: what the agent says and does next (the embedded objectives engine by default)."""

from visavis.mind.base import CommitResult, Mind, ReplyPlan
from visavis.mind.engine import ObjectivesMind
from visavis.mind.errors import MindConfigError, ObjectivesError, PatientsError, PersonaError
from visavis.mind.flagship import load_flagship_mind

__all__ = [
    "CommitResult",
    "Mind",
    "MindConfigError",
    "ObjectivesError",
    "ObjectivesMind",
    "PatientsError",
    "PersonaError",
    "ReplyPlan",
    "load_flagship_mind",
]
