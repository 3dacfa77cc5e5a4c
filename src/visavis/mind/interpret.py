"""Reading one user utterance as the answer to the variable being asked.

Each understanding kind returns a ``Reading``: the value (or None when unclear), whether the
answer is unmistakable even if the question was not heard (a name, a date, a named slot, not
a bare "yes"), other variables the same words settle, and a clarification to ask instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from rapidfuzz import fuzz

from visavis.mind.patients import Patient
from visavis.mind.understanding.dates import SpokenDate, parse_date_parts, parse_year
from visavis.mind.understanding.medications import find_medications
from visavis.mind.understanding.numbers import explicit_dose_count, parse_count, spoken_digits
from visavis.mind.understanding.slots import choose_slot
from visavis.mind.understanding.symptoms import analyse
from visavis.mind.understanding.text import normalize
from visavis.mind.understanding.yesno import Answer, parse_yes_no

#: Fewer meaningful words than this and no recognised answer: a fragment ("I, um").
_FINE = re.compile(
    r"\b(fine|good|great|well|okay|ok|alright|all right|better|not bad|no "
    r"(problems|issues|symptoms|complaints)|nothing)\b"
)
_SOMEONE_ELSE = re.compile(
    r"\b(daughter|son|wife|husband|mother|father|caregiver|friend|nurse"
    r"|neighbou?r|sister|brother|wrong number|not (here|home|available)"
    r"|no one by that name|nobody by that name)\b"
)
_ALL = re.compile(r"\b(all of them|all|every one|everything|both)\b")


@dataclass
class Reading:
    value: Any = None
    #: The words answer this question on their own, even if it was never heard.
    confident: bool = False
    #: Other variables of the same objective that these words also answer.
    extras: dict[str, Any] = field(default_factory=dict)
    #: A clarification key (persona ``clarifications``) and hint to ask with, when unclear.
    clarify: str | None = None
    hint: dict[str, Any] = field(default_factory=dict)
    #: For slot choices: the person turned the offered times down.
    rejected: bool = False
    #: An unclear answer counts as one of the caller's attempts; False for words that were
    #: misheard rather than wrong (a year no one is born in is no guess at the record).
    counts: bool = True

    @property
    def clear(self) -> bool:
        return self.value is not None


@dataclass
class Situation:
    """What the understanding may look at besides the words."""

    patient: Patient
    today: date
    hint: dict[str, Any] = field(default_factory=dict)


def _name_said(text: str, patient: Patient) -> bool:
    ws = normalize(text).split()
    for name in (patient.first_name, patient.last_name):
        target = name.lower()
        if any(w == target or len(target) >= 4 and fuzz.ratio(w, target) >= 80 for w in ws):
            return True
    return False


def identity_name(text: str, s: Situation) -> Reading:
    n = normalize(text)
    if _SOMEONE_ELSE.search(n):
        return Reading(False, confident=True)
    answer = parse_yes_no(n)
    if _name_said(text, s.patient) and answer is not Answer.NO:
        return Reading(True, confident=True)
    if answer is Answer.YES:
        return Reading(True)
    if answer is Answer.NO:
        return Reading(False, confident=True)
    return Reading()


#: The oldest a caller may be: a year of birth further back was misheard ("1352", "1852").
MAX_AGE = 120


def _plausible_birth_year(year: int | None, today: date) -> bool:
    return year is not None and today.year - MAX_AGE <= year <= today.year


def date_of_birth(text: str, s: Situation) -> Reading:
    heard_day = s.hint.get("month_day")
    # The answer to "what year were you born?" is read as a year first, with the day heard
    # before: "9 18 52" is "nineteen fifty two" misheard, not September 18th.
    year = parse_year(text, s.today) if heard_day else None
    if heard_day and year is not None:
        spoken: SpokenDate | None = SpokenDate(heard_day[0], heard_day[1], year)
    else:
        spoken = parse_date_parts(text, s.today)
    if spoken is None:
        return Reading()
    if not _plausible_birth_year(spoken.year, s.today):
        # The month and day were heard and the year was not (missing, no year anyone could be
        # born in, digits no year is said as): ask for the year alone, whether or not the day
        # matches, so the question reveals nothing about the record.
        return Reading(
            None,
            confident=True,
            clarify="date_of_birth_year",
            hint={"month_day": [spoken.month, spoken.day]},
            counts=False,
        )
    if spoken.as_date() == s.patient.date_of_birth:
        return Reading(True, confident=True)
    # A date that does not match is asked again (ASR may have misheard), never revealed.
    return Reading(None, confident=True, clarify="date_of_birth_mismatch")


#: How many of a phone number's last digits the caller is asked for.
PHONE_DIGITS = 4


def phone_digits(text: str, s: Situation) -> Reading:
    """The last digits of the phone number on record: a second way to confirm identity when
    the date of birth could not be (a recogniser that never hears one caller's year)."""
    expected = spoken_digits(s.patient.phone)[-PHONE_DIGITS:]
    heard = spoken_digits(text)
    if not heard:
        return Reading()
    if len(heard) < PHONE_DIGITS:
        # Some digits were lost, not said wrong: ask again without counting a guess.
        return Reading(None, confident=True, clarify="phone_digits_again", counts=False)
    if len(expected) == PHONE_DIGITS and heard.endswith(expected):
        return Reading(True, confident=True)
    return Reading(None, confident=True, clarify="phone_digits_mismatch")


def adherence(text: str, s: Situation) -> Reading:
    names = s.patient.medication_names()
    mentioned = find_medications(text, names)
    answer = parse_yes_no(text)
    missing_hint: list[str] = s.hint.get("missing", [])
    if answer is Answer.NO:
        extras: dict[str, Any] = {}
        missed = mentioned or missing_hint
        if missed:
            extras["missed_medications"] = missed
        doses = explicit_dose_count(text)
        if doses is not None:
            extras["missed_doses"] = doses
        return Reading(False, confident=bool(mentioned), extras=extras)
    if answer is Answer.YES and not mentioned:
        return Reading(True)
    if mentioned:
        missing = [m for m in names if m not in mentioned]
        if not missing:
            return Reading(True, confident=True)
        return Reading(clarify="adherence_partial", hint={"missing": missing})
    return Reading()


def medications(text: str, s: Situation) -> Reading:
    names = s.patient.medication_names()
    mentioned = find_medications(text, names)
    if mentioned:
        return Reading(mentioned, confident=True)
    if _ALL.search(normalize(text)):
        return Reading(list(names))
    purposes = s.patient.purposes()
    if len(purposes) >= 2:
        # A name not caught (or not known: many people know their pills by what they are
        # for): offer the purposes, which a small recogniser hears far better than
        # "lisinopril" ("The blood pressure one.").
        return Reading(clarify="which_medication_purpose", hint={"purposes": purposes})
    return Reading()


def count(text: str, s: Situation) -> Reading:
    c = parse_count(text)
    return Reading(c.value) if c else Reading()


def symptoms(text: str, s: Situation) -> Reading:
    report = analyse(text)
    if report.symptoms:
        return Reading(report.symptoms, confident=True)
    n = normalize(text)
    if report.denied or _FINE.search(n) or parse_yes_no(n) is Answer.NO:
        return Reading([], confident=bool(report.denied))
    if parse_yes_no(n) is Answer.YES:
        return Reading(clarify="which_symptoms")
    return Reading()


def slot_choice(text: str, s: Situation) -> Reading:
    offered: list[dict[str, Any]] = s.hint.get("offered", [])
    free: list[dict[str, Any]] = s.hint.get("free", [])
    choice = choose_slot(
        text,
        [datetime.fromisoformat(o["start"]) for o in offered],
        [datetime.fromisoformat(f["start"]) for f in free],
    )
    if choice.kind == "chosen" and choice.index is not None:
        slot = (offered + free)[choice.index]
        return Reading(slot, confident=True)
    if choice.kind == "reject":
        return Reading(rejected=True, confident=True)
    if choice.kind == "ambiguous":
        return Reading(clarify="which_slot")
    if parse_yes_no(text) is Answer.YES:
        return Reading(clarify="which_slot")
    return Reading()


def open_question(text: str, s: Situation) -> Reading:
    answer = parse_yes_no(text)
    n = normalize(text)
    if answer is Answer.NO or re.search(r"\b(that'?s (all|it)|nothing|no questions)\b", n):
        return Reading(False, confident=True)
    if len(n.split()) >= 4:
        # Anything longer than a yes is the question itself; it goes to the care team.
        return Reading(text.strip(), confident=True)
    if answer is Answer.YES:
        return Reading(clarify="what_question")
    return Reading()


def yes_no(text: str, s: Situation) -> Reading:
    answer = parse_yes_no(text)
    if answer is Answer.YES:
        return Reading(True)
    if answer is Answer.NO:
        return Reading(False)
    return Reading()


READERS = {
    "yes_no": yes_no,
    "identity_name": identity_name,
    "date_of_birth": date_of_birth,
    "phone_digits": phone_digits,
    "adherence": adherence,
    "medications": medications,
    "count": count,
    "symptoms": symptoms,
    "slot_choice": slot_choice,
    "open_question": open_question,
}


#: Understanding kinds whose yes or no a "but ..." may qualify.
_CAVEAT_KINDS = frozenset({"adherence", "yes_no"})
_BUT = re.compile(r"\bbut\b(.*)$")


def unexplained_caveat(text: str, kind: str, extras: dict[str, Any]) -> bool:
    """A yes or no followed by "but" and three or more words that say nothing the engine
    understands (no symptom, no denial, no worsening, no other variable): "Yes, but I've
    entered in the kitchen this morning" was "Yes, but I fainted in the kitchen" misheard."""
    if kind not in _CAVEAT_KINDS or extras:
        return False
    found = _BUT.search(normalize(text))
    if found is None or len(found.group(1).split()) < 3:
        return False
    report = analyse(found.group(1))
    return not (report.symptoms or report.denied or report.worsening)


def read(kind: str, text: str, situation: Situation) -> Reading:
    return READERS[kind](text, situation)
