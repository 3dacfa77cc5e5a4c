"""PII redaction for logs."""

from __future__ import annotations

import pytest

from visavis.mind.guardrails.redaction import luhn_ok, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call me on +1-555-0101 or (555) 123-4567.", "Call me on [PHONE] or [PHONE]."),
        ("My number is 555.867.5309", "My number is [PHONE]"),
        ("Write to maria.lopez+care@example.org please", "Write to [EMAIL] please"),
        ("Card 4111 1111 1111 1111 on file", "Card [CARD] on file"),
        ("Card 4111-1111-1111-1112 on file", "Card 4111-1111-1111-1112 on file"),
        ("SSN 123-45-6789", "SSN [SSN]"),
        ("Date of birth: 03/14/1952", "Date of birth: [DOB]"),
        ("DOB 1952-03-14", "DOB [DOB]"),
        ("I was born on March 14, 1952.", "I was born on [DOB]."),
        ("my birthday is 14th of March 1952", "my birthday is [DOB]"),
        ("I live at 42 Elm Street, Apt 3.", "I live at [ADDRESS]."),
        ("Send it to 1600 Pennsylvania Avenue", "Send it to [ADDRESS]"),
    ],
)
def test_redacts(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I was discharged on 2025-03-15 and my appointment is 03/20/2025.",
        "I take 40 mg once a day and weigh 172 pounds.",
        "Order 1234567890123 arrived.",  # 13 digits failing Luhn: not a card
        "Tuesday at 10:30 works.",
    ],
)
def test_leaves_ordinary_text(text: str) -> None:
    assert redact(text) == text


def test_luhn() -> None:
    assert luhn_ok("4111111111111111") and luhn_ok("79927398713")
    assert not luhn_ok("4111111111111112")
