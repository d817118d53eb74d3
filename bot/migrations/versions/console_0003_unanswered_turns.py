"""Counsellor console: the "unanswered" measure (issue 16).

Per conversation the number of unanswered turns, a flag for the list filter and
the last turns' facts the sync judges again; per day the unanswered messages;
in the NLU inbox the key that groups messages saying the same. Conversations
synced before this revision keep no verdict for their earlier turns. The inbox
now holds unanswered turns: open items that were there only for a low
confidence go, fallback items stay and get their group key.

Revision ID: console_0003
Revises: console_0002
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "console_0003"
down_revision = "console_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("console_conversations") as batch:
        batch.add_column(sa.Column("unanswered_turns", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("has_unanswered", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("turn_tail", sa.Text, nullable=False, server_default=""))
    op.create_index(
        "ix_console_conversations_unanswered",
        "console_conversations",
        ["has_unanswered", "last_ts", "sender_id"],
    )
    with op.batch_alter_table("console_daily_stats") as batch:
        batch.add_column(sa.Column("unanswered_messages", sa.Integer, nullable=False, server_default="0"))
    with op.batch_alter_table("console_nlu_inbox") as batch:
        batch.add_column(sa.Column("group_key", sa.String(255), nullable=False, server_default=""))
    op.create_index("ix_console_nlu_inbox_group", "console_nlu_inbox", ["status", "group_key"])
    inbox = sa.table(
        "console_nlu_inbox",
        sa.column("event_id", sa.BigInteger),
        sa.column("text", sa.Text),
        sa.column("reason", sa.String),
        sa.column("status", sa.String),
        sa.column("group_key", sa.String),
    )
    conn = op.get_bind()
    conn.execute(inbox.delete().where(inbox.c.status == "open", inbox.c.reason == "low_confidence"))
    from bot.web.console.unanswered import text_key

    for event_id, text in conn.execute(sa.select(inbox.c.event_id, inbox.c.text)).all():
        conn.execute(
            inbox.update().where(inbox.c.event_id == event_id).values(group_key=text_key(text or ""))
        )


def downgrade() -> None:
    op.drop_index("ix_console_nlu_inbox_group", table_name="console_nlu_inbox")
    with op.batch_alter_table("console_nlu_inbox") as batch:
        batch.drop_column("group_key")
    with op.batch_alter_table("console_daily_stats") as batch:
        batch.drop_column("unanswered_messages")
    op.drop_index("ix_console_conversations_unanswered", table_name="console_conversations")
    with op.batch_alter_table("console_conversations") as batch:
        batch.drop_column("turn_tail")
        batch.drop_column("has_unanswered")
        batch.drop_column("unanswered_turns")
