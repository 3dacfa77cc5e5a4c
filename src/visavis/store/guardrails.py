"""Guardrails: rules a persona keeps to in a call, stored per tenant as the API has them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from .core import StoreCore, check_fields, owned
from .models import Guardrail

#: Fields a PATCH may change; the id, tenant and creation time never change.
GUARDRAIL_FIELDS = frozenset(
    {"guardrail_name", "guardrail_prompt", "modality", "callback_url", "tags", "app_message"}
)
#: The optional fields of a new guardrail (its name and prompt are positional).
_CREATE_FIELDS = GUARDRAIL_FIELDS - {"guardrail_name", "guardrail_prompt"}


class GuardrailMixin(StoreCore):
    def create_guardrail(
        self, tenant_id: str, guardrail_name: str, guardrail_prompt: str, /, **fields: Any
    ) -> Guardrail:
        """A new guardrail; ``fields`` are ``modality`` ("verbal", the default, or "visual"),
        ``callback_url``, ``tags`` and ``app_message`` (default True)."""
        check_fields(fields, _CREATE_FIELDS)
        row = Guardrail(
            guardrail_id=Guardrail.new_id(),
            tenant_id=tenant_id,
            guardrail_name=guardrail_name,
            guardrail_prompt=guardrail_prompt,
            created_at=self.clock(),
            **{"modality": "verbal", "tags": [], "app_message": True, **fields},
        )
        with self._tx() as s:
            s.add(row)
        return row

    def get_guardrail(self, tenant_id: str, guardrail_id: str) -> Guardrail:
        with self._tx() as s:
            return owned(s, Guardrail, tenant_id, guardrail_id)

    def list_guardrails(
        self, tenant_id: str, *, limit: int = 100, offset: int = 0
    ) -> list[Guardrail]:
        """Newest first."""
        query = (
            select(Guardrail)
            .where(Guardrail.tenant_id == tenant_id)
            .order_by(Guardrail.created_at.desc(), Guardrail.guardrail_id)
            .limit(limit)
            .offset(offset)
        )
        with self._tx() as s:
            return list(s.scalars(query))

    def update_guardrail(self, tenant_id: str, guardrail_id: str, /, **changes: Any) -> Guardrail:
        """Replace the given fields, any of ``GUARDRAIL_FIELDS``."""
        check_fields(changes, GUARDRAIL_FIELDS)
        with self._tx() as s:
            row = owned(s, Guardrail, tenant_id, guardrail_id)
            for name, value in changes.items():
                setattr(row, name, value)
            row.updated_at = self.clock()
            return row

    def delete_guardrail(self, tenant_id: str, guardrail_id: str) -> None:
        with self._tx() as s:
            s.delete(owned(s, Guardrail, tenant_id, guardrail_id))
