"""When each outbox message was queued: delivery is given up by age, not by attempts, and the
age of the oldest pending message is a metric. Rows already there count from their next
attempt (their queue time was not kept), which errs towards retrying longer.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from tenantwatch.engine.store.models import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("queued_at", UTCDateTime))
    op.execute("UPDATE outbox SET queued_at = next_attempt_at")
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("queued_at", existing_type=UTCDateTime, nullable=False)
    op.create_index("ix_outbox_state_channel_queued", "outbox", ["state", "channel", "queued_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_state_channel_queued", "outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("queued_at")
