"""Tools: functions a persona's LLM may call, stored per tenant with how a call is delivered."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .core import ConflictError, StoreCore, check_fields, owned
from .models import Tool

#: Fields a PATCH may change; the id, tenant and creation time never change.
TOOL_FIELDS = frozenset(
    {"name", "description", "parameters", "delivery", "on_call", "static_filler", "tags"}
)
_CREATE_FIELDS = TOOL_FIELDS - {"name", "description"}
_DEFAULTS: dict[str, Any] = {
    "parameters": {"type": "object", "properties": {}},
    "delivery": {"type": "application"},
    "on_call": "generate_filler",
    "static_filler": None,
    "tags": [],
}


class ToolMixin(StoreCore):
    def create_tool(self, tenant_id: str, name: str, description: str, /, **fields: Any) -> Tool:
        """A new tool; ``fields`` are ``parameters`` (a JSON Schema object), ``delivery``,
        ``on_call``, ``static_filler`` and ``tags``. The name is unique within the tenant
        (``ConflictError`` otherwise)."""
        check_fields(fields, _CREATE_FIELDS)
        values = copy.deepcopy({**_DEFAULTS, **fields})
        row = Tool(
            tool_id=Tool.new_id(),
            tenant_id=tenant_id,
            name=name,
            description=description,
            created_at=self.clock(),
            **values,
        )
        self._write_unique(tenant_id, name, None, lambda s: s.add(row))
        return row

    def get_tool(self, tenant_id: str, tool_id: str) -> Tool:
        with self._tx() as s:
            return owned(s, Tool, tenant_id, tool_id)

    def list_tools(self, tenant_id: str, *, limit: int = 100, offset: int = 0) -> list[Tool]:
        """Newest first."""
        query = (
            select(Tool)
            .where(Tool.tenant_id == tenant_id)
            .order_by(Tool.created_at.desc(), Tool.tool_id)
            .limit(limit)
            .offset(offset)
        )
        with self._tx() as s:
            return list(s.scalars(query))

    def update_tool(self, tenant_id: str, tool_id: str, /, **changes: Any) -> Tool:
        """Replace the given fields, any of ``TOOL_FIELDS``."""
        check_fields(changes, TOOL_FIELDS)
        changes = copy.deepcopy(changes)
        updated: list[Tool] = []

        def change(s: Session) -> None:
            row = owned(s, Tool, tenant_id, tool_id)
            for name, value in changes.items():
                setattr(row, name, value)
            row.updated_at = self.clock()
            updated.append(row)

        self._write_unique(tenant_id, changes.get("name"), tool_id, change)
        return updated[0]

    def delete_tool(self, tenant_id: str, tool_id: str) -> None:
        with self._tx() as s:
            s.delete(owned(s, Tool, tenant_id, tool_id))

    def tools_for_call(self, tenant_id: str, tool_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The full definitions (server delivery headers included) of the tenant's tools among
        ``tool_ids``, in that order; unknown ids are skipped."""
        wanted = list(dict.fromkeys(tool_ids))
        if not wanted:
            return []
        query = select(Tool).where(Tool.tenant_id == tenant_id, Tool.tool_id.in_(wanted))
        with self._tx() as s:
            rows = {r.tool_id: r for r in s.scalars(query)}
        return [tool_definition(rows[i]) for i in wanted if i in rows]

    def _write_unique(
        self, tenant_id: str, name: str | None, tool_id: str | None, write: Any
    ) -> None:
        try:
            with self._tx() as s:
                if name is not None:
                    clash = s.scalar(
                        select(Tool.tool_id).where(Tool.tenant_id == tenant_id, Tool.name == name)
                    )
                    if clash is not None and clash != tool_id:
                        raise _taken(name, clash)
                write(s)
        except IntegrityError:
            # A concurrent request took the name between the check and the write.
            with self._tx() as s:
                clash = s.scalar(
                    select(Tool.tool_id).where(Tool.tenant_id == tenant_id, Tool.name == name)
                )
            if clash is None:
                raise
            raise _taken(str(name), clash) from None


def tool_definition(row: Tool) -> dict[str, Any]:
    """A tool as the call setup executes it."""
    return copy.deepcopy(
        {
            "tool_id": row.tool_id,
            "name": row.name,
            "description": row.description,
            "parameters": row.parameters,
            "delivery": row.delivery,
            "on_call": row.on_call,
            "static_filler": row.static_filler,
            "tags": list(row.tags or []),
        }
    )


def _taken(name: str, tool_id: str) -> ConflictError:
    return ConflictError(f"a tool named {name!r} already exists: {tool_id!r}", tool_id)
