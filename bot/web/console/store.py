"""The console's own tables (callback requests live in bot.handoff).

Rasa's `events` table (owned by Rasa's SQL tracker store) is only ever read
here and in bot.web.console.sync / queries, and deleted from by retention.
Every timestamp column is naive UTC (`utcnow()`); Rasa's event timestamps are
float epoch seconds and are kept as such in the summary table.
"""

from __future__ import annotations

from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session, relationship

from bot.db import Base, as_naive_utc, utcnow  # noqa: F401  (re-exported for the console)

ROLES = ("admin", "counsellor", "province")
STAFF_ROLES = ("admin", "counsellor")  # everything but accounts; `province`: the streaming view only
INBOX_STATUSES = ("open", "corrected", "out_of_scope")


# --- accounts, sessions, audit ------------------------------------------------


class ConsoleUser(Base):
    __tablename__ = "console_users"

    id = sa.Column(sa.Integer, primary_key=True)
    username = sa.Column(sa.String(64), nullable=False, unique=True)
    full_name = sa.Column(sa.String(200), nullable=False, default="")
    password_hash = sa.Column(sa.String(255), nullable=False)
    role = sa.Column(sa.String(16), nullable=False)
    is_active = sa.Column(sa.Boolean, nullable=False, default=True)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    last_login_at = sa.Column(sa.DateTime)


class ConsoleSession(Base):
    """Server-side session: the cookie carries a signed random token whose
    SHA-256 is the key here, so logout and deactivation take effect at once."""

    __tablename__ = "console_sessions"

    token_hash = sa.Column(sa.String(64), primary_key=True)
    user_id = sa.Column(
        sa.Integer, sa.ForeignKey("console_users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    expires_at = sa.Column(sa.DateTime, nullable=False)

    user = relationship(ConsoleUser, lazy="joined")


class LoginAttempt(Base):
    __tablename__ = "console_login_attempts"
    __table_args__ = (
        sa.Index("ix_console_login_attempts_key", "username", "ip", "attempted_at"),
        sa.Index("ix_console_login_attempts_ip", "ip", "attempted_at"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    username = sa.Column(sa.String(64), nullable=False)
    ip = sa.Column(sa.String(64), nullable=False)
    attempted_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    success = sa.Column(sa.Boolean, nullable=False)


class AuditEntry(Base):
    __tablename__ = "console_audit_log"

    id = sa.Column(sa.Integer, primary_key=True)
    at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    user_id = sa.Column(sa.Integer)
    username = sa.Column(sa.String(64), nullable=False, default="")
    action = sa.Column(sa.String(64), nullable=False, index=True)
    target = sa.Column(sa.String(255), nullable=False, default="")
    detail = sa.Column(sa.Text, nullable=False, default="")
    ip = sa.Column(sa.String(64), nullable=False, default="")


def audit(
    session: Session,
    action: str,
    *,
    user: Optional[ConsoleUser] = None,
    username: str = "",
    target: str = "",
    detail: str = "",
    ip: str = "",
) -> AuditEntry:
    entry = AuditEntry(
        user_id=user.id if user else None,
        username=user.username if user else username,
        action=action,
        target=target[:255],
        detail=detail,
        ip=ip[:64],
    )
    session.add(entry)
    return entry


# --- conversation summary (derived from Rasa's events) -------------------------


class SyncState(Base):
    __tablename__ = "console_sync_state"

    name = sa.Column(sa.String(32), primary_key=True)
    last_event_id = sa.Column(sa.BigInteger, nullable=False, default=0)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


class ConversationSummary(Base):
    """One row per conversation (Rasa sender_id), maintained incrementally by
    bot.web.console.sync from `events` ordered by id."""

    __tablename__ = "console_conversations"
    __table_args__ = (
        sa.Index("ix_console_conversations_recent", "last_ts", "sender_id"),
        sa.Index("ix_console_conversations_channel", "channel", "last_ts", "sender_id"),
        sa.Index("ix_console_conversations_fallback", "has_fallback", "last_ts", "sender_id"),
        sa.Index("ix_console_conversations_unanswered", "has_unanswered", "last_ts", "sender_id"),
        sa.Index("ix_console_conversations_role", "user_role", "last_ts", "sender_id"),
        sa.Index("ix_console_conversations_confidence", "min_confidence"),
        sa.Index("ix_console_conversations_first", "first_ts"),
    )

    sender_id = sa.Column(sa.String(255), primary_key=True)
    channel = sa.Column(sa.String(64), nullable=False, default="")
    first_ts = sa.Column(sa.Float, nullable=False)
    last_ts = sa.Column(sa.Float, nullable=False)
    user_messages = sa.Column(sa.Integer, nullable=False, default=0)
    bot_messages = sa.Column(sa.Integer, nullable=False, default=0)
    has_fallback = sa.Column(sa.Boolean, nullable=False, default=False)
    unanswered_turns = sa.Column(sa.Integer, nullable=False, default=0)  # bot.web.console.unanswered
    has_unanswered = sa.Column(sa.Boolean, nullable=False, default=False)
    turn_tail = sa.Column(sa.Text, nullable=False, default="")  # JSON: the last turns' facts (sync.py)
    min_confidence = sa.Column(sa.Float)
    user_role = sa.Column(sa.String(32), nullable=False, default="")
    intents = sa.Column(sa.Text, nullable=False, default="")  # space separated, for display
    areas = sa.Column(sa.Text, nullable=False, default="")
    preview = sa.Column(sa.String(300), nullable=False, default="")
    search_text = sa.Column(sa.Text, nullable=False, default="")  # bot.text.fold of user messages
    last_event_id = sa.Column(sa.BigInteger, nullable=False, default=0)
    last_user_event_id = sa.Column(sa.BigInteger)
    reviewed = sa.Column(sa.Boolean, nullable=False, default=False)
    flagged = sa.Column(sa.Boolean, nullable=False, default=False)
    reviewed_by = sa.Column(sa.String(64))
    reviewed_at = sa.Column(sa.DateTime)


class ConversationFacet(Base):
    """(conversation, kind, value) for intents and areas seen: indexed filters."""

    __tablename__ = "console_conversation_facets"
    __table_args__ = (sa.Index("ix_console_facets_lookup", "kind", "value", "sender_id"),)

    sender_id = sa.Column(sa.String(255), primary_key=True)
    kind = sa.Column(sa.String(16), primary_key=True)
    value = sa.Column(sa.String(255), primary_key=True)


class DailyStat(Base):
    """Per Vietnam-local day and channel counters, for the analytics page."""

    __tablename__ = "console_daily_stats"

    day = sa.Column(sa.String(10), primary_key=True)
    channel = sa.Column(sa.String(64), primary_key=True)
    conversations = sa.Column(sa.Integer, nullable=False, default=0)
    user_messages = sa.Column(sa.Integer, nullable=False, default=0)
    fallback_messages = sa.Column(sa.Integer, nullable=False, default=0)
    unanswered_messages = sa.Column(sa.Integer, nullable=False, default=0)


class DailyFacet(Base):
    """Per Vietnam-local day (the conversation's first message): how many conversations
    that started that day came to have an intent or an area; analytics read these."""

    __tablename__ = "console_daily_facets"
    __table_args__ = (sa.Index("ix_console_daily_facets_kind_day", "kind", "day"),)

    day = sa.Column(sa.String(10), primary_key=True)
    kind = sa.Column(sa.String(16), primary_key=True)
    value = sa.Column(sa.String(255), primary_key=True)
    conversations = sa.Column(sa.Integer, nullable=False, default=0)


# --- annotations ------------------------------------------------------------


class ConversationTag(Base):
    __tablename__ = "console_conversation_tags"
    __table_args__ = (
        sa.UniqueConstraint("sender_id", "tag", name="uq_console_conversation_tags_sender_tag"),
        sa.Index("ix_console_conversation_tags_tag", "tag", "sender_id"),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    sender_id = sa.Column(sa.String(255), nullable=False)
    tag = sa.Column(sa.String(64), nullable=False)
    created_by = sa.Column(sa.String(64), nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


class ConversationNote(Base):
    __tablename__ = "console_conversation_notes"

    id = sa.Column(sa.Integer, primary_key=True)
    sender_id = sa.Column(sa.String(255), nullable=False, index=True)
    event_id = sa.Column(sa.BigInteger)  # the turn the note is about, if any
    body = sa.Column(sa.Text, nullable=False)
    author = sa.Column(sa.String(64), nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


class NluInboxItem(Base):
    """A user message that went unanswered (bot.web.console.unanswered), grouped in the
    inbox with the messages that say the same (`group_key`, unanswered.text_key)."""

    __tablename__ = "console_nlu_inbox"
    __table_args__ = (
        sa.Index("ix_console_nlu_inbox_status", "status", "timestamp"),
        sa.Index("ix_console_nlu_inbox_group", "status", "group_key"),
    )

    event_id = sa.Column(sa.BigInteger, primary_key=True)
    sender_id = sa.Column(sa.String(255), index=True)  # NULL once the conversation is purged
    timestamp = sa.Column(sa.Float, nullable=False)
    text = sa.Column(sa.Text, nullable=False)  # already masked at write time
    group_key = sa.Column(sa.String(255), nullable=False, default="")
    predicted_intent = sa.Column(sa.String(255), nullable=False, default="")
    confidence = sa.Column(sa.Float)
    reason = sa.Column(sa.String(16), nullable=False)  # a key of unanswered.REASONS
    status = sa.Column(sa.String(16), nullable=False, default="open")
    corrected_intent = sa.Column(sa.String(255))
    corrected_entities = sa.Column(sa.Text)  # JSON list of {entity, value, start, end}
    corrected_by = sa.Column(sa.String(64))
    corrected_at = sa.Column(sa.DateTime)


# The streaming view's and the error reports' tables are the console's too (migrations, erasure).
from bot.web.console import error_reports, streaming  # noqa: E402, F401
