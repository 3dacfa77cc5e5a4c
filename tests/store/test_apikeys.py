"""API keys: a key finds its tenant, and the database never holds the key itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import make_url

from visavis.store import NotFoundError, Store


def test_a_key_finds_its_tenant_and_nothing_else(store: Store) -> None:
    key_a = store.create_api_key("tenant-a", "ci")
    key_b = store.create_api_key("tenant-b", "dashboard")
    assert key_a != key_b and key_a.startswith("vv_k")
    assert store.tenant_for_key(key_a) == "tenant-a"
    assert store.tenant_for_key(key_b) == "tenant-b"

    prefix, key_id, secret = key_a.split("_", 2)
    for wrong in (
        "",
        "nonsense",
        f"{prefix}_{key_id}_",
        f"{prefix}_{key_id}_{secret}x",
        f"{prefix}_kffffffffffff_{secret}",
        key_a.upper(),
    ):
        assert store.tenant_for_key(wrong) is None, wrong


def test_revoked_keys_stop_working(store: Store) -> None:
    key = store.create_api_key("tenant-a", "old")
    (row,) = store.list_api_keys("tenant-a")
    with pytest.raises(NotFoundError):
        store.revoke_api_key("tenant-b", row.key_id)
    assert store.tenant_for_key(key) == "tenant-a"
    store.revoke_api_key("tenant-a", row.key_id)
    assert store.tenant_for_key(key) is None


def test_the_plaintext_key_is_not_in_the_database(store: Store) -> None:
    keys = [store.create_api_key("tenant-a", f"key {i}") for i in range(3)]
    rows = store.list_api_keys("tenant-a")
    for key in keys:
        secret = key.split("_", 2)[2]
        for row in rows:
            assert secret not in (row.key_hash, row.salt)
    url = make_url(store.url)
    if url.get_backend_name() != "sqlite":
        return  # on PostgreSQL the row check above is what can be checked from here
    store.dispose()  # flush the WAL into the main file too
    raw = b"".join(p.read_bytes() for p in Path(url.database or "").parent.glob("visavis.db*"))
    for key in keys:
        assert key.split("_", 2)[1].encode() in raw  # the key id is: we read the right file
        assert key.encode() not in raw
        assert key.split("_", 2)[2].encode() not in raw
