"""Keep the console's summary tables up to date from Rasa's `events` table.

Incremental by event id: each run reads events with id > last synced id, in
id order, in batches, and folds them into one summary row per conversation
(sender_id), the facet rows used by the intent/area filters, the NLU inbox,
the daily counters and the streaming view's tables (streaming.py). Runs are serialised by first writing the sync-state row
(a row lock on PostgreSQL, the write lock on SQLite), so two page loads never
count an event twice.

PostgreSQL hands out ids before commit, so a slower transaction may commit a
lower id after a higher one is visible. A run therefore stops before an id gap
whose next event is younger than GAP_GRACE_SECONDS; an older gap is a rolled
back insert and is skipped.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Set

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.db import utcnow
from bot.text import fold
from bot.web.console.rasa_names import FALLBACK_ACTIONS, FALLBACK_INTENT
from bot.web.console.settings import VN_TZ
from bot.web.console.store import ConversationFacet, ConversationSummary, DailyStat, NluInboxItem, SyncState
from bot.web.console.streaming import StreamingFold

logger = logging.getLogger(__name__)

STATE_NAME = "events"
GAP_GRACE_SECONDS = 30.0
SEARCH_TEXT_LIMIT = 4000
_CHUNK = 400

summary_t = ConversationSummary.__table__
facet_t = ConversationFacet.__table__
daily_t = DailyStat.__table__
inbox_t = NluInboxItem.__table__
state_t = SyncState.__table__

events_t = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("sender_id", sa.String),
    sa.column("type_name", sa.String),
    sa.column("timestamp", sa.Float),
    sa.column("intent_name", sa.String),
    sa.column("action_name", sa.String),
    sa.column("data", sa.Text),
)


def vn_day(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, VN_TZ).strftime("%Y-%m-%d")


def events_table_exists(conn: Connection) -> bool:
    return sa.inspect(conn).has_table("events")


@dataclass
class _Conv:
    row: dict
    is_new: bool
    intents: Set[str] = field(default_factory=set)
    areas: Set[str] = field(default_factory=set)
    new_intents: Set[str] = field(default_factory=set)
    new_areas: Set[str] = field(default_factory=set)
    search_parts: List[str] = field(default_factory=list)


def _new_row(sender_id: str, ts: float) -> dict:
    return dict(
        sender_id=sender_id,
        channel="",
        first_ts=ts,
        last_ts=ts,
        user_messages=0,
        bot_messages=0,
        has_fallback=False,
        min_confidence=None,
        user_role="",
        intents="",
        areas="",
        preview="",
        search_text="",
        last_event_id=0,
        last_user_event_id=None,
        reviewed=False,
        flagged=False,
        reviewed_by=None,
        reviewed_at=None,
    )


def _top_real_intent(parse_data: dict) -> tuple:
    """For an nlu_fallback message, the intent the model would have chosen."""
    for ranked in parse_data.get("intent_ranking") or []:
        if ranked.get("name") and ranked.get("name") != FALLBACK_INTENT:
            return ranked.get("name"), ranked.get("confidence")
    intent = parse_data.get("intent") or {}
    return intent.get("name") or "", intent.get("confidence")


def _as_values(value) -> List[str]:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v not in (None, "")]
    return [str(value)]


class _Batch:
    def __init__(self, conn: Connection, low_confidence: float):
        self.conn = conn
        self.low_confidence = low_confidence
        self.convs: Dict[str, _Conv] = {}
        self.inbox: Dict[int, dict] = {}  # new or changed inbox rows
        self.inbox_existing: Set[int] = set()
        self.daily: Dict[tuple, List[int]] = {}
        self.streaming = StreamingFold(conn)

    def load(self, sender_ids: Iterable[str]) -> None:
        ids = list(sender_ids)
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            for row in self.conn.execute(
                sa.select(summary_t).where(summary_t.c.sender_id.in_(chunk))
            ).mappings():
                conv = _Conv(row=dict(row), is_new=False)
                conv.intents = set(row["intents"].split())
                conv.areas = set(row["areas"].split())
                self.convs[row["sender_id"]] = conv
        self.streaming.load(ids)

    def _daily(self, ts: float, channel: str) -> List[int]:
        key = (vn_day(ts), channel or "")
        return self.daily.setdefault(key, [0, 0, 0])

    def _inbox_row(self, event_id: int) -> Optional[dict]:
        if event_id in self.inbox:
            return self.inbox[event_id]
        row = self.conn.execute(sa.select(inbox_t).where(inbox_t.c.event_id == event_id)).mappings().first()
        if row is None:
            return None
        self.inbox_existing.add(event_id)
        self.inbox[event_id] = dict(row)
        return self.inbox[event_id]

    def apply(self, event) -> None:
        sender_id = event.sender_id
        ts = float(event.timestamp or 0.0)
        conv = self.convs.get(sender_id)
        if conv is None:
            conv = _Conv(row=_new_row(sender_id, ts), is_new=True)
            self.convs[sender_id] = conv
        row = conv.row
        row["first_ts"] = min(row["first_ts"], ts)
        row["last_ts"] = max(row["last_ts"], ts)
        row["last_event_id"] = max(row["last_event_id"] or 0, event.id)
        try:
            data = json.loads(event.data) if event.data else {}
        except ValueError:
            logger.warning("events.id=%s has invalid JSON; counted without details", event.id)
            data = {}
        kind = event.type_name
        self.streaming.apply(sender_id, kind, event.intent_name, data)
        if kind == "user":
            self._user(conv, event, ts, data)
        elif kind == "bot":
            row["bot_messages"] += 1
        elif kind == "action" and (event.action_name or data.get("name")) in FALLBACK_ACTIONS:
            self._fallback_action(conv)
        elif kind == "slot":
            name, value = data.get("name"), data.get("value")
            if name == "user_role" and value:
                row["user_role"] = str(value)[:32]
            elif name == "area":
                for area in _as_values(value):
                    self._add(conv, "area", area)

    def _add(self, conv: _Conv, kind: str, value: str) -> None:
        value = value[:255]
        known, new = (conv.intents, conv.new_intents) if kind == "intent" else (conv.areas, conv.new_areas)
        if value and value not in known:
            known.add(value)
            new.add(value)

    def _user(self, conv: _Conv, event, ts: float, data: dict) -> None:
        row = conv.row
        parse = data.get("parse_data") or {}
        intent = parse.get("intent") or {}
        intent_name = event.intent_name or intent.get("name") or ""
        confidence = intent.get("confidence")
        channel = data.get("input_channel") or ""
        if not row["channel"] and channel:
            row["channel"] = channel[:64]
        row["user_messages"] += 1
        if row["user_messages"] == 1:
            self._daily(ts, row["channel"])[0] += 1
        counters = self._daily(ts, row["channel"])
        counters[1] += 1
        row["last_user_event_id"] = event.id
        text = data.get("text") or ""
        if not row["preview"] and text:
            row["preview"] = text[:300]
        if text:
            conv.search_parts.append(fold(text))
        if intent_name:
            self._add(conv, "intent", intent_name)
        for entity in parse.get("entities") or []:
            if not isinstance(entity, dict):
                continue
            if entity.get("entity") == "area":
                for area in _as_values(entity.get("value")):
                    self._add(conv, "area", area)
            elif entity.get("entity") == "user_role" and entity.get("value"):
                row["user_role"] = str(entity["value"])[:32]
        if isinstance(confidence, (int, float)) and intent_name != FALLBACK_INTENT:
            row["min_confidence"] = (
                confidence if row["min_confidence"] is None else min(row["min_confidence"], confidence)
            )
        if intent_name == FALLBACK_INTENT:
            row["has_fallback"] = True
            counters[2] += 1
            predicted, predicted_conf = _top_real_intent(parse)
            if isinstance(predicted_conf, (int, float)):
                row["min_confidence"] = (
                    predicted_conf
                    if row["min_confidence"] is None
                    else min(row["min_confidence"], predicted_conf)
                )
            self.inbox[event.id] = self._inbox_new(event, ts, text, predicted, predicted_conf, "fallback")
        elif isinstance(confidence, (int, float)) and confidence < self.low_confidence:
            self.inbox[event.id] = self._inbox_new(event, ts, text, intent_name, confidence, "low_confidence")

    def _inbox_new(self, event, ts, text, intent, confidence, reason) -> dict:
        return dict(
            event_id=event.id,
            sender_id=event.sender_id,
            timestamp=ts,
            text=text or "",
            predicted_intent=(intent or "")[:255],
            confidence=confidence,
            reason=reason,
            status="open",
            corrected_intent=None,
            corrected_entities=None,
            corrected_by=None,
            corrected_at=None,
        )

    def _fallback_action(self, conv: _Conv) -> None:
        row = conv.row
        row["has_fallback"] = True
        user_event_id = row["last_user_event_id"]
        if not user_event_id:
            return
        item = self._inbox_row(user_event_id)
        if item is not None and item["reason"] == "fallback":
            return
        if item is None:
            event = self.conn.execute(sa.select(events_t).where(events_t.c.id == user_event_id)).first()
            if event is None:
                return
            try:
                data = json.loads(event.data) if event.data else {}
            except ValueError:
                data = {}
            intent = (data.get("parse_data") or {}).get("intent") or {}
            item = self._inbox_new(
                event,
                float(event.timestamp or 0),
                data.get("text") or "",
                event.intent_name or intent.get("name"),
                intent.get("confidence"),
                "fallback",
            )
            self.inbox[user_event_id] = item
        else:
            item["reason"] = "fallback"
        self._daily(float(item["timestamp"]), row["channel"])[2] += 1

    def write(self) -> None:
        conn = self.conn
        self.streaming.write([conv.row for conv in self.convs.values()])
        inserts, updates, facets = [], [], []
        for conv in self.convs.values():
            row = conv.row
            row["intents"] = " ".join(sorted(conv.intents))
            row["areas"] = " ".join(sorted(conv.areas))
            if conv.search_parts:
                combined = (row["search_text"] + " " + " ".join(conv.search_parts)).strip()
                row["search_text"] = combined[:SEARCH_TEXT_LIMIT]
            (inserts if conv.is_new else updates).append(row)
            facets += [dict(sender_id=row["sender_id"], kind="intent", value=v) for v in conv.new_intents]
            facets += [dict(sender_id=row["sender_id"], kind="area", value=v) for v in conv.new_areas]
            conv.is_new = False
            conv.new_intents.clear()
            conv.new_areas.clear()
            conv.search_parts.clear()
        if inserts:
            conn.execute(summary_t.insert(), inserts)
        if updates:
            columns = [
                c
                for c in summary_t.c.keys()
                if c not in ("sender_id", "reviewed", "flagged", "reviewed_by", "reviewed_at")
            ]
            stmt = (
                summary_t.update()
                .where(summary_t.c.sender_id == sa.bindparam("b_sender_id"))
                .values({c: sa.bindparam(f"b_{c}") for c in columns})
            )
            conn.execute(
                stmt, [dict({f"b_{c}": r[c] for c in columns}, b_sender_id=r["sender_id"]) for r in updates]
            )
        if facets:
            conn.execute(facet_t.insert(), facets)
        new_items = [r for k, r in self.inbox.items() if k not in self.inbox_existing]
        if new_items:
            conn.execute(inbox_t.insert(), new_items)
        for event_id in self.inbox_existing:
            conn.execute(
                inbox_t.update()
                .where(inbox_t.c.event_id == event_id)
                .values(reason=self.inbox[event_id]["reason"])
            )
        self.inbox.clear()
        self.inbox_existing.clear()
        for (day, channel), (conversations, messages, fallbacks) in self.daily.items():
            result = conn.execute(
                daily_t.update()
                .where(daily_t.c.day == day, daily_t.c.channel == channel)
                .values(
                    conversations=daily_t.c.conversations + conversations,
                    user_messages=daily_t.c.user_messages + messages,
                    fallback_messages=daily_t.c.fallback_messages + fallbacks,
                )
            )
            if result.rowcount == 0:
                conn.execute(
                    daily_t.insert().values(
                        day=day,
                        channel=channel,
                        conversations=conversations,
                        user_messages=messages,
                        fallback_messages=fallbacks,
                    )
                )
        self.daily.clear()


def _lock_state(conn: Connection) -> int:
    """Take the sync lock (write the state row) and return the last synced id."""
    now = utcnow()
    result = conn.execute(state_t.update().where(state_t.c.name == STATE_NAME).values(updated_at=now))
    if result.rowcount == 0:
        conn.execute(state_t.insert().values(name=STATE_NAME, last_event_id=0, updated_at=now))
    return int(
        conn.execute(sa.select(state_t.c.last_event_id).where(state_t.c.name == STATE_NAME)).scalar_one()
    )


def sync_events(
    engine: Engine,
    *,
    low_confidence: float = 0.6,
    batch_size: int = 5000,
    max_events: Optional[int] = None,
    now: Optional[float] = None,
) -> int:
    """Fold new events into the summary tables; returns how many events were processed."""
    with engine.connect() as probe:
        if not events_table_exists(probe):
            return 0
    processed = 0
    now = time.time() if now is None else now
    while max_events is None or processed < max_events:
        limit = batch_size if max_events is None else min(batch_size, max_events - processed)
        with engine.begin() as conn:
            last_id = _lock_state(conn)
            rows = conn.execute(
                sa.select(events_t).where(events_t.c.id > last_id).order_by(events_t.c.id).limit(limit)
            ).all()
            if not rows:
                return processed
            usable = []
            expected = last_id + 1 if last_id else rows[0].id
            for event in rows:
                if event.id != expected and (now - float(event.timestamp or 0)) < GAP_GRACE_SECONDS:
                    break  # a lower id may still be committing
                usable.append(event)
                expected = event.id + 1
            if not usable:
                return processed
            batch = _Batch(conn, low_confidence)
            batch.load({e.sender_id for e in usable})
            for event in usable:
                batch.apply(event)
            batch.write()
            conn.execute(
                state_t.update().where(state_t.c.name == STATE_NAME).values(last_event_id=usable[-1].id)
            )
            processed += len(usable)
            if len(usable) < len(rows) or len(rows) < limit:
                return processed
    return processed
