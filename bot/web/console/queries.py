"""Read queries of the console (conversation list, transcript, inbox, analytics).

Everything that builds SQL for the console lives here, in sync.py,
transcript.py, retention.py and in bot.web.console.store. The list uses keyset pagination on
(last_ts, sender_id) so page N costs the same as page 1.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.text import fold
from bot.web.console.settings import VN_TZ
from bot.web.console.store import (
    ConversationFacet,
    ConversationNote,
    ConversationSummary,
    ConversationTag,
    DailyFacet,
    DailyStat,
    NluInboxItem,
)

summary_t = ConversationSummary.__table__
facet_t = ConversationFacet.__table__
tag_t = ConversationTag.__table__
daily_t = DailyStat.__table__
inbox_t = NluInboxItem.__table__

REVIEW_STATUSES = ("unreviewed", "reviewed", "flagged")


@dataclass
class ConversationFilter:
    date_from: Optional[dt.date] = None
    date_to: Optional[dt.date] = None
    channel: str = ""
    intent: str = ""
    fallback: bool = False
    unanswered: bool = False
    low_confidence: bool = False
    threshold: float = 0.6
    area: str = ""
    user_role: str = ""
    tag: str = ""
    status: str = ""
    text: str = ""

    @classmethod
    def from_args(cls, args, threshold: float) -> "ConversationFilter":
        def get(name: str) -> str:
            return (args.get(name) or "").strip()

        def date(name: str) -> Optional[dt.date]:
            try:
                return dt.date.fromisoformat(get(name)) if get(name) else None
            except ValueError:
                return None

        try:
            threshold = float(get("threshold")) if get("threshold") else threshold
        except ValueError:
            pass
        status = get("status")
        return cls(
            date_from=date("from"),
            date_to=date("to"),
            channel=get("channel")[:64],
            intent=get("intent")[:255],
            fallback=get("fallback") == "1",
            unanswered=get("unanswered") == "1",
            low_confidence=get("low") == "1",
            threshold=threshold,
            area=get("area")[:255],
            user_role=get("role")[:32],
            tag=get("tag")[:64],
            status=status if status in REVIEW_STATUSES else "",
            text=get("q")[:200],
        )

    def as_args(self) -> Dict[str, str]:
        args = {
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "channel": self.channel,
            "intent": self.intent,
            "fallback": "1" if self.fallback else "",
            "unanswered": "1" if self.unanswered else "",
            "low": "1" if self.low_confidence else "",
            "area": self.area,
            "role": self.user_role,
            "tag": self.tag,
            "status": self.status,
            "q": self.text,
        }
        return {k: v for k, v in args.items() if v}


def day_start_ts(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=VN_TZ).timestamp()


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_conditions(flt: ConversationFilter) -> List:
    c = summary_t.c
    conditions = []
    if flt.date_from:
        conditions.append(c.last_ts >= day_start_ts(flt.date_from))
    if flt.date_to:
        conditions.append(c.first_ts < day_start_ts(flt.date_to) + 86400)
    if flt.channel:
        conditions.append(c.channel == flt.channel)
    if flt.fallback:
        conditions.append(c.has_fallback.is_(True))
    if flt.unanswered:
        conditions.append(c.has_unanswered.is_(True))
    if flt.low_confidence:
        conditions.append(c.min_confidence < flt.threshold)
    if flt.user_role:
        conditions.append(c.user_role == flt.user_role)
    for kind, value in (("intent", flt.intent), ("area", flt.area)):
        if value:
            conditions.append(
                sa.exists().where(
                    facet_t.c.sender_id == c.sender_id, facet_t.c.kind == kind, facet_t.c.value == value
                )
            )
    if flt.tag:
        conditions.append(sa.exists().where(tag_t.c.sender_id == c.sender_id, tag_t.c.tag == flt.tag))
    if flt.status == "reviewed":
        conditions.append(c.reviewed.is_(True))
    elif flt.status == "unreviewed":
        conditions.append(c.reviewed.is_(False))
    elif flt.status == "flagged":
        conditions.append(c.flagged.is_(True))
    if flt.text:
        needle = fold(flt.text)
        if needle:
            conditions.append(c.search_text.like(f"%{_escape_like(needle)}%", escape="\\"))
    return conditions


def encode_cursor(last_ts: float, sender_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([last_ts, sender_id]).encode()).decode().rstrip("=")


def decode_cursor(token: str) -> Optional[Tuple[float, str]]:
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        last_ts, sender_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return float(last_ts), str(sender_id)
    except (ValueError, TypeError):
        return None


@dataclass
class Page:
    rows: List[dict]
    next_cursor: Optional[str]
    prev_cursor: Optional[str]
    tags: Dict[str, List[str]] = field(default_factory=dict)


def list_conversations(
    conn: Connection, flt: ConversationFilter, *, after: str = "", before: str = "", page_size: int = 50
) -> Page:
    c = summary_t.c
    conditions = filter_conditions(flt)
    after_key, before_key = decode_cursor(after), decode_cursor(before)
    backwards = before_key is not None and after_key is None
    if after_key:
        ts, sid = after_key
        conditions.append(sa.or_(c.last_ts < ts, sa.and_(c.last_ts == ts, c.sender_id < sid)))
    elif backwards:
        ts, sid = before_key
        conditions.append(sa.or_(c.last_ts > ts, sa.and_(c.last_ts == ts, c.sender_id > sid)))
    order = (c.last_ts.asc(), c.sender_id.asc()) if backwards else (c.last_ts.desc(), c.sender_id.desc())
    columns = [
        c.sender_id,
        c.channel,
        c.first_ts,
        c.last_ts,
        c.user_messages,
        c.has_fallback,
        c.unanswered_turns,
        c.min_confidence,
        c.user_role,
        c.intents,
        c.areas,
        c.preview,
        c.reviewed,
        c.flagged,
    ]
    query = sa.select(*columns).where(*conditions).order_by(*order).limit(page_size + 1)
    rows = [dict(r) for r in conn.execute(query).mappings()]
    more = len(rows) > page_size
    rows = rows[:page_size]
    if backwards:
        rows.reverse()
    next_cursor = prev_cursor = None
    if rows:
        first, last = rows[0], rows[-1]
        if more or backwards:
            next_cursor = encode_cursor(last["last_ts"], last["sender_id"])
        if (backwards and more) or (not backwards and after_key):
            prev_cursor = encode_cursor(first["last_ts"], first["sender_id"])
    page = Page(rows=rows, next_cursor=next_cursor, prev_cursor=prev_cursor)
    page.tags = tags_for(conn, [r["sender_id"] for r in rows])
    return page


def count_conversations(conn: Connection, flt: ConversationFilter) -> int:
    return int(
        conn.execute(
            sa.select(sa.func.count()).select_from(summary_t).where(*filter_conditions(flt))
        ).scalar_one()
    )


def iter_filtered_sender_ids(conn: Connection, flt: ConversationFilter, limit: int) -> List[str]:
    c = summary_t.c
    query = (
        sa.select(c.sender_id)
        .where(*filter_conditions(flt))
        .order_by(c.last_ts.desc(), c.sender_id.desc())
        .limit(limit)
    )
    return [r[0] for r in conn.execute(query)]


def tags_for(conn: Connection, sender_ids: Sequence[str]) -> Dict[str, List[str]]:
    result: Dict[str, List[str]] = {}
    if not sender_ids:
        return result
    query = (
        sa.select(tag_t.c.sender_id, tag_t.c.tag)
        .where(tag_t.c.sender_id.in_(list(sender_ids)))
        .order_by(tag_t.c.tag)
    )
    for sender_id, tag in conn.execute(query):
        result.setdefault(sender_id, []).append(tag)
    return result


def distinct_values(conn: Connection) -> Dict[str, List[str]]:
    """Options for the filter drop-downs."""
    channels = [
        r[0]
        for r in conn.execute(sa.select(daily_t.c.channel).distinct().order_by(daily_t.c.channel))
        if r[0]
    ]
    tags = [r[0] for r in conn.execute(sa.select(tag_t.c.tag).distinct().order_by(tag_t.c.tag))]
    return {"channels": channels, "tags": tags}


# --- transcript (events: bot.web.console.transcript) -------------------------


def conversation(conn: Connection, sender_id: str) -> Optional[dict]:
    row = conn.execute(sa.select(summary_t).where(summary_t.c.sender_id == sender_id)).mappings().first()
    return dict(row) if row else None


def notes_for(conn: Connection, sender_id: str) -> List[dict]:
    t = ConversationNote.__table__
    return [
        dict(r)
        for r in conn.execute(sa.select(t).where(t.c.sender_id == sender_id).order_by(t.c.id)).mappings()
    ]


# --- NLU inbox ------------------------------------------------------------------


def inbox_groups(conn: Connection, status: str = "open", *, limit: int = 50, offset: int = 0) -> List[dict]:
    """Inbox items with `status`, grouped by what they say (group_key), the most frequent
    first; each group with its count, its latest item and how many conversations it spans."""
    t = inbox_t
    count = sa.func.count().label("n")
    latest = sa.func.max(t.c.event_id).label("latest")
    query = (
        sa.select(t.c.group_key, count, latest)
        .where(t.c.status == status)
        .group_by(t.c.group_key)
        .order_by(count.desc(), latest.desc())
        .limit(limit)
        .offset(offset)
    )
    groups = [dict(r) for r in conn.execute(query).mappings()]
    keys = [g["group_key"] for g in groups]
    items = {
        r["event_id"]: dict(r)
        for r in conn.execute(sa.select(t).where(t.c.event_id.in_([g["latest"] for g in groups]))).mappings()
    }
    spans = dict(
        conn.execute(
            sa.select(t.c.group_key, sa.func.count(sa.distinct(t.c.sender_id)))
            .where(t.c.status == status, t.c.group_key.in_(keys))
            .group_by(t.c.group_key)
        ).all()
    )
    for group in groups:
        group["item"] = items[group["latest"]]
        group["conversations"] = int(spans.get(group["group_key"], 0))
    return groups


def inbox_group_items(conn: Connection, event_id: int) -> List[dict]:
    """The items grouped with `event_id` (same key, same status), itself included; [] if unknown."""
    t = inbox_t
    item = conn.execute(sa.select(t.c.group_key, t.c.status).where(t.c.event_id == event_id)).first()
    if item is None:
        return []
    query = sa.select(t).where(t.c.group_key == item.group_key, t.c.status == item.status)
    return [dict(r) for r in conn.execute(query).mappings()]


def inbox_counts(conn: Connection) -> Dict[str, Tuple[int, int]]:
    """status -> (items, groups)."""
    t = inbox_t
    rows = conn.execute(
        sa.select(t.c.status, sa.func.count(), sa.func.count(sa.distinct(t.c.group_key))).group_by(t.c.status)
    )
    return {status: (int(n), int(groups)) for status, n, groups in rows}


def corrected_examples(conn: Connection) -> List[dict]:
    query = (
        sa.select(inbox_t)
        .where(inbox_t.c.status == "corrected")
        .order_by(inbox_t.c.corrected_intent, inbox_t.c.event_id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


# --- analytics -----------------------------------------------------------------


def daily_series(conn: Connection, day_from: str, day_to: str) -> List[dict]:
    query = (
        sa.select(
            daily_t.c.day,
            sa.func.sum(daily_t.c.conversations),
            sa.func.sum(daily_t.c.user_messages),
            sa.func.sum(daily_t.c.fallback_messages),
            sa.func.sum(daily_t.c.unanswered_messages),
        )
        .where(daily_t.c.day >= day_from, daily_t.c.day <= day_to)
        .group_by(daily_t.c.day)
        .order_by(daily_t.c.day)
    )
    return [
        dict(
            day=d,
            conversations=int(c or 0),
            messages=int(m or 0),
            fallbacks=int(f or 0),
            unanswered=int(u or 0),
        )
        for d, c, m, f, u in conn.execute(query)
    ]


def by_channel(conn: Connection, day_from: str, day_to: str) -> List[dict]:
    query = (
        sa.select(
            daily_t.c.channel,
            sa.func.sum(daily_t.c.conversations),
            sa.func.sum(daily_t.c.user_messages),
            sa.func.sum(daily_t.c.fallback_messages),
            sa.func.sum(daily_t.c.unanswered_messages),
        )
        .where(daily_t.c.day >= day_from, daily_t.c.day <= day_to)
        .group_by(daily_t.c.channel)
        .order_by(sa.func.sum(daily_t.c.user_messages).desc())
    )
    return [
        dict(
            channel=ch or "",
            conversations=int(c or 0),
            messages=int(m or 0),
            fallbacks=int(f or 0),
            unanswered=int(u or 0),
        )
        for ch, c, m, f, u in conn.execute(query)
    ]


def facet_counts(
    conn: Connection, kind: str, day_from: str, day_to: str, limit: int = 15
) -> List[Tuple[str, int]]:
    """The intents or areas of the conversations that began between the two days (inclusive),
    most frequent first (console_daily_facets: no scan of the conversations)."""
    t = DailyFacet.__table__
    total = sa.func.sum(t.c.conversations)
    query = (
        sa.select(t.c.value, total)
        .where(t.c.kind == kind, t.c.day >= day_from, t.c.day <= day_to)
        .group_by(t.c.value)
        .order_by(total.desc(), t.c.value)
        .limit(limit)
    )
    return [(value, int(n)) for value, n in conn.execute(query)]
