"""Zalo channel: accepted events are kept until answered (payload, lease, replies sent).

Revision ID: channels_0002
Revises: channels_0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "channels_0002"
down_revision = "channels_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("zalo_events") as batch:
        batch.add_column(sa.Column("payload", sa.Text))
        batch.add_column(sa.Column("owner", sa.String(32)))
        batch.add_column(sa.Column("lease_until", sa.DateTime))
        batch.add_column(sa.Column("replies_sent", sa.Integer, nullable=False, server_default="0"))
    op.create_index("ix_zalo_events_state_lease", "zalo_events", ["state", "lease_until"])


def downgrade() -> None:
    op.drop_index("ix_zalo_events_state_lease", table_name="zalo_events")
    with op.batch_alter_table("zalo_events") as batch:
        batch.drop_column("replies_sent")
        batch.drop_column("lease_until")
        batch.drop_column("owner")
        batch.drop_column("payload")
