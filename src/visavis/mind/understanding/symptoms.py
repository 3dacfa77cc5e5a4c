"""Symptoms, red flags, worsening and negation, from the lexicon in ``symptoms.yaml``.

The lexicon is data so a clinician can review and extend it without reading Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from visavis.mind.understanding.text import clauses

#: How many words before a symptom a negation cue still applies ("no chest pain or
#: shortness of breath" negates both).
NEGATION_WINDOW = 6


@dataclass(frozen=True)
class SymptomTerm:
    key: str
    label: str
    red_flag: bool
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Lexicon:
    terms: tuple[SymptomTerm, ...]
    worsening: tuple[re.Pattern[str], ...]
    negation: re.Pattern[str]


@dataclass
class SymptomReport:
    """What one utterance says about symptoms."""

    #: Symptom keys the person reports having (negated mentions excluded).
    symptoms: list[str] = field(default_factory=list)
    #: The red-flag subset of ``symptoms``.
    red_flags: list[str] = field(default_factory=list)
    #: Symptom keys the person explicitly denies ("no chest pain").
    denied: list[str] = field(default_factory=list)
    #: The person says something is getting worse.
    worsening: bool = False
    #: The clause that carried the red flag or the worsening, for the escalation record.
    evidence: str = ""


def _compile(phrases: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(rf"(?<!\w)(?:{p})(?!\w)") for p in phrases)


def load_lexicon(path: Path | None = None) -> Lexicon:
    """Load a lexicon file (the packaged one by default)."""
    if path is None:
        text = resources.files(__package__).joinpath("symptoms.yaml").read_text("utf-8")
    else:
        text = path.read_text("utf-8")
    data = yaml.safe_load(text)
    terms = []
    for group, red in (("red_flags", True), ("symptoms", False)):
        for key, spec in data[group].items():
            terms.append(SymptomTerm(key, spec["label"], red, _compile(spec["phrases"])))
    negation = re.compile(rf"(?<!\w)(?:{'|'.join(data['negation_cues'])})(?!\w)")
    return Lexicon(tuple(terms), _compile(data["worsening"]), negation)


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return load_lexicon()


def labels(keys: list[str], lexicon: Lexicon | None = None) -> list[str]:
    """Spoken labels of symptom keys ("chest_pain" -> "chest pain")."""
    by_key = {t.key: t.label for t in (lexicon or default_lexicon()).terms}
    return [by_key.get(k, k.replace("_", " ")) for k in keys]


def _negated(clause: str, start: int, lexicon: Lexicon) -> bool:
    before = clause[:start].split()[-NEGATION_WINDOW:]
    return lexicon.negation.search(" ".join(before)) is not None


def analyse(text: str, lexicon: Lexicon | None = None) -> SymptomReport:
    """Symptoms, red flags, denials and worsening in ``text``."""
    lex = lexicon or default_lexicon()
    report = SymptomReport()
    for clause in clauses(text):
        spans: list[tuple[int, int]] = []
        clause_symptoms: list[str] = []
        # Red flags come first in the lexicon, so their spans shadow milder overlapping terms
        # ("chest pain" is not also "pain", "sudden weakness" is not also "weak").
        for term in lex.terms:
            for rx in term.patterns:
                m = rx.search(clause)
                if not m or any(m.start() < e and s < m.end() for s, e in spans):
                    continue
                spans.append((m.start(), m.end()))
                if _negated(clause, m.start(), lex):
                    report.denied.append(term.key)
                else:
                    clause_symptoms.append(term.key)
                    if term.red_flag:
                        report.red_flags.append(term.key)
                        report.evidence = report.evidence or clause
                break
        for rx in lex.worsening:
            m = rx.search(clause)
            if m and not _negated(clause, m.start(), lex):
                report.worsening = True
                report.evidence = report.evidence or clause
                break
        report.symptoms.extend(k for k in clause_symptoms if k not in report.symptoms)
    report.red_flags = list(dict.fromkeys(report.red_flags))
    report.denied = [k for k in dict.fromkeys(report.denied) if k not in report.symptoms]
    return report
