"""``/v1/objectives`` and ``/v1/guardrails``: stored per tenant, attached to personas by id."""

from __future__ import annotations

from typing import Any

from visavis.server.routes.crud import resource_router
from visavis.server.schemas.resources import (
    GuardrailBody,
    GuardrailView,
    ObjectivesBody,
    ObjectivesView,
)
from visavis.store import Store


def _create_objectives(store: Store, tenant_id: str, body: Any) -> Any:
    data = [o.model_dump(mode="json") for o in body.data]
    return store.create_objectives(tenant_id, data, objectives_name=body.objectives_name)


def _create_guardrail(store: Store, tenant_id: str, body: Any) -> Any:
    fields = body.model_dump(mode="json", exclude={"guardrail_name", "guardrail_prompt"})
    return store.create_guardrail(tenant_id, body.guardrail_name, body.guardrail_prompt, **fields)


objectives_router = resource_router(
    noun="objectives",
    path="/v1/objectives",
    id_field="objectives_id",
    body=ObjectivesBody,
    view=ObjectivesView,
    create=_create_objectives,
    methods="objectives",
    plural="objectives",
)

guardrails_router = resource_router(
    noun="guardrail",
    path="/v1/guardrails",
    id_field="guardrail_id",
    body=GuardrailBody,
    view=GuardrailView,
    create=_create_guardrail,
    methods="guardrail",
    plural="guardrails",
)
