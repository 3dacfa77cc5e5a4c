"""JSON-Patch (RFC 6902: add, replace, remove) on a resource's JSON, as the public API's PATCH
endpoints take it; the patched document is validated again by the resource's body model."""

from __future__ import annotations

import copy
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from visavis.server.errors import ApiError
from visavis.server.schemas.resources import PatchOp

M = TypeVar("M", bound=BaseModel)


def _bad(op: PatchOp, why: str) -> ApiError:
    return ApiError(422, "invalid_patch", f"cannot {op.op} {op.path!r}: {why}")


def _tokens(path: str) -> list[str]:
    # RFC 6901 escapes: "~1" is "/", "~0" is "~" (in that order).
    return [t.replace("~1", "/").replace("~0", "~") for t in path.split("/")[1:]]


def apply_patch(document: dict[str, Any], ops: list[PatchOp], fixed: set[str]) -> dict[str, Any]:
    """``document`` with ``ops`` applied; ``fixed`` top-level keys (ids, times) may not change."""
    doc = copy.deepcopy(document)
    for op in ops:
        tokens = _tokens(op.path)
        if not tokens or tokens[0] in fixed:
            raise _bad(op, f"it cannot be changed (fixed fields: {sorted(fixed)})")
        parent: Any = doc
        for token in tokens[:-1]:
            try:
                parent = parent[int(token)] if isinstance(parent, list) else parent[token]
            except (KeyError, IndexError, ValueError, TypeError):
                raise _bad(op, f"{token!r} does not exist") from None
            if parent is None:
                raise _bad(op, f"{token!r} is empty; add the whole object instead")
        last = tokens[-1]
        if isinstance(parent, list):
            if last == "-" and op.op == "add":
                parent.append(op.value)
                continue
            try:
                index = int(last)
                if op.op == "add":
                    parent.insert(index, op.value)
                elif op.op == "replace":
                    parent[index] = op.value
                else:
                    del parent[index]
            except (ValueError, IndexError):
                raise _bad(op, f"no list index {last!r}") from None
        elif isinstance(parent, dict):
            if op.op != "add" and last not in parent:
                raise _bad(op, f"{last!r} does not exist")
            if op.op == "remove":
                del parent[last]
            else:
                parent[last] = op.value
        else:
            raise _bad(op, "its parent is not an object or a list")
    return doc


def validated(model: type[M], document: dict[str, Any]) -> M:
    """The patched document as ``model``; a 422 naming the fields when it no longer fits."""
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise ApiError(
            422, "invalid_patch", f"the patched resource is invalid: {problems}"
        ) from None
