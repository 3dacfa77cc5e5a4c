"""PII redaction for logs and transcripts kept outside the encrypted store.

Order matters: card numbers and SSNs are taken before phone numbers (a 16-digit card would
otherwise read as phone numbers), and a labelled date of birth before anything else digit-like.
Card numbers must pass the Luhn check, so an order number or a long reading is left alone.
"""

from __future__ import annotations

import re

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = (
    r"(?:\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{2,4}})"
)
# Only a date with a label is a date of birth; discharge and appointment dates stay readable.
_DOB = re.compile(
    rf"(\b(?:date of birth|birth ?date|d\.?o\.?b\.?|born(?: on)?|birthday(?: is)?)\b"
    rf"(?:\s+is)?[\s:,-]*)({_DATE})",
    re.I,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_SSN = re.compile(r"(?<!\d)\d{3}[- ]\d{2}[- ]\d{4}(?!\d)")
_PHONE = re.compile(
    # Not a piece of a longer digit run (a grouped number that failed the card check).
    r"(?<![\w+])(?<!\d[-. ])(?:\+?\d{1,3}[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])?\d{3}[\s.-]\d{4}"
    r"(?![-.]?\d)"
)
_STREET = (
    r"street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|court|ct|way|place|pl|"
    r"terrace|close|crescent|highway|hwy|parkway|pkwy"
)
_ADDRESS = re.compile(
    rf"\b\d{{1,5}}[a-z]?\s+(?:[A-Za-z][\w'-]*\s+){{1,4}}(?:{_STREET})\b\.?"
    r"(?:,?\s+(?:apt|apartment|unit|suite|#)\.?\s*\w+)?",
    re.I,
)


def luhn_ok(digits: str) -> bool:
    """The checksum every payment card number satisfies."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card(m: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", m.group(0))
    return "[CARD]" if 13 <= len(digits) <= 19 and luhn_ok(digits) else m.group(0)


def redact(text: str) -> str:
    """``text`` with phone numbers, emails, card numbers, SSNs, labelled dates of birth and
    street addresses replaced by ``[PHONE]``, ``[EMAIL]``, ``[CARD]``, ``[SSN]``, ``[DOB]``
    and ``[ADDRESS]``."""
    text = _DOB.sub(lambda m: m.group(1) + "[DOB]", text)
    text = _EMAIL.sub("[EMAIL]", text)
    text = _CARD.sub(_card, text)
    text = _SSN.sub("[SSN]", text)
    text = _PHONE.sub("[PHONE]", text)
    return _ADDRESS.sub("[ADDRESS]", text)
