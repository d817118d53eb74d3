"""Counsellor console: the streaming view's tables and the "sai thông tin" reports (issue 16).

On a database that already holds conversations, run `python -m bot console
streaming-rebuild` once afterwards: the sync only counts events it has not seen.

Revision ID: console_0003_streaming
Revises: console_0002
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "console_0003_streaming"
down_revision = "console_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_streaming_conversations",
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("user_role", sa.String(16), nullable=False),
        sa.Column("area", sa.String(255), nullable=False),
        sa.Column("lean", sa.String(16), nullable=False),
        sa.Column("topics", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("sender_id", name="pk_console_streaming_conversations"),
    )
    op.create_table(
        "console_streaming_stats",
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("area", sa.String(255), nullable=False),
        sa.Column("user_role", sa.String(16), nullable=False),
        sa.Column("lean", sa.String(16), nullable=False),
        sa.Column("conversations", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("month", "area", "user_role", "lean", name="pk_console_streaming_stats"),
    )
    op.create_table(
        "console_streaming_topics",
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("area", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.Column("conversations", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("month", "area", "kind", "value", name="pk_console_streaming_topics"),
    )
    op.create_table(
        "console_error_reports",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("sender_id", sa.String(255)),
        sa.Column("event_id", sa.BigInteger),
        sa.Column("reply_text", sa.Text, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(64)),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("resolution", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_console_error_reports"),
    )
    op.create_index("ix_console_error_reports_status", "console_error_reports", ["status", "created_at"])
    op.create_index("ix_console_error_reports_sender_id", "console_error_reports", ["sender_id"])


def downgrade() -> None:
    op.drop_index("ix_console_error_reports_sender_id", table_name="console_error_reports")
    op.drop_index("ix_console_error_reports_status", table_name="console_error_reports")
    op.drop_table("console_error_reports")
    op.drop_table("console_streaming_topics")
    op.drop_table("console_streaming_stats")
    op.drop_table("console_streaming_conversations")
