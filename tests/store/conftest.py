"""Store fixtures: a real SQLite file per test, and PostgreSQL too when a URL is given.

Set ``VISAVIS_TEST_DATABASE_URL`` (e.g. ``postgresql+psycopg://user:pw@localhost/visavis_test``,
a database the tests may wipe) to run every store test against PostgreSQL as well.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import MetaData

from visavis.store import Store

PG_URL = os.environ.get("VISAVIS_TEST_DATABASE_URL")


class FakeClock:
    """A settable UTC clock, so due times and timestamps need no sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def _wipe(url: str) -> None:
    """Drop every table (alembic_version included) so each test starts from an empty database."""
    store = Store(url)
    try:
        meta = MetaData()
        meta.reflect(store.engine)
        meta.drop_all(store.engine)
    finally:
        store.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(not PG_URL, reason="VISAVIS_TEST_DATABASE_URL is not set"),
        ),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a fresh SQLite file, or the wiped PostgreSQL test database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'visavis.db'}"
    assert PG_URL is not None
    _wipe(PG_URL)
    return PG_URL


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(db_url: str, clock: FakeClock) -> Iterator[Store]:
    """A migrated Store on the test database."""
    s = Store(db_url, clock=clock)
    s.migrate()
    yield s
    s.dispose()
