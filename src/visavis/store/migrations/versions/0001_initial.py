"""Initial schema: personas, conversations, timeline events, outcomes, webhook outbox, api keys.

Revision ID: 0001_initial
Revises:
Create Date: 2026-01-01

Column types are spelled out here rather than imported from the models, so this revision keeps
creating the same schema however the models change later.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "personas",
        sa.Column("persona_id", sa.String(32), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("persona_name", sa.String(200), nullable=False),
        sa.Column("system_prompt", sa.Text(), nullable=True),
        sa.Column("context", sa.Text(), nullable=True),
        sa.Column("default_replica_id", sa.String(64), nullable=True),
        sa.Column("layers", sa.JSON(), nullable=False),
        sa.Column("objectives_id", sa.String(64), nullable=True),
        sa.Column("guardrail_ids", sa.JSON(), nullable=False),
        sa.Column("document_ids", sa.JSON(), nullable=False),
        _ts("created_at", nullable=False),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("persona_id", name="pk_personas"),
    )
    op.create_index("ix_personas_tenant_id", "personas", ["tenant_id"])

    op.create_table(
        "conversations",
        sa.Column("conversation_id", sa.String(32), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("persona_id", sa.String(64), nullable=True),
        sa.Column("replica_id", sa.String(64), nullable=True),
        sa.Column("conversation_name", sa.String(200), nullable=True),
        sa.Column("conversational_context", sa.Text(), nullable=True),
        sa.Column("custom_greeting", sa.Text(), nullable=True),
        sa.Column("callback_url", sa.String(2048), nullable=True),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("created_at", nullable=False),
        _ts("ended_at"),
        sa.Column("end_reason", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("conversation_id", name="pk_conversations"),
    )
    op.create_index("ix_conversations_tenant_created", "conversations", ["tenant_id", "created_at"])

    op.create_table(
        "timeline_events",
        sa.Column("conversation_id", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("t", sa.Double(), nullable=False),
        sa.Column("turn_idx", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.conversation_id"],
            name="fk_timeline_events_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", "seq", name="pk_timeline_events"),
    )

    op.create_table(
        "outcomes",
        sa.Column("conversation_id", sa.String(32), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("follow_up_booked", sa.Boolean(), nullable=False),
        sa.Column("output_variables", sa.JSON(), nullable=False),
        sa.Column("duration", sa.Double(), nullable=True),
        sa.Column("raw", sa.JSON(), nullable=False),
        _ts("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.conversation_id"],
            name="fk_outcomes_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", name="pk_outcomes"),
    )

    op.create_table(
        "webhook_outbox",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=True),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("next_attempt_at"),
        _ts("delivered_at"),
        sa.Column("last_error", sa.Text(), nullable=True),
        _ts("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_outbox"),
    )
    op.create_index("ix_webhook_outbox_conversation_id", "webhook_outbox", ["conversation_id"])
    op.create_index("ix_webhook_outbox_due", "webhook_outbox", ["delivered_at", "next_attempt_at"])

    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("key_hash", sa.String(128), nullable=False),
        sa.Column("salt", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        _ts("created_at", nullable=False),
        _ts("revoked_at"),
        sa.PrimaryKeyConstraint("key_id", name="pk_api_keys"),
    )
    op.create_index("ix_api_keys_tenant_id", "api_keys", ["tenant_id"])


def downgrade() -> None:
    op.drop_table("api_keys")
    op.drop_table("webhook_outbox")
    op.drop_table("outcomes")
    op.drop_table("timeline_events")
    op.drop_table("conversations")
    op.drop_table("personas")
