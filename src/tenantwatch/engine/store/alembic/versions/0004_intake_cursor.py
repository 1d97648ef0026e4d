"""The intake cursor (the last intake-log entry whose alerts are in the store), and an index
on alert fingerprints for the intake's lookup.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_cursor",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_index("ix_alerts_fingerprint", "alerts", ["fingerprint"])


def downgrade() -> None:
    op.drop_index("ix_alerts_fingerprint", "alerts")
    op.drop_table("intake_cursor")
