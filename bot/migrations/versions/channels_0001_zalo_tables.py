"""Zalo channel: event de-duplication, token pair, delivery failures, pending menus.

Revision ID: channels_0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "channels_0001"
down_revision = None
branch_labels = ("channels",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zalo_events",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("event_key", sa.String(160), nullable=False),
        sa.Column("event_name", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("claimed_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.PrimaryKeyConstraint("id", name="pk_zalo_events"),
        sa.UniqueConstraint("event_key", name="uq_zalo_events_event_key"),
    )
    op.create_index("ix_zalo_events_received_at", "zalo_events", ["received_at"])
    op.create_table(
        "zalo_tokens",
        sa.Column("token_key", sa.String(64), nullable=False),
        sa.Column("access_token", sa.Text, nullable=False),
        sa.Column("refresh_token", sa.Text, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("seed_fingerprint", sa.String(64)),
        sa.Column("refreshing_until", sa.DateTime),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("token_key", name="pk_zalo_tokens"),
    )
    op.create_table(
        "zalo_delivery_failures",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("user_hash", sa.String(32), nullable=False),
        sa.Column("error_code", sa.Integer),
        sa.Column("error_message", sa.Text, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_zalo_delivery_failures"),
    )
    op.create_index("ix_zalo_delivery_failures_user_hash", "zalo_delivery_failures", ["user_hash"])
    op.create_index("ix_zalo_delivery_failures_created_at", "zalo_delivery_failures", ["created_at"])
    op.create_table(
        "zalo_pending_menus",
        sa.Column("user_hash", sa.String(32), nullable=False),
        sa.Column("payloads", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("user_hash", name="pk_zalo_pending_menus"),
    )


def downgrade() -> None:
    op.drop_table("zalo_pending_menus")
    op.drop_index("ix_zalo_delivery_failures_created_at", table_name="zalo_delivery_failures")
    op.drop_index("ix_zalo_delivery_failures_user_hash", table_name="zalo_delivery_failures")
    op.drop_table("zalo_delivery_failures")
    op.drop_table("zalo_tokens")
    op.drop_index("ix_zalo_events_received_at", table_name="zalo_events")
    op.drop_table("zalo_events")
