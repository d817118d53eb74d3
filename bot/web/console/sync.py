"""Keep the console's summary tables up to date from Rasa's `events` table.

Incremental by event id: each run reads events with id > last synced id, in
id order, in batches, and folds them into one summary row per conversation
(sender_id), the facet rows used by the intent/area filters, the NLU inbox,
the daily counters and the streaming view's tables (streaming.py).

Every turn is judged answered or unanswered (bot.web.console.unanswered, the
one definition). A verdict can still change while the next two turns arrive
(a rephrasing, a conversation that ends after a re-ask), so the summary row
keeps the facts of the last few turns (`turn_tail`) and each run judges them
again: the conversation's unanswered count, the daily counter and the NLU
inbox (which holds the unanswered turns) follow every change. Runs are serialised by first writing the sync-state row
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
from bot.web.console.store import (
    ConversationFacet,
    ConversationSummary,
    DailyFacet,
    DailyStat,
    NluInboxItem,
    SyncState,
)
from bot.web.console.streaming import StreamingFold
from bot.web.console.unanswered import Message, Reply, judge, message_facts, text_key

logger = logging.getLogger(__name__)

STATE_NAME = "events"
GAP_GRACE_SECONDS = 30.0
SEARCH_TEXT_LIMIT = 4000
_CHUNK = 400

summary_t = ConversationSummary.__table__
facet_t = ConversationFacet.__table__
daily_t = DailyStat.__table__
daily_facet_t = DailyFacet.__table__
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


TAIL_TURNS = 4  # the turns kept per conversation to judge new ones (unanswered.judge looks 2 ahead, 1 back)


@dataclass
class _Conv:
    row: dict
    is_new: bool
    intents: Set[str] = field(default_factory=set)
    areas: Set[str] = field(default_factory=set)
    new_intents: Set[str] = field(default_factory=set)
    new_areas: Set[str] = field(default_factory=set)
    search_parts: List[str] = field(default_factory=list)
    # The last turns (unanswered.Message / Reply facts, no text; verdict) and whether
    # they still start at the conversation's first turn; a session started and not
    # yet followed by a user message. Stored as JSON in console_conversations.turn_tail.
    tail: List[dict] = field(default_factory=list)
    from_start: bool = True
    session_pending: bool = False
    texts: Dict[int, str] = field(default_factory=dict)  # user texts seen in this batch

    def load_tail(self, stored: str) -> None:
        if stored:
            data = json.loads(stored)
            self.tail = [dict(t, m=Message.from_list(t["m"]), r=Reply.from_list(t["r"])) for t in data["t"]]
            self.from_start, self.session_pending = data["f"], data["s"]

    def dump_tail(self) -> str:
        tail = [dict(t, m=t["m"].as_list(), r=t["r"].as_list()) for t in self.tail]
        return json.dumps({"t": tail, "f": self.from_start, "s": self.session_pending}, ensure_ascii=False)


def _new_row(sender_id: str, ts: float) -> dict:
    return dict(
        sender_id=sender_id,
        channel="",
        first_ts=ts,
        last_ts=ts,
        user_messages=0,
        bot_messages=0,
        has_fallback=False,
        unanswered_turns=0,
        has_unanswered=False,
        turn_tail="",
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
    def __init__(self, conn: Connection):
        self.conn = conn
        self.convs: Dict[str, _Conv] = {}
        self.daily: Dict[tuple, List[int]] = {}
        # NLU inbox changes: items to add (event id -> row), to drop while still open, reasons to update
        self.inbox_add: Dict[int, dict] = {}
        self.inbox_drop: Set[int] = set()
        self.inbox_reason: Dict[int, str] = {}
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
                conv.load_tail(row["turn_tail"])
                self.convs[row["sender_id"]] = conv
        self.streaming.load(ids)

    def _daily(self, ts: float, channel: str) -> List[int]:
        key = (vn_day(ts), channel or "")
        return self.daily.setdefault(key, [0, 0, 0, 0])  # conversations, messages, fallbacks, unanswered

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
            if conv.tail:
                self._reply(conv).add_bubble(data.get("text") or "")
        elif kind == "action":
            name = event.action_name or data.get("name") or ""
            if name in FALLBACK_ACTIONS:
                self._fallback_action(conv)
            if conv.tail and name != "action_listen":
                self._reply(conv).add_action(name)
        elif kind == "session_started":
            conv.session_pending = True
        elif kind == "slot":
            name, value = data.get("name"), data.get("value")
            if name == "user_role" and value:
                row["user_role"] = str(value)[:32]
            elif name == "area":
                for area in _as_values(value):
                    self._add(conv, "area", area)

    @staticmethod
    def _reply(conv: _Conv) -> Reply:
        """The latest turn's reply facts (the events after a user message belong to it)."""
        return conv.tail[-1]["r"]

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
        if not row["preview"] and text and not text.startswith("/"):  # not a button's payload ("/greet")
            row["preview"] = text[:300]
        if text:
            conv.search_parts.append(fold(text))
        if intent_name:
            self._add(conv, "intent", intent_name)
        entity_names = []
        for entity in parse.get("entities") or []:
            if not isinstance(entity, dict):
                continue
            entity_names.append(str(entity.get("entity") or ""))
            if entity.get("entity") == "area":
                for area in _as_values(entity.get("value")):
                    self._add(conv, "area", area)
            elif entity.get("entity") == "user_role" and entity.get("value"):
                row["user_role"] = str(entity["value"])[:32]
        if isinstance(confidence, (int, float)) and intent_name != FALLBACK_INTENT:
            row["min_confidence"] = (
                confidence if row["min_confidence"] is None else min(row["min_confidence"], confidence)
            )
        predicted, predicted_conf = intent_name, confidence
        fallback = intent_name == FALLBACK_INTENT
        if fallback:
            row["has_fallback"] = True
            counters[2] += 1
            predicted, predicted_conf = _top_real_intent(parse)
            if isinstance(predicted_conf, (int, float)):
                row["min_confidence"] = (
                    predicted_conf
                    if row["min_confidence"] is None
                    else min(row["min_confidence"], predicted_conf)
                )
        message = message_facts(
            text, intent_name, entities=entity_names, new_session=conv.session_pending and bool(conv.tail)
        )
        conv.session_pending = False
        self._settle(conv)  # the previous turn's reply is complete
        conv.tail.append(
            dict(
                e=event.id,
                ts=ts,
                m=message,
                r=Reply(),
                v="",
                p=(predicted or "")[:255],
                c=predicted_conf if isinstance(predicted_conf, (int, float)) else None,
                f=fallback,
            )
        )
        conv.texts[event.id] = text
        if len(conv.tail) > TAIL_TURNS:
            del conv.tail[: len(conv.tail) - TAIL_TURNS]
            conv.from_start = False

    def _fallback_action(self, conv: _Conv) -> None:
        """Rasa's own fallback (the "fallback" filter and counter): the turn counts once."""
        conv.row["has_fallback"] = True
        if conv.tail and not conv.tail[-1]["f"]:
            turn = conv.tail[-1]
            turn["f"] = True
            self._daily(float(turn["ts"]), conv.row["channel"])[2] += 1

    def _settle(self, conv: _Conv) -> None:
        """Judge the tail again and apply what changed: counters, the conversation's flag,
        the NLU inbox. The first stored turn only gives context once the tail was cut."""
        if not conv.tail:
            return
        judged = judge([(t["m"], t["r"]) for t in conv.tail])
        for index, (turn, verdict) in enumerate(zip(conv.tail, judged)):
            if index == 0 and not conv.from_start:
                continue
            new = verdict.reason if verdict.unanswered else ""
            old = turn["v"]
            if new == old:
                continue
            turn["v"] = new
            delta = int(bool(new)) - int(bool(old))
            if delta:
                conv.row["unanswered_turns"] += delta
                self._daily(float(turn["ts"]), conv.row["channel"])[3] += delta
            event_id = int(turn["e"])
            if new and not old:
                self.inbox_drop.discard(event_id)
                self.inbox_add[event_id] = self._inbox_new(conv, turn)
            elif old and not new:
                if self.inbox_add.pop(event_id, None) is None:
                    self.inbox_drop.add(event_id)
            elif event_id in self.inbox_add:
                self.inbox_add[event_id]["reason"] = new
            else:
                self.inbox_reason[event_id] = new
        conv.row["has_unanswered"] = conv.row["unanswered_turns"] > 0

    def _inbox_new(self, conv: _Conv, turn: dict) -> dict:
        event_id = int(turn["e"])
        return dict(
            event_id=event_id,
            sender_id=conv.row["sender_id"],
            timestamp=float(turn["ts"]),
            text=conv.texts.get(event_id),  # None: read from `events` when written
            group_key=None,
            predicted_intent=turn["p"] or "",
            confidence=turn["c"],
            reason=turn["v"],
            status="open",
            corrected_intent=None,
            corrected_entities=None,
            corrected_by=None,
            corrected_at=None,
        )

    def write(self) -> None:
        conn = self.conn
        self.streaming.write([conv.row for conv in self.convs.values()])
        inserts, updates, facets = [], [], []
        for conv in self.convs.values():
            self._settle(conv)
            row = conv.row
            row["intents"] = " ".join(sorted(conv.intents))
            row["areas"] = " ".join(sorted(conv.areas))
            row["turn_tail"] = conv.dump_tail()
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
            conv.texts.clear()
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
            self._count_facets(facets)
        self._write_inbox()
        for (day, channel), (conversations, messages, fallbacks, unanswered) in self.daily.items():
            result = conn.execute(
                daily_t.update()
                .where(daily_t.c.day == day, daily_t.c.channel == channel)
                .values(
                    conversations=daily_t.c.conversations + conversations,
                    user_messages=daily_t.c.user_messages + messages,
                    fallback_messages=daily_t.c.fallback_messages + fallbacks,
                    unanswered_messages=daily_t.c.unanswered_messages + unanswered,
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
                        unanswered_messages=unanswered,
                    )
                )
        self.daily.clear()

    def _count_facets(self, facets: List[dict]) -> None:
        """Each new (conversation, intent/area) counts once, on the day the conversation began."""
        counts: Dict[tuple, int] = {}
        for facet in facets:
            key = (vn_day(self.convs[facet["sender_id"]].row["first_ts"]), facet["kind"], facet["value"])
            counts[key] = counts.get(key, 0) + 1
        t = daily_facet_t
        for (day, kind, value), n in counts.items():
            where = (t.c.day == day, t.c.kind == kind, t.c.value == value)
            if (
                self.conn.execute(
                    t.update().where(*where).values(conversations=t.c.conversations + n)
                ).rowcount
                == 0
            ):
                self.conn.execute(t.insert().values(day=day, kind=kind, value=value, conversations=n))

    def _write_inbox(self) -> None:
        conn = self.conn
        drop = sorted(self.inbox_drop)
        for i in range(0, len(drop), _CHUNK):
            conn.execute(
                inbox_t.delete().where(
                    inbox_t.c.event_id.in_(drop[i : i + _CHUNK]), inbox_t.c.status == "open"
                )
            )
        for event_id, reason in self.inbox_reason.items():
            conn.execute(inbox_t.update().where(inbox_t.c.event_id == event_id).values(reason=reason))
        items = self.inbox_add
        ids = sorted(items)
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            # an item a counsellor already decided on stays as it is (its turn went answered and back)
            for (event_id,) in conn.execute(
                sa.select(inbox_t.c.event_id).where(inbox_t.c.event_id.in_(chunk))
            ):
                conn.execute(
                    inbox_t.update()
                    .where(inbox_t.c.event_id == event_id)
                    .values(reason=items.pop(event_id)["reason"])
                )
            missing = [e for e in chunk if e in items and items[e]["text"] is None]
            if missing:
                for event in conn.execute(
                    sa.select(events_t.c.id, events_t.c.data).where(events_t.c.id.in_(missing))
                ):
                    try:
                        items[event.id]["text"] = (json.loads(event.data) if event.data else {}).get(
                            "text"
                        ) or ""
                    except ValueError:
                        items[event.id]["text"] = ""
        rows = [dict(r, text=r["text"] or "", group_key=text_key(r["text"] or "")) for r in items.values()]
        if rows:
            conn.execute(inbox_t.insert(), rows)
        self.inbox_add, self.inbox_drop, self.inbox_reason = {}, set(), {}


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
            batch = _Batch(conn)
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
