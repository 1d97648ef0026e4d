"""Remediation attempts, so the runner's rate limit and circuit breaker survive restarts.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from tenantwatch.engine.store.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "remediation_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("rule_index", sa.Integer, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
    )
    op.create_index("ix_remediation_attempts_key", "remediation_attempts", ["tenant", "rule_index", "at"])


def downgrade() -> None:
    op.drop_table("remediation_attempts")
