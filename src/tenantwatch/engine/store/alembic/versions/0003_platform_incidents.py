"""Platform incidents: the tenants each one affects, the tenant incidents it causes, and
timeline lines meant for one tenant only.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_tenants",
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tenant", sa.String(64), primary_key=True),
    )
    op.create_index("ix_incident_tenants_tenant", "incident_tenants", ["tenant", "incident_id"])
    op.add_column("incidents", sa.Column("caused_by", sa.Integer))
    op.create_index("ix_incidents_caused_by", "incidents", ["caused_by"])
    op.add_column("timeline_events", sa.Column("tenant", sa.String(64)))


def downgrade() -> None:
    op.drop_column("timeline_events", "tenant")
    op.drop_index("ix_incidents_caused_by", "incidents")
    op.drop_column("incidents", "caused_by")
    op.drop_table("incident_tenants")
