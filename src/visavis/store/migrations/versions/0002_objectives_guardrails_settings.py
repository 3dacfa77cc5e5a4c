"""Objectives, guardrails and deployment settings.

Revision ID: 0002_objectives_guardrails
Revises: 0001_initial
Create Date: 2026-01-02

Column types are spelled out here rather than imported from the models, so this revision keeps
creating the same schema however the models change later.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_objectives_guardrails"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "objectives",
        sa.Column("objectives_id", sa.String(32), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("objectives_name", sa.String(200), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        _ts("created_at", nullable=False),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("objectives_id", name="pk_objectives"),
    )
    op.create_index("ix_objectives_tenant_id", "objectives", ["tenant_id"])

    op.create_table(
        "guardrails",
        sa.Column("guardrail_id", sa.String(32), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("guardrail_name", sa.String(100), nullable=False),
        sa.Column("guardrail_prompt", sa.Text(), nullable=False),
        sa.Column("modality", sa.String(16), nullable=False),
        sa.Column("callback_url", sa.String(2048), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("app_message", sa.Boolean(), nullable=False),
        _ts("created_at", nullable=False),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("guardrail_id", name="pk_guardrails"),
    )
    op.create_index("ix_guardrails_tenant_id", "guardrails", ["tenant_id"])

    op.create_table(
        "deployment_settings",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        _ts("created_at", nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_deployment_settings"),
    )


def downgrade() -> None:
    op.drop_table("deployment_settings")
    op.drop_table("guardrails")
    op.drop_table("objectives")
