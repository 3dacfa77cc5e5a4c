"""API keys: created per tenant, shown once in plaintext, stored only as a salted hash."""

from __future__ import annotations

from sqlalchemy import select

from . import keys
from .core import NotFoundError, StoreCore
from .models import ApiKey


class ApiKeyMixin(StoreCore):
    def create_api_key(self, tenant_id: str, name: str) -> str:
        """A new key for ``tenant_id``; the returned plaintext cannot be recovered later."""
        key_id = ApiKey.new_id()
        secret, salt = keys.make_secret()
        row = ApiKey(
            key_id=key_id,
            key_hash=keys.hash_secret(secret, salt),
            salt=salt,
            tenant_id=tenant_id,
            name=name,
            created_at=self.clock(),
        )
        with self._tx() as s:
            s.add(row)
        return keys.format_key(key_id, secret)

    def tenant_for_key(self, plaintext: str) -> str | None:
        """The tenant a key belongs to, or None for a malformed, unknown or revoked key."""
        parts = keys.split_key(plaintext)
        if parts is None:
            return None
        key_id, secret = parts
        with self._tx() as s:
            row = s.get(ApiKey, key_id)
        if row is None or row.revoked_at is not None:
            return None
        return row.tenant_id if keys.matches(secret, row.salt, row.key_hash) else None

    def list_api_keys(self, tenant_id: str) -> list[ApiKey]:
        query = select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.created_at)
        with self._tx() as s:
            return list(s.scalars(query))

    def revoke_api_key(self, tenant_id: str, key_id: str) -> None:
        with self._tx() as s:
            row = s.get(ApiKey, key_id)
            if row is None or row.tenant_id != tenant_id:
                raise NotFoundError(f"api key {key_id!r} not found")
            row.revoked_at = row.revoked_at or self.clock()
