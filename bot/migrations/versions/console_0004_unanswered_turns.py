"""Counsellor console: the "unanswered" measure (issue 16).

Per conversation the number of unanswered turns, a flag for the list filter and
the last turns' facts the sync judges again; per day the unanswered messages;
in the NLU inbox the key that groups messages saying the same; per day the
conversations that came to have each intent and area (filled for the
conversations synced so far). Conversations
synced before this revision keep no verdict for their earlier turns. The inbox
now holds unanswered turns: open items that were there only for a low
confidence go, fallback items stay and get their group key.

Revision ID: console_0004
Revises: console_0003_streaming
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "console_0004"
down_revision = "console_0003_streaming"
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
    op.create_table(
        "console_daily_facets",
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.Column("conversations", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("day", "kind", "value", name="pk_console_daily_facets"),
    )
    op.create_index("ix_console_daily_facets_kind_day", "console_daily_facets", ["kind", "day"])
    _count_facets_by_day()
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


def _count_facets_by_day() -> None:
    """The counters for the conversations synced so far, by the day of their first message."""
    from collections import Counter

    from bot.web.console.sync import vn_day

    conn = op.get_bind()
    counts: Counter = Counter()
    rows = conn.execute(
        sa.text(
            "SELECT f.kind, f.value, c.first_ts FROM console_conversation_facets f "
            "JOIN console_conversations c ON c.sender_id = f.sender_id"
        )
    )
    for kind, value, first_ts in rows:
        counts[(vn_day(float(first_ts)), kind, value)] += 1
    table = sa.table(
        "console_daily_facets",
        sa.column("day", sa.String),
        sa.column("kind", sa.String),
        sa.column("value", sa.String),
        sa.column("conversations", sa.Integer),
    )
    items = [dict(day=d, kind=k, value=v, conversations=n) for (d, k, v), n in counts.items()]
    for i in range(0, len(items), 1000):
        conn.execute(table.insert(), items[i : i + 1000])


def downgrade() -> None:
    op.drop_index("ix_console_daily_facets_kind_day", table_name="console_daily_facets")
    op.drop_table("console_daily_facets")
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
