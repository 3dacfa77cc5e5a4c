"""The packaged alembic migrations create exactly the schema the ORM models describe."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from visavis.store import Base, Store
from visavis.store.db import alembic_config, current_revision, head_revision, migrate


def test_fresh_database_ends_at_head(db_url: str) -> None:
    store = Store(db_url)
    assert current_revision(store.engine) is None
    store.migrate()
    assert current_revision(store.engine) == head_revision() is not None
    store.dispose()


def test_migrating_an_existing_database_keeps_its_rows(db_url: str) -> None:
    first = Store(db_url)
    first.migrate()
    conversation = first.create_conversation("tenant-a", conversation_name="kept")
    first.dispose()

    second = Store(db_url)
    second.migrate()  # already at head: a no-op, not a second CREATE TABLE
    assert current_revision(second.engine) == head_revision()
    got = second.get_conversation("tenant-a", conversation.conversation_id)
    assert got.conversation_name == "kept"
    second.dispose()


def test_migrated_schema_matches_the_models(store: Store) -> None:
    inspector = inspect(store.engine)
    migrated = {
        table: {c["name"] for c in inspector.get_columns(table)}
        for table in inspector.get_table_names()
        if table != "alembic_version"
    }
    modelled = {t.name: {c.name for c in t.columns} for t in Base.metadata.sorted_tables}
    assert migrated == modelled
    # Alembic's own autogenerate comparison also sees types, nullability, indexes and keys.
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrading_from_the_first_revision_keeps_its_rows(db_url: str) -> None:
    """A database made by 0001 gains the new tables in place; 0002 also downgrades cleanly."""
    store = Store(db_url)
    migrate(store.engine, "0001_initial")
    assert "objectives" not in inspect(store.engine).get_table_names()
    # Rows as the 0001 schema has them (today's models have columns it lacks).
    conversation, persona = _old_rows(store)

    store.migrate()
    assert current_revision(store.engine) == head_revision()
    assert store.get_conversation("tenant-a", conversation).conversation_name
    assert store.get_persona("tenant-a", persona).objectives_id == "o1"
    objectives = store.create_objectives("tenant-a", [{"objective_name": "x"}])
    assert store.get_objectives("tenant-a", objectives.objectives_id).data == [
        {"objective_name": "x"}
    ]
    assert store.deployment_secret("webhook_signing")

    with store.engine.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0001_initial")
    tables = set(inspect(store.engine).get_table_names())
    assert not tables & {"objectives", "guardrails", "deployment_settings"}
    with store.engine.connect() as connection:
        name = connection.execute(
            text("SELECT persona_name FROM personas WHERE persona_id = :p"), {"p": persona}
        ).scalar()
    assert name == "old persona"
    store.migrate()  # and up again
    assert store.list_objectives("tenant-a") == []
    store.dispose()


def _old_rows(store: Store) -> tuple[str, str]:
    """A conversation and a persona written with only the columns revision 0001 created."""
    now = store.clock()
    with store.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO conversations (conversation_id, tenant_id, conversation_name, "
                "properties, status, created_at) VALUES ('cold', 'tenant-a', 'old', '{}', "
                "'active', :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO personas (persona_id, tenant_id, persona_name, layers, objectives_id, "
                "guardrail_ids, document_ids, created_at) VALUES ('pold', 'tenant-a', "
                "'old persona', '{}', 'o1', '[]', '[]', :now)"
            ),
            {"now": now},
        )
    return "cold", "pold"
