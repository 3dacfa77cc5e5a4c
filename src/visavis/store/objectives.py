"""Objectives: the goals a persona pursues in a call, stored per tenant as the API has them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from .core import StoreCore, check_fields, owned
from .models import Objectives

#: Fields a PATCH may change; the id, tenant and creation time never change.
OBJECTIVES_FIELDS = frozenset({"data", "objectives_name"})


class ObjectivesMixin(StoreCore):
    def create_objectives(
        self,
        tenant_id: str,
        data: Sequence[Mapping[str, Any]],
        /,
        objectives_name: str | None = None,
    ) -> Objectives:
        """A new set of objectives; ``data`` is the public list of objective dicts."""
        row = Objectives(
            objectives_id=Objectives.new_id(),
            tenant_id=tenant_id,
            objectives_name=objectives_name,
            data=list(data),
            created_at=self.clock(),
        )
        with self._tx() as s:
            s.add(row)
        return row

    def get_objectives(self, tenant_id: str, objectives_id: str) -> Objectives:
        with self._tx() as s:
            return owned(s, Objectives, tenant_id, objectives_id)

    def list_objectives(
        self, tenant_id: str, *, limit: int = 100, offset: int = 0
    ) -> list[Objectives]:
        """Newest first."""
        query = (
            select(Objectives)
            .where(Objectives.tenant_id == tenant_id)
            .order_by(Objectives.created_at.desc(), Objectives.objectives_id)
            .limit(limit)
            .offset(offset)
        )
        with self._tx() as s:
            return list(s.scalars(query))

    def update_objectives(
        self, tenant_id: str, objectives_id: str, /, **changes: Any
    ) -> Objectives:
        """Replace the given fields, any of ``OBJECTIVES_FIELDS``."""
        check_fields(changes, OBJECTIVES_FIELDS)
        if "data" in changes:
            changes["data"] = list(changes["data"])
        with self._tx() as s:
            row = owned(s, Objectives, tenant_id, objectives_id)
            for name, value in changes.items():
                setattr(row, name, value)
            row.updated_at = self.clock()
            return row

    def delete_objectives(self, tenant_id: str, objectives_id: str) -> None:
        with self._tx() as s:
            s.delete(owned(s, Objectives, tenant_id, objectives_id))
