"""Engines and migrations: one place that knows how SQLite and PostgreSQL differ.

The engine is synchronous on purpose: the store's calls are short single-row or small-batch
transactions, the server calls them through a worker thread (``asyncio.to_thread``), and a sync
engine keeps one code path for SQLite (whose async driver is a thread anyway), PostgreSQL, the
alembic migrations and the tests. Moving to ``create_async_engine`` later changes this module and
the Store's session plumbing, not the models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets the settings a multi-threaded server needs."""
    if url.startswith("sqlite"):
        # Calls come from a thread pool; each connection is used by one thread at a time.
        connect_args = {"check_same_thread": False, "timeout": 30}
        connect_args.update(kwargs.pop("connect_args", {}))
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    # Connections dropped by a PostgreSQL failover or idle timeout are replaced, not surfaced.
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked, per connection.
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets readers (API requests) proceed while a worker appends a timeline.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def alembic_config(url: str | None = None) -> Config:
    """An alembic Config on the packaged migrations, with no alembic.ini.

    For new revisions during development:
    ``alembic.command.revision(alembic_config(url), message=..., autogenerate=True)``.
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolates '%', which URL-encoded passwords contain.
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (a no-op when it is already there)."""
    cfg = alembic_config()
    with engine.begin() as connection:
        # env.py runs on this connection, so the Store's engine settings (pragmas) apply.
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
