"""Deployment secrets: made once, then the same for every Store and every racing caller."""

from __future__ import annotations

import base64
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from visavis.store import DeploymentSetting, Store


def test_a_secret_is_made_once_and_kept(db_url: str) -> None:
    first = Store(db_url)
    first.migrate()
    secret = first.deployment_secret("webhook_signing")
    assert len(base64.urlsafe_b64decode(secret + "=")) == 32
    assert first.deployment_secret("webhook_signing") == secret
    other = first.deployment_secret("join_token")
    assert other != secret
    first.dispose()

    # Another Store on the same database (a restart, or a second server instance).
    second = Store(db_url)
    second.migrate()
    assert second.deployment_secret("webhook_signing") == secret
    assert second.deployment_secret("join_token") == other
    with second._tx() as s:
        assert s.get(DeploymentSetting, "webhook_signing").value == secret  # type: ignore[union-attr]
    second.dispose()


def test_bad_names_are_refused(store: Store) -> None:
    for name in ("", "x" * 65):
        with pytest.raises(ValueError, match="setting name"):
            store.deployment_secret(name)
    assert store.deployment_secret("x" * 64)


def test_racing_callers_all_get_the_winners_secret(db_url: str) -> None:
    """Many Stores (as separate processes would have) ask for a new secret at the same moment."""
    n = 8
    stores = [Store(db_url) for _ in range(n)]
    stores[0].migrate()
    for round_ in range(3):
        name = f"raced_{round_}"
        barrier = threading.Barrier(n)

        def ask(store: Store, name: str = name, barrier: threading.Barrier = barrier) -> str:
            barrier.wait()
            return store.deployment_secret(name)

        with ThreadPoolExecutor(n) as pool:
            got = list(pool.map(ask, stores))
        assert len(set(got)) == 1, got
        assert stores[0].deployment_secret(name) == got[0]
    for store in stores:
        store.dispose()
