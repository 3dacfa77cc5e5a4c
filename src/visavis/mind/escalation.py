"""Red flags and worsening symptoms: the turn that hands the patient to a nurse.

Checked on every user turn before anything else: whatever question is pending, chest pain is
escalated at once, and the call closes after the nurse's call-back is promised.
"""

from __future__ import annotations

from visavis.mind.objectives import ObjectiveSet
from visavis.mind.persona import Phrasing
from visavis.mind.turn import Turn
from visavis.mind.understanding.symptoms import analyse, labels
from visavis.mind.understanding.text import spoken_list


def escalate_if_needed(turn: Turn, text: str, objectives: ObjectiveSet, phrasing: Phrasing) -> bool:
    s = turn.state
    if s.escalated:
        return False
    report = analyse(text)
    pending_kind = (
        objectives.get(s.active).variables[s.pending_var].understand
        if s.active and s.pending_var
        else None
    )
    worsening = report.worsening and (bool(report.symptoms) or pending_kind == "symptoms")
    if not report.red_flags and not worsening:
        return False
    severity = "urgent" if report.red_flags else "routine"
    named = labels(report.red_flags or report.symptoms)
    s.escalated = True
    s.escalation_reason = (
        f"red flag: {', '.join(named)}"
        if report.red_flags
        else f"worsening symptoms: {', '.join(named) or text.strip()}"
    )
    if pending_kind == "symptoms" and s.active and s.pending_var:
        s.values[s.active][s.pending_var] = report.symptoms
    turn.act(
        "escalate",
        reason=s.escalation_reason,
        severity=severity,
        evidence=report.evidence or text.strip(),
    )
    turn.say(phrasing.escalating, symptoms=spoken_list(named))
    turn.say(phrasing.closing_escalated)
    s.done, s.pending_var, s.question = True, None, []
    turn.act("call_completed")
    return True
