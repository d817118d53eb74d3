"""Counsellor console: accounts, audit, conversation summary, annotations, NLU inbox, callbacks.

Revision ID: console_0001
Revises:
Create Date: 2025-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "console_0001"
down_revision = None
branch_labels = ("console",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_login_at", sa.DateTime),
        sa.PrimaryKeyConstraint("id", name="pk_console_users"),
        sa.UniqueConstraint("username", name="uq_console_users_username"),
    )
    op.create_table(
        "console_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_console_sessions"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["console_users.id"],
            ondelete="CASCADE",
            name="fk_console_sessions_user_id_console_users",
        ),
    )
    op.create_index("ix_console_sessions_user_id", "console_sessions", ["user_id"])
    op.create_table(
        "console_login_attempts",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("attempted_at", sa.DateTime, nullable=False),
        sa.Column("success", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_console_login_attempts"),
    )
    op.create_index(
        "ix_console_login_attempts_key", "console_login_attempts", ["username", "ip", "attempted_at"]
    )
    op.create_table(
        "console_audit_log",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("user_id", sa.Integer),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(255), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_console_audit_log"),
    )
    op.create_index("ix_console_audit_log_at", "console_audit_log", ["at"])
    op.create_index("ix_console_audit_log_action", "console_audit_log", ["action"])
    op.create_table(
        "console_sync_state",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("last_event_id", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_console_sync_state"),
    )
    op.create_table(
        "console_conversations",
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("first_ts", sa.Float, nullable=False),
        sa.Column("last_ts", sa.Float, nullable=False),
        sa.Column("user_messages", sa.Integer, nullable=False),
        sa.Column("bot_messages", sa.Integer, nullable=False),
        sa.Column("has_fallback", sa.Boolean, nullable=False),
        sa.Column("min_confidence", sa.Float),
        sa.Column("user_role", sa.String(32), nullable=False),
        sa.Column("intents", sa.Text, nullable=False),
        sa.Column("areas", sa.Text, nullable=False),
        sa.Column("preview", sa.String(300), nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("last_event_id", sa.BigInteger, nullable=False),
        sa.Column("last_user_event_id", sa.BigInteger),
        sa.Column("reviewed", sa.Boolean, nullable=False),
        sa.Column("flagged", sa.Boolean, nullable=False),
        sa.Column("reviewed_by", sa.String(64)),
        sa.Column("reviewed_at", sa.DateTime),
        sa.PrimaryKeyConstraint("sender_id", name="pk_console_conversations"),
    )
    op.create_index("ix_console_conversations_recent", "console_conversations", ["last_ts", "sender_id"])
    op.create_index(
        "ix_console_conversations_channel", "console_conversations", ["channel", "last_ts", "sender_id"]
    )
    op.create_index(
        "ix_console_conversations_fallback", "console_conversations", ["has_fallback", "last_ts", "sender_id"]
    )
    op.create_index(
        "ix_console_conversations_role", "console_conversations", ["user_role", "last_ts", "sender_id"]
    )
    op.create_index("ix_console_conversations_confidence", "console_conversations", ["min_confidence"])
    op.create_index("ix_console_conversations_first", "console_conversations", ["first_ts"])
    op.create_table(
        "console_conversation_facets",
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("sender_id", "kind", "value", name="pk_console_conversation_facets"),
    )
    op.create_index("ix_console_facets_lookup", "console_conversation_facets", ["kind", "value", "sender_id"])
    op.create_table(
        "console_daily_stats",
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("conversations", sa.Integer, nullable=False),
        sa.Column("user_messages", sa.Integer, nullable=False),
        sa.Column("fallback_messages", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("day", "channel", name="pk_console_daily_stats"),
    )
    op.create_table(
        "console_conversation_tags",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("tag", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_console_conversation_tags"),
        sa.UniqueConstraint("sender_id", "tag", name="uq_console_conversation_tags_sender_tag"),
    )
    op.create_index("ix_console_conversation_tags_tag", "console_conversation_tags", ["tag", "sender_id"])
    op.create_table(
        "console_conversation_notes",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("event_id", sa.BigInteger),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_console_conversation_notes"),
    )
    op.create_index("ix_console_conversation_notes_sender_id", "console_conversation_notes", ["sender_id"])
    op.create_table(
        "console_nlu_inbox",
        sa.Column("event_id", sa.BigInteger, nullable=False, autoincrement=False),
        sa.Column("sender_id", sa.String(255)),
        sa.Column("timestamp", sa.Float, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("predicted_intent", sa.String(255), nullable=False),
        sa.Column("confidence", sa.Float),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("corrected_intent", sa.String(255)),
        sa.Column("corrected_entities", sa.Text),
        sa.Column("corrected_by", sa.String(64)),
        sa.Column("corrected_at", sa.DateTime),
        sa.PrimaryKeyConstraint("event_id", name="pk_console_nlu_inbox"),
    )
    op.create_index("ix_console_nlu_inbox_status", "console_nlu_inbox", ["status", "timestamp"])
    op.create_index("ix_console_nlu_inbox_sender_id", "console_nlu_inbox", ["sender_id"])
    op.create_table(
        "callback_requests",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("preferred_time", sa.String(200), nullable=False),
        sa.Column("consent_at", sa.DateTime, nullable=False),
        sa.Column("user_role", sa.String(32)),
        sa.Column("area", sa.String(64)),
        sa.Column("note", sa.Text),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("status_changed_at", sa.DateTime, nullable=False),
        sa.Column("status_changed_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_callback_requests"),
    )
    op.create_index("ix_callback_requests_status", "callback_requests", ["status", "created_at"])
    op.create_index("ix_callback_requests_sender_id", "callback_requests", ["sender_id"])
    op.create_table(
        "callback_status_changes",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("request_id", sa.Integer, nullable=False),
        sa.Column("from_status", sa.String(16)),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("changed_at", sa.DateTime, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_callback_status_changes"),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["callback_requests.id"],
            ondelete="CASCADE",
            name="fk_callback_status_changes_request_id_callback_requests",
        ),
    )
    op.create_index("ix_callback_status_changes_request_id", "callback_status_changes", ["request_id"])


def downgrade() -> None:
    for table in (
        "callback_status_changes",
        "callback_requests",
        "console_nlu_inbox",
        "console_conversation_notes",
        "console_conversation_tags",
        "console_daily_stats",
        "console_conversation_facets",
        "console_conversations",
        "console_sync_state",
        "console_audit_log",
        "console_login_attempts",
        "console_sessions",
        "console_users",
    ):
        op.drop_table(table)
