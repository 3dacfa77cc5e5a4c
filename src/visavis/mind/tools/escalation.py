"""The escalation tool: a record the care team's nurse works from."""

from __future__ import annotations

from typing import Any

from visavis.mind.tools.base import ToolError, require
from visavis.mind.tools.scheduling import ClinicStore


class EscalateTool:
    name = "escalate_to_nurse"
    description = "Record an escalation so a nurse calls the patient back."
    parameters: dict[str, Any] = {
        "type": "object",
        "properties": {
            "patient_id": {"type": "string"},
            "reason": {"type": "string"},
            "severity": {"type": "string", "enum": ["urgent", "routine"]},
            "evidence": {"type": "string"},
        },
        "required": ["patient_id", "reason", "severity"],
    }

    def __init__(self, store: ClinicStore) -> None:
        self.store = store

    def run(self, arguments: dict[str, Any]) -> dict[str, Any]:
        severity = require(arguments, "severity", str)
        if severity not in ("urgent", "routine"):
            raise ToolError(f"severity must be 'urgent' or 'routine', got {severity!r}")
        escalation_id = self.store.record_escalation(
            require(arguments, "patient_id", str),
            require(arguments, "reason", str),
            severity,
            str(arguments.get("evidence", "")),
        )
        return {"escalation_id": escalation_id, "severity": severity}
