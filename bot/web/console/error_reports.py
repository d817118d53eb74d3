""" "Sai thông tin" reports: a counsellor marks a bot reply as wrong, with a comment.

They form a queue for whoever maintains data/catalog (page /console/catalog/reports;
`python -m bot catalog report` lists the open ones). Each report keeps a masked copy
of the reply, so it still says what was wrong after the conversation is purged
(retention clears its link to the conversation). A family's erasure request deletes
the conversation's reports with everything else.
"""

from __future__ import annotations

import json
from typing import Dict, List, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.db import Base, utcnow
from bot.privacy import mask_pii

STATUSES = ("new", "in_progress", "fixed", "not_error")
OPEN_STATUSES = ("new", "in_progress")
STATUS_LABELS = {"new": "Mới", "in_progress": "Đang xử lý", "fixed": "Đã sửa", "not_error": "Không phải lỗi"}
MAX_COMMENT = 2000


class ErrorReport(Base):
    __tablename__ = "console_error_reports"
    __table_args__ = (sa.Index("ix_console_error_reports_status", "status", "created_at"),)

    id = sa.Column(sa.Integer, primary_key=True)
    sender_id = sa.Column(sa.String(255), index=True)  # NULL once the conversation is purged
    event_id = sa.Column(sa.BigInteger)  # the bot reply's row in `events` (NULL once purged)
    reply_text = sa.Column(sa.Text, nullable=False)  # masked copy of the reply
    comment = sa.Column(sa.Text, nullable=False)  # masked
    status = sa.Column(sa.String(16), nullable=False, default="new")
    created_by = sa.Column(sa.String(64), nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    updated_by = sa.Column(sa.String(64))
    updated_at = sa.Column(sa.DateTime)
    resolution = sa.Column(sa.Text, nullable=False, default="")  # what was done, masked


report_t = ErrorReport.__table__


def bot_reply(conn: Connection, sender_id: str, event_id: int) -> Optional[str]:
    """The text of a bot reply of this conversation (with its buttons), None if there is none."""
    from bot.web.console.sync import events_t, events_table_exists

    if not events_table_exists(conn):
        return None
    row = conn.execute(
        sa.select(events_t.c.data).where(
            events_t.c.id == event_id, events_t.c.sender_id == sender_id, events_t.c.type_name == "bot"
        )
    ).first()
    if row is None:
        return None
    try:
        data = json.loads(row.data) if row.data else {}
    except ValueError:
        data = {}
    text = data.get("text") or ""
    extra = data.get("data") if isinstance(data.get("data"), dict) else {}
    buttons = [b.get("title", "") for b in extra.get("buttons") or [] if isinstance(b, dict)]
    return text + ("\n[" + " | ".join(buttons) + "]" if buttons else "")


def create_report(
    session: Session, *, sender_id: str, event_id: int, reply_text: str, comment: str, username: str
) -> ErrorReport:
    comment = mask_pii(" ".join(comment.split()))[:MAX_COMMENT]
    if not comment:
        raise ValueError("Hãy ghi rõ thông tin nào sai.")
    report = ErrorReport(
        sender_id=sender_id,
        event_id=event_id,
        reply_text=mask_pii(reply_text),
        comment=comment,
        status="new",
        created_by=username,
    )
    session.add(report)
    session.flush()
    return report


def change_status(
    session: Session, report: ErrorReport, status: str, *, by: str, resolution: str = ""
) -> None:
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}")
    report.status, report.updated_by, report.updated_at = status, by, utcnow()
    resolution = mask_pii(" ".join(resolution.split()))[:MAX_COMMENT]
    if resolution:
        report.resolution = resolution


def list_reports(conn: Connection, statuses: Sequence[str], limit: int = 200) -> List[dict]:
    query = (
        sa.select(report_t)
        .where(report_t.c.status.in_(list(statuses)))
        .order_by(report_t.c.created_at.desc(), report_t.c.id.desc())
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def status_counts(conn: Connection) -> Dict[str, int]:
    rows = conn.execute(sa.select(report_t.c.status, sa.func.count()).group_by(report_t.c.status))
    return {status: int(n) for status, n in rows}


def by_event(conn: Connection, sender_id: str) -> Dict[int, List[dict]]:
    """A conversation's reports, by the bot reply they are about (for the transcript)."""
    out: Dict[int, List[dict]] = {}
    query = sa.select(report_t).where(report_t.c.sender_id == sender_id).order_by(report_t.c.id)
    for row in conn.execute(query).mappings():
        out.setdefault(row["event_id"], []).append(dict(row))
    return out


def open_report_lines(url: Optional[str] = None) -> List[str]:
    """The open reports for `python -m bot catalog report`; one line saying why when the
    database cannot be read (the catalogue report itself needs no database)."""
    from pathlib import Path

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from bot.config import ConfigError, get_settings
    from bot.db import check_database, get_engine

    url = url or get_settings().database_url
    title = "Open 'sai thông tin' reports from the console"
    try:
        parsed = make_url(url)
        shown = parsed.render_as_string(hide_password=True)
        if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).exists():
            return [f"{title}: not listed (no database at {shown})"]
        check_database(url)
        with get_engine(url).connect() as conn:
            if not sa.inspect(conn).has_table(ErrorReport.__tablename__):
                return [
                    f"{title}: not listed (the console's tables are missing: run `python -m bot db upgrade`)"
                ]
            reports = list_reports(conn, OPEN_STATUSES, limit=1000)
    except ConfigError as exc:
        return [f"{title}: not listed ({exc})"]
    except SQLAlchemyError as exc:
        return [f"{title}: not listed (database error: {exc.__class__.__name__})"]
    lines = [f"{title}: {len(reports)}"]
    for r in reversed(reports):  # oldest first: the order to work them in
        reply = " ".join(r["reply_text"].split())
        lines.append(
            f"  - #{r['id']} [{STATUS_LABELS[r['status']]}] {r['created_at']:%Y-%m-%d} {r['created_by']}: "
            f"{r['comment']} | reply: {reply[:120]}{'…' if len(reply) > 120 else ''}"
        )
    return lines
