"""Retention: delete conversations whose last activity is older than N days.

Deleted: Rasa's events of those conversations, their summary, facets, tags,
notes, open/out-of-scope NLU inbox items and where the streaming view counted
them. Kept: corrected NLU examples (masked training data; their link to the
conversation is cleared), "sai thông tin" reports (their link is cleared too),
daily counters and the streaming view's aggregates (no personal data), the audit log, and callback requests that are
still open (new / contacted). Closed callback requests older than the limit
are deleted with their history.

"Older than the limit" is strict: a conversation whose last event is exactly
at now - N days is kept.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.handoff import CALLBACK_OPEN_STATUSES, CallbackRequest
from bot.web.console import streaming
from bot.web.console.error_reports import ErrorReport
from bot.web.console.store import (
    ConversationFacet,
    ConversationNote,
    ConversationSummary,
    ConversationTag,
    NluInboxItem,
)
from bot.web.console.sync import events_t, events_table_exists, sync_events

_CHUNK = 500


@dataclass
class PurgeResult:
    conversations: int = 0
    events: int = 0
    callbacks: int = 0


def purge(engine: Engine, days: int, *, now: Optional[float] = None) -> PurgeResult:
    if days < 1:
        raise ValueError("retention must be at least 1 day")
    now = time.time() if now is None else now
    cutoff = now - days * 86400
    # Make sure every stored event is reflected in the summary before deciding.
    sync_events(engine, now=now + 3600)
    result = PurgeResult()
    summary = ConversationSummary.__table__
    with engine.connect() as conn:
        has_events = events_table_exists(conn)
        old = [r[0] for r in conn.execute(sa.select(summary.c.sender_id).where(summary.c.last_ts < cutoff))]
    for i in range(0, len(old), _CHUNK):
        chunk = old[i : i + _CHUNK]
        with engine.begin() as conn:
            if has_events:
                result.events += (
                    conn.execute(events_t.delete().where(events_t.c.sender_id.in_(chunk))).rowcount or 0
                )
            for table in (ConversationFacet.__table__, ConversationTag.__table__, ConversationNote.__table__):
                conn.execute(table.delete().where(table.c.sender_id.in_(chunk)))
            inbox = NluInboxItem.__table__
            conn.execute(inbox.delete().where(inbox.c.sender_id.in_(chunk), inbox.c.status != "corrected"))
            conn.execute(inbox.update().where(inbox.c.sender_id.in_(chunk)).values(sender_id=None))
            reports = ErrorReport.__table__
            conn.execute(
                reports.update().where(reports.c.sender_id.in_(chunk)).values(sender_id=None, event_id=None)
            )
            streaming.delete_conversations(conn, chunk)
            result.conversations += (
                conn.execute(summary.delete().where(summary.c.sender_id.in_(chunk))).rowcount or 0
            )
    callbacks = CallbackRequest.__table__
    cutoff_dt = dt.datetime.utcfromtimestamp(cutoff)
    with engine.begin() as conn:
        ids = [
            r[0]
            for r in conn.execute(
                sa.select(callbacks.c.id).where(
                    callbacks.c.created_at < cutoff_dt, callbacks.c.status.notin_(CALLBACK_OPEN_STATUSES)
                )
            )
        ]
        if ids:
            from bot.handoff import CallbackStatusChange

            history = CallbackStatusChange.__table__
            conn.execute(history.delete().where(history.c.request_id.in_(ids)))
            result.callbacks = conn.execute(callbacks.delete().where(callbacks.c.id.in_(ids))).rowcount or 0
    return result
