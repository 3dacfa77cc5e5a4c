"""The outcome every mind reports: when the caller's identity counts as confirmed."""

from __future__ import annotations

from typing import Any

import pytest

from visavis.mind.base import identity_confirmed


@pytest.mark.parametrize(
    ("identity", "confirmed"),
    [
        ([("identity_name", True), ("date_of_birth", True), ("phone_digits", None)], True),
        # The phone number's digits stand in for a date that could not be confirmed.
        ([("identity_name", True), ("date_of_birth", False), ("phone_digits", True)], True),
        ([("identity_name", True), ("date_of_birth", False), ("phone_digits", False)], False),
        # A proof never counts without the name.
        ([("identity_name", False), ("date_of_birth", True)], False),
        ([("identity_name", None), ("date_of_birth", None), ("phone_digits", None)], False),
        # Variables of unknown kind (an LLM core's own objectives) must each be True.
        ([(None, True), (None, True)], True),
        ([(None, True), (None, "NOTFOUND")], False),
        ([], False),
    ],
)
def test_identity_needs_the_name_and_one_proof(
    identity: list[tuple[str | None, Any]], confirmed: bool
) -> None:
    assert identity_confirmed(identity) is confirmed
