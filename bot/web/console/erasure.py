"""Deleting one conversation's data on request (Nghị định 13/2023/NĐ-CP).

Deleted, in one transaction: Rasa's events of the conversation, its console
summary, facets, tags, notes, NLU inbox items (corrected ones too: they are
the family's words), its "sai thông tin" reports, where the streaming view
counted it, and its callback requests with their history. Kept: the daily
counters and the streaming view's aggregates (numbers without personal data) and an audit entry that says
who asked and when, never what was said: the conversation appears there only
as a 16-hex-digit SHA-256 reference (`sender_reference`), enough to answer
"was my data deleted?" for someone who knows their id, not to recover it.

Two callers:
- the tracker store (bot/runtime/tracker_store.py), when the turn it saves ran
  ERASE_ACTION (actions/privacy.py, after the family confirmed): deleting there
  is the only place that is correct while Rasa holds the tracker in memory;
- the console (POST /console/conversations/<id>/delete, after confirmation).

The console's sync lock is taken first, so a sync run never writes a summary
for a conversation that is being deleted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

ERASE_ACTION = "action_delete_my_data"


@dataclass
class ErasureResult:
    events: int = 0
    callbacks: int = 0
    notes: int = 0
    tags: int = 0


def sender_reference(sender_id: str) -> str:
    return hashlib.sha256(sender_id.encode("utf-8")).hexdigest()[:16]


def erasure_requested(events: Sequence) -> bool:
    """True when the current turn (the events after the latest user message) ran ERASE_ACTION."""
    from rasa.shared.core.events import ActionExecuted, UserUttered

    for event in reversed(events):  # the tracker's deque: no copy, stops at the latest user message
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted) and event.action_name == ERASE_ACTION:
            return True
    return False


def erase_conversation(
    conn: Connection,
    sender_id: str,
    *,
    requested_by: str,
    username: str = "",
    user_id: Optional[int] = None,
    channel: str = "",
    ip: str = "",
) -> ErasureResult:
    """Delete everything stored about `sender_id`, in the caller's transaction.

    requested_by: "family" (the user, in the chat) or "counsellor" (console).
    Tables that do not exist (a database without the console's migration) are skipped.
    """
    from bot.db import utcnow
    from bot.handoff import CallbackRequest, CallbackStatusChange
    from bot.web.console.error_reports import ErrorReport
    from bot.web.console.store import (
        AuditEntry,
        ConversationFacet,
        ConversationNote,
        ConversationSummary,
        ConversationTag,
        NluInboxItem,
        SyncState,
    )
    from bot.web.console.streaming import StreamingConversation
    from bot.web.console.sync import STATE_NAME, events_t

    present = set(sa.inspect(conn).get_table_names())
    console = ConversationSummary.__tablename__ in present
    result = ErasureResult()
    if console:  # the sync lock: a running sync finishes first, the next one sees no rows
        state = SyncState.__table__
        conn.execute(state.update().where(state.c.name == STATE_NAME).values(updated_at=utcnow()))
    if "events" in present:
        result.events = conn.execute(events_t.delete().where(events_t.c.sender_id == sender_id)).rowcount or 0
    if console:
        tag, note = ConversationTag.__table__, ConversationNote.__table__
        result.tags = conn.execute(tag.delete().where(tag.c.sender_id == sender_id)).rowcount or 0
        result.notes = conn.execute(note.delete().where(note.c.sender_id == sender_id)).rowcount or 0
        for table in (ConversationFacet.__table__, NluInboxItem.__table__, ConversationSummary.__table__):
            conn.execute(table.delete().where(table.c.sender_id == sender_id))
        for table in (ErrorReport.__table__, StreamingConversation.__table__):
            if table.name in present:
                conn.execute(table.delete().where(table.c.sender_id == sender_id))
    if CallbackRequest.__tablename__ in present:
        callbacks, history = CallbackRequest.__table__, CallbackStatusChange.__table__
        ids = [
            row[0]
            for row in conn.execute(sa.select(callbacks.c.id).where(callbacks.c.sender_id == sender_id))
        ]
        if ids:
            conn.execute(history.delete().where(history.c.request_id.in_(ids)))
            result.callbacks = conn.execute(callbacks.delete().where(callbacks.c.id.in_(ids))).rowcount or 0
    if AuditEntry.__tablename__ in present:
        detail = dict(requested_by=requested_by, channel=channel[:32], **asdict(result))
        conn.execute(
            AuditEntry.__table__.insert().values(
                at=utcnow(),
                user_id=user_id,
                username=username[:64],
                action="conversation_erased",
                target=sender_reference(sender_id),
                detail=json.dumps(detail, ensure_ascii=False),
                ip=ip[:64],
            )
        )
    return result
