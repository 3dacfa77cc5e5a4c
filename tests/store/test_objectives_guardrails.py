"""Objectives and guardrails: create, read, list, change, delete, each within its tenant."""

from __future__ import annotations

import re

import pytest

from visavis.store import NotFoundError, Store

from .conftest import FakeClock

A, B = "tenant-a", "tenant-b"

OBJECTIVES = [
    {
        "objective_name": "confirm_identity",
        "objective_prompt": "Confirm the patient's name and date of birth.",
        "confirmation_mode": "auto",
        "output_variables": ["patient_name", "date_of_birth"],
        "modality": "verbal",
        "next_required_objectives": ["ask_symptoms"],
    },
    {
        "objective_name": "ask_symptoms",
        "objective_prompt": "Ask about pain, fever and medication.",
        "confirmation_mode": "manual",
        "output_variables": [],
        "modality": "verbal",
        "next_conditional_objectives": {"book_follow_up": "if any symptom is worrying"},
        "callback_url": "https://example.org/objectives",
    },
]


def test_objectives_crud(store: Store, clock: FakeClock) -> None:
    objectives = store.create_objectives(A, OBJECTIVES, objectives_name="Discharge call")
    assert re.fullmatch(r"o[0-9a-f]{12}", objectives.objectives_id)
    got = store.get_objectives(A, objectives.objectives_id)
    assert (got.data, got.objectives_name) == (OBJECTIVES, "Discharge call")
    assert (got.created_at, got.updated_at) == (clock.now, None)

    clock.advance(5)
    store.update_objectives(A, objectives.objectives_id, data=OBJECTIVES[:1])
    got = store.get_objectives(A, objectives.objectives_id)
    assert (got.data, got.objectives_name, got.updated_at) == (
        OBJECTIVES[:1],
        "Discharge call",
        clock.now,
    )
    store.update_objectives(A, objectives.objectives_id, objectives_name=None)
    assert store.get_objectives(A, objectives.objectives_id).objectives_name is None

    clock.advance(5)
    unnamed = store.create_objectives(A, [])
    assert (unnamed.objectives_name, store.get_objectives(A, unnamed.objectives_id).data) == (
        None,
        [],
    )
    ids = [o.objectives_id for o in store.list_objectives(A)]
    assert ids == [unnamed.objectives_id, objectives.objectives_id]  # newest first
    assert [o.objectives_id for o in store.list_objectives(A, limit=1, offset=1)] == ids[1:]

    store.delete_objectives(A, objectives.objectives_id)
    with pytest.raises(NotFoundError, match="objective"):
        store.get_objectives(A, objectives.objectives_id)
    with pytest.raises(NotFoundError):
        store.delete_objectives(A, objectives.objectives_id)
    assert [o.objectives_id for o in store.list_objectives(A)] == [unnamed.objectives_id]


def test_guardrail_crud(store: Store, clock: FakeClock) -> None:
    plain = store.create_guardrail(A, "no_diagnosis", "Never diagnose; refer to the doctor.")
    assert re.fullmatch(r"g[0-9a-f]{12}", plain.guardrail_id)
    got = store.get_guardrail(A, plain.guardrail_id)
    assert (got.modality, got.callback_url, got.tags, got.app_message) == (
        "verbal",
        None,
        [],
        True,
    )
    assert (got.guardrail_prompt, got.created_at, got.updated_at) == (
        "Never diagnose; refer to the doctor.",
        clock.now,
        None,
    )

    clock.advance(5)
    full = store.create_guardrail(
        A,
        "no_one_else",
        "Stop if someone other than the patient is on camera.",
        modality="visual",
        callback_url="https://example.org/guardrails",
        tags=["privacy", "hipaa"],
        app_message=False,
    )
    got = store.get_guardrail(A, full.guardrail_id)
    assert (got.modality, got.callback_url, got.tags, got.app_message) == (
        "visual",
        "https://example.org/guardrails",
        ["privacy", "hipaa"],
        False,
    )
    assert [g.guardrail_id for g in store.list_guardrails(A)] == [
        full.guardrail_id,
        plain.guardrail_id,
    ]
    assert [g.guardrail_id for g in store.list_guardrails(A, limit=1)] == [full.guardrail_id]

    clock.advance(5)
    store.update_guardrail(
        A, plain.guardrail_id, guardrail_name="no_diagnoses", tags=["medical"], app_message=False
    )
    got = store.get_guardrail(A, plain.guardrail_id)
    assert (got.guardrail_name, got.tags, got.app_message, got.updated_at) == (
        "no_diagnoses",
        ["medical"],
        False,
        clock.now,
    )
    assert got.guardrail_prompt == "Never diagnose; refer to the doctor."

    store.delete_guardrail(A, plain.guardrail_id)
    with pytest.raises(NotFoundError, match="guardrail"):
        store.get_guardrail(A, plain.guardrail_id)
    assert [g.guardrail_id for g in store.list_guardrails(A)] == [full.guardrail_id]


def test_unknown_fields_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="modalty"):
        store.create_guardrail(A, "x", "y", modalty="visual")
    with pytest.raises(ValueError, match="guardrail_name"):  # given positionally already
        store.create_guardrail(A, "x", "y", guardrail_name="z")
    guardrail = store.create_guardrail(A, "x", "y")
    with pytest.raises(ValueError, match="tenant_id"):
        store.update_guardrail(A, guardrail.guardrail_id, tenant_id=B)
    objectives = store.create_objectives(A, OBJECTIVES)
    with pytest.raises(ValueError, match="objectives"):
        store.update_objectives(A, objectives.objectives_id, objectives=[])
    with pytest.raises(ValueError, match="tenant_id"):
        store.update_objectives(A, objectives.objectives_id, tenant_id=B)
    assert store.get_objectives(A, objectives.objectives_id).data == OBJECTIVES


def test_tenant_b_cannot_reach_tenant_a(store: Store) -> None:
    oid = store.create_objectives(A, OBJECTIVES, objectives_name="private").objectives_id
    gid = store.create_guardrail(A, "private", "prompt", tags=["a"]).guardrail_id

    for attempt in (
        lambda: store.get_objectives(B, oid),
        lambda: store.update_objectives(B, oid, objectives_name="stolen"),
        lambda: store.delete_objectives(B, oid),
        lambda: store.get_guardrail(B, gid),
        lambda: store.update_guardrail(B, gid, guardrail_prompt="stolen"),
        lambda: store.delete_guardrail(B, gid),
        lambda: store.get_objectives(A, gid),  # a guardrail id is no objectives id
        lambda: store.get_guardrail(A, "gffffffffffff"),
    ):
        with pytest.raises(NotFoundError):
            attempt()
    assert store.list_objectives(B) == []
    assert store.list_guardrails(B) == []

    # ...and nothing was changed by the attempts.
    objectives = store.get_objectives(A, oid)
    assert (objectives.objectives_name, objectives.data, objectives.updated_at) == (
        "private",
        OBJECTIVES,
        None,
    )
    guardrail = store.get_guardrail(A, gid)
    assert (guardrail.guardrail_prompt, guardrail.updated_at) == ("prompt", None)
