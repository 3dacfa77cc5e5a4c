"""Documents, memories and tools; personas and conversations name the ones they use.

Revision ID: 0003_documents_memories_tools
Revises: 0002_objectives_guardrails
Create Date: 2026-01-03

Column types are spelled out here rather than imported from the models, so this revision keeps
creating the same schema however the models change later. New columns of existing tables are
added with ALTER TABLE ADD COLUMN and a server default, never by SQLite's batch rebuild: that
drops and re-creates the table, and with foreign keys on, dropping ``conversations`` would
cascade to every timeline.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_documents_memories_tools"
down_revision: str | Sequence[str] | None = "0002_objectives_guardrails"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEW_COLUMNS = {
    "personas": ("document_tags", "guardrail_tags", "tool_ids"),
    "conversations": ("memory_stores", "document_ids", "document_tags"),
}


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _json_list(name: str) -> sa.Column:
    return sa.Column(name, sa.JSON(), nullable=False, server_default=sa.text("'[]'"))


def upgrade() -> None:
    for table, columns in _NEW_COLUMNS.items():
        for column in columns:
            op.add_column(table, _json_list(column))
    op.add_column(
        "conversations",
        sa.Column(
            "document_retrieval_strategy",
            sa.String(16),
            nullable=False,
            server_default="balanced",
        ),
    )

    op.create_table(
        "documents",
        sa.Column("document_id", sa.String(32), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("document_name", sa.String(200), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("source_type", sa.String(16), nullable=False),
        sa.Column("document_url", sa.String(2048), nullable=True),
        sa.Column("callback_url", sa.String(2048), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("created_at", nullable=False),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("document_id", name="pk_documents"),
    )
    op.create_index("ix_documents_tenant_sha256", "documents", ["tenant_id", "sha256"], unique=True)
    op.create_index("ix_documents_tenant_created", "documents", ["tenant_id", "created_at"])

    op.create_table(
        "memories",
        sa.Column("memory_id", sa.String(32), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("memory_store", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=True),
        _ts("created_at", nullable=False),
        sa.PrimaryKeyConstraint("memory_id", name="pk_memories"),
    )
    op.create_index(
        "ix_memories_tenant_store", "memories", ["tenant_id", "memory_store", "created_at"]
    )

    op.create_table(
        "tools",
        sa.Column("tool_id", sa.String(32), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("delivery", sa.JSON(), nullable=False),
        sa.Column("on_call", sa.String(32), nullable=False),
        sa.Column("static_filler", sa.String(200), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        _ts("created_at", nullable=False),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("tool_id", name="pk_tools"),
    )
    op.create_index("ix_tools_tenant_name", "tools", ["tenant_id", "name"], unique=True)


def downgrade() -> None:
    op.drop_table("tools")
    op.drop_table("memories")
    op.drop_table("documents")
    # ALTER TABLE DROP COLUMN (SQLite 3.35+), again not a batch rebuild (see above).
    op.drop_column("conversations", "document_retrieval_strategy")
    for table, columns in _NEW_COLUMNS.items():
        for column in reversed(columns):
            op.drop_column(table, column)
