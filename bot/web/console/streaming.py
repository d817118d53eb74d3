"""The streaming view's data (phân luồng, issue 16): anonymous, aggregate only.

Counted from what is stored, never guessed:
- a conversation (Rasa sender_id) with at least one user message counts once, in the
  Vietnam month of its first event, with the user's role (`user_role` slot: student,
  parent or not said), its area (the last value of the `area` slot; not said: "")
  and its answer to the streaming question (the `lean` slot, bot/lean.py; not
  answered: "");
- its topics: the intents of its messages (small talk and answers excluded) and the
  occupations it named (`occupation` entities), each counted once per conversation.

`StreamingFold` is driven by the console sync (bot/web/console/sync.py) and keeps
two aggregate tables by deltas: `console_streaming_stats` (month, area, role, lean)
and `console_streaming_topics` (month, area, kind, value). A conversation whose area,
role or answer changes moves from one cell to another. The per-conversation state
(`console_streaming_conversations`) is deleted with the conversation (retention,
erasure); the aggregates are numbers without personal data and stay, like the daily
counters, so the province's figures cover more than the retention period.

Display rules (`suppress`): a cell of 1 to 4 conversations is hidden ("< 5"), and
so is any further cell that would let a hidden one be worked out by subtraction
from a total shown on the page ("ẩn").
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot import lean
from bot.db import Base
from bot.web.console.rasa_names import FALLBACK_INTENT
from bot.web.console.settings import VN_TZ

K_ANONYMITY = 5
SMALL, DERIVED = "small", "derived"  # why a cell is hidden: "< 5" / would reveal a "< 5" cell
# Intents that are not a topic a family asks about: small talk, answers, meta requests.
NON_TOPIC_INTENTS = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "affirm",
        "deny",
        "bot_challenge",
        "out_of_scope",
        "inform",
        "stop",
        "ask_sources",
        "delete_my_data",
        "request_human",
        "tell_lean",
        FALLBACK_INTENT,
    }
)
_CHUNK = 400


class StreamingConversation(Base):
    """Where one conversation is counted (deleted with the conversation)."""

    __tablename__ = "console_streaming_conversations"

    sender_id = sa.Column(sa.String(255), primary_key=True)
    month = sa.Column(sa.String(7), nullable=False)  # YYYY-MM, Vietnam time
    user_role = sa.Column(sa.String(16), nullable=False, default="")
    area = sa.Column(sa.String(255), nullable=False, default="")
    lean = sa.Column(sa.String(16), nullable=False, default="")
    topics = sa.Column(sa.Text, nullable=False, default="[]")  # JSON [[kind, value], ...] counted


class StreamingStat(Base):
    """Conversations per month, area, role and answer (kept after the conversations go)."""

    __tablename__ = "console_streaming_stats"

    month = sa.Column(sa.String(7), primary_key=True)
    area = sa.Column(sa.String(255), primary_key=True)
    user_role = sa.Column(sa.String(16), primary_key=True)
    lean = sa.Column(sa.String(16), primary_key=True)
    conversations = sa.Column(sa.Integer, nullable=False, default=0)


class StreamingTopic(Base):
    """Conversations per month, area and topic (kind "intent" or "occupation")."""

    __tablename__ = "console_streaming_topics"

    month = sa.Column(sa.String(7), primary_key=True)
    area = sa.Column(sa.String(255), primary_key=True)
    kind = sa.Column(sa.String(16), primary_key=True)
    value = sa.Column(sa.String(255), primary_key=True)
    conversations = sa.Column(sa.Integer, nullable=False, default=0)


conv_t = StreamingConversation.__table__
stat_t = StreamingStat.__table__
topic_t = StreamingTopic.__table__


def vn_month(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, VN_TZ).strftime("%Y-%m")


def _last_value(value) -> Optional[str]:
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    if value in (None, ""):
        return None
    return str(value)[:255]


@dataclass
class _Seen:
    """What this sync batch saw of one conversation."""

    area: Optional[str] = None
    lean: Optional[str] = None
    topics: Set[Tuple[str, str]] = field(default_factory=set)


class StreamingFold:
    """Folds one sync batch into the streaming tables (called by sync._Batch)."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.known: Dict[str, dict] = {}
        self.seen: Dict[str, _Seen] = {}

    def load(self, sender_ids: Sequence[str]) -> None:
        for i in range(0, len(sender_ids), _CHUNK):
            chunk = list(sender_ids[i : i + _CHUNK])
            for row in self.conn.execute(sa.select(conv_t).where(conv_t.c.sender_id.in_(chunk))).mappings():
                self.known[row["sender_id"]] = dict(row)

    def apply(self, sender_id: str, kind: str, intent_name: str, data: dict) -> None:
        if kind == "slot":
            name = data.get("name")
            if name == "area":
                area = _last_value(data.get("value"))
                if area:
                    self.seen.setdefault(sender_id, _Seen()).area = area
            elif name == "lean" and lean.is_lean(data.get("value")):
                self.seen.setdefault(sender_id, _Seen()).lean = data["value"]
        elif kind == "user":
            seen = self.seen.setdefault(sender_id, _Seen())
            intent = intent_name or ((data.get("parse_data") or {}).get("intent") or {}).get("name") or ""
            if intent and intent not in NON_TOPIC_INTENTS:
                seen.topics.add(("intent", intent[:255]))
            for entity in (data.get("parse_data") or {}).get("entities") or []:
                if isinstance(entity, dict) and entity.get("entity") == "occupation":
                    value = _last_value(entity.get("value"))
                    if value:
                        seen.topics.add(("occupation", value))

    def write(self, summaries: Iterable[dict]) -> None:
        """`summaries`: the batch's conversation summary rows (after the batch was applied)."""
        stats: Dict[Tuple[str, str, str, str], int] = {}
        topics: Dict[Tuple[str, str, str, str], int] = {}
        inserts, updates = [], []

        def add(table: dict, key: tuple, delta: int) -> None:
            table[key] = table.get(key, 0) + delta

        for row in summaries:
            if not row["user_messages"]:
                continue
            sender_id = row["sender_id"]
            old = self.known.get(sender_id)
            seen = self.seen.get(sender_id) or _Seen()
            role = row["user_role"] if row["user_role"] in ("student", "parent") else ""
            old_topics = {tuple(t) for t in json.loads(old["topics"])} if old else set()
            new = dict(
                sender_id=sender_id,
                month=old["month"] if old else vn_month(row["first_ts"]),
                user_role=role,
                area=seen.area or (old["area"] if old else ""),
                lean=seen.lean or (old["lean"] if old else ""),
            )
            all_topics = old_topics | seen.topics
            new["topics"] = json.dumps(sorted(all_topics), ensure_ascii=False)
            key = (new["month"], new["area"], new["user_role"], new["lean"])
            if old is None:
                add(stats, key, 1)
                for kind, value in all_topics:
                    add(topics, (new["month"], new["area"], kind, value), 1)
                inserts.append(new)
                self.known[sender_id] = new
                continue
            old_key = (old["month"], old["area"], old["user_role"], old["lean"])
            if old_key != key:
                add(stats, old_key, -1)
                add(stats, key, 1)
            if old["area"] == new["area"]:
                for kind, value in all_topics - old_topics:
                    add(topics, (new["month"], new["area"], kind, value), 1)
            else:
                for kind, value in old_topics:
                    add(topics, (old["month"], old["area"], kind, value), -1)
                for kind, value in all_topics:
                    add(topics, (new["month"], new["area"], kind, value), 1)
            if any(new[c] != old[c] for c in ("user_role", "area", "lean", "topics")):
                updates.append(new)
                self.known[sender_id] = new
        self.seen.clear()
        conn = self.conn
        if inserts:
            conn.execute(conv_t.insert(), inserts)
        if updates:
            conn.execute(
                conv_t.update()
                .where(conv_t.c.sender_id == sa.bindparam("b_sender_id"))
                .values({c: sa.bindparam(f"b_{c}") for c in ("user_role", "area", "lean", "topics")}),
                [{f"b_{k}": v for k, v in u.items() if k != "month"} for u in updates],
            )
        _add_counts(conn, stat_t, ("month", "area", "user_role", "lean"), stats)
        _add_counts(conn, topic_t, ("month", "area", "kind", "value"), topics)


def _add_counts(conn: Connection, table: sa.Table, columns: Sequence[str], deltas: Dict[tuple, int]) -> None:
    for key, delta in sorted(deltas.items()):
        if not delta:
            continue
        where = [table.c[c] == v for c, v in zip(columns, key)]
        result = conn.execute(
            table.update().where(*where).values(conversations=table.c.conversations + delta)
        )
        if result.rowcount == 0:
            conn.execute(table.insert().values(**dict(zip(columns, key)), conversations=delta))


def delete_conversations(conn: Connection, sender_ids: Sequence[str]) -> None:
    """Forget where these conversations were counted (the aggregates stay)."""
    if sender_ids:
        conn.execute(conv_t.delete().where(conv_t.c.sender_id.in_(list(sender_ids))))


# --- reading ---------------------------------------------------------------------


def lean_counts(conn: Connection, month_from: str, month_to: str) -> List[Tuple[str, str, str, str, int]]:
    """(month, area, role, lean, conversations) with conversations > 0 in [month_from, month_to]."""
    c = stat_t.c
    query = (
        sa.select(c.month, c.area, c.user_role, c.lean, c.conversations)
        .where(c.month >= month_from, c.month <= month_to, c.conversations > 0)
        .order_by(c.month, c.area, c.user_role, c.lean)
    )
    return [tuple(r) for r in conn.execute(query)]


def topic_counts(conn: Connection, month_from: str, month_to: str) -> List[Tuple[str, str, str, int]]:
    """(area, kind, value, conversations) summed over [month_from, month_to]."""
    c = topic_t.c
    total = sa.func.sum(c.conversations)
    query = (
        sa.select(c.area, c.kind, c.value, total)
        .where(c.month >= month_from, c.month <= month_to)
        .group_by(c.area, c.kind, c.value)
        .having(total > 0)
    )
    return [(a, k, v, int(n)) for a, k, v, n in conn.execute(query)]


# --- privacy: k-anonymity with complementary suppression ---------------------------


def suppress(cells: Dict[tuple, int], equations: Sequence[Tuple[Sequence[tuple], tuple]]) -> Dict[tuple, str]:
    """Which cells to hide: {key: "" | SMALL | DERIVED}.

    `equations`: (parts, total) with sum(parts) == total, for every total the page
    shows. A cell of 1 to K_ANONYMITY - 1 is hidden (SMALL). Then, while some
    equation has exactly one hidden member (it could be worked out by subtraction),
    its smallest shown non-zero member is hidden too (DERIVED; parts before totals).
    Zero cells are shown: a zero names nobody.
    """
    status = {key: SMALL if 0 < value < K_ANONYMITY else "" for key, value in cells.items()}
    changed = True
    while changed:
        changed = False
        for parts, total in equations:
            members = [*parts, total]
            hidden = [m for m in members if status[m]]
            if len(hidden) != 1:
                continue
            shown = [m for m in members if not status[m] and cells[m] > 0]
            if not shown:
                continue
            pick = min(shown, key=lambda m: (m == total, cells[m]))
            status[pick] = DERIVED
            changed = True
    return status


# --- the page's tables ---------------------------------------------------------------

# Displayed count columns, in order. conversations = student + parent + role_unknown;
# answered = the sum of the answers (bot.lean.LEANS).
ROLE_COLUMNS = ("student", "parent", "role_unknown")
COLUMNS = ("conversations", *ROLE_COLUMNS, "answered", *lean.LEANS)
UNKNOWN_AREA = ""


@dataclass(frozen=True)
class Place:
    """Where an `area` slot value lies: its former district and, when the value names
    one commune/ward of today (or a former commune merged into one), that unit."""

    district: str = UNKNOWN_AREA  # "" = not said, a province, or not in the catalogue
    district_name: str = ""
    commune: str = ""  # "" = only the former district is known
    commune_name: str = ""


@dataclass
class Row:
    key: tuple
    label: str
    level: str  # "total" | "district" | "commune" | "month"
    values: Dict[str, int]
    hidden: Dict[str, str] = field(default_factory=dict)  # column -> SMALL / DERIVED

    def shown(self, column: str) -> bool:
        return not self.hidden.get(column)

    @property
    def share(self) -> Optional[float]:
        """Share of vocational answers (bot.lean.VOCATIONAL) among the answers; None when
        nobody answered or when it would reveal a hidden cell."""
        if not self.values["answered"] or not all(self.shown(c) for c in ("answered", *lean.VOCATIONAL)):
            return None
        return sum(self.values[c] for c in lean.VOCATIONAL) / self.values["answered"]

    @property
    def share_hidden(self) -> bool:
        return bool(self.values["answered"]) and self.share is None


@dataclass
class TopicCell:
    kind: str
    value: str
    conversations: int


@dataclass
class StreamingReport:
    month_from: str
    month_to: str
    total: Row
    districts: List[Row]
    communes: List[Row]  # grouped by district, each group after its district's row
    months: List[Row]
    topics: Dict[str, List[TopicCell]]  # "d:<district>" ("" = everything) -> shown cells, most asked first

    def commune_table(self) -> List[Row]:
        """Each former district's row followed by its communes/wards of today."""
        out = []
        for district in self.districts:
            children = [r for r in self.communes if r.key[1] == district.key[1]]
            if children:
                out += [district, *children]
        return out


def _empty() -> Dict[str, int]:
    return {c: 0 for c in COLUMNS}


def _add_record(values: Dict[str, int], role: str, answer: str, n: int) -> None:
    values["conversations"] += n
    values[role if role in ("student", "parent") else "role_unknown"] += n
    if answer in lean.LEANS:
        values["answered"] += n
        values[answer] += n


def month_range(month_from: str, month_to: str) -> List[str]:
    year, month = int(month_from[:4]), int(month_from[5:])
    out = []
    while f"{year:04d}-{month:02d}" <= month_to:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def month_label(month: str) -> str:
    return f"Tháng {int(month[5:])}/{month[:4]}"


def build_report(
    counts: Sequence[Tuple[str, str, str, str, int]],
    topic_rows: Sequence[Tuple[str, str, str, int]],
    places: Dict[str, Place],
    month_from: str,
    month_to: str,
) -> StreamingReport:
    """The page's tables from `lean_counts` / `topic_counts`, cells hidden by `suppress`.

    `places`: area slot value -> Place (values missing from it count as "not said")."""
    total = _empty()
    by_district: Dict[str, Dict[str, int]] = {}
    by_commune: Dict[Tuple[str, str], Dict[str, int]] = {}
    by_month: Dict[str, Dict[str, int]] = {m: _empty() for m in month_range(month_from, month_to)}
    names: Dict[str, str] = {}
    for month, area, role, answer, n in counts:
        place = places.get(area) or Place()
        names[place.district] = place.district_name
        names[f"{place.district}/{place.commune}"] = place.commune_name
        for values in (
            total,
            by_district.setdefault(place.district, _empty()),
            by_commune.setdefault((place.district, place.commune), _empty()),
            by_month.setdefault(month, _empty()),
        ):
            _add_record(values, role, answer, n)

    total_row = Row(("total",), "Toàn bộ", "total", total)
    district_order = sorted(by_district, key=lambda d: (d == UNKNOWN_AREA, names.get(d, "")))
    districts, communes = [], []
    for district in district_order:
        label = names.get(district) or "Chưa rõ địa bàn"
        districts.append(Row(("district", district), label, "district", by_district[district]))
        if district == UNKNOWN_AREA:
            continue
        children = sorted(
            (c for d, c in by_commune if d == district),
            key=lambda c: (c == "", names.get(f"{district}/{c}", "")),
        )
        for commune in children:
            label = names.get(f"{district}/{commune}") or "Chỉ nêu huyện cũ, chưa rõ xã"
            communes.append(
                Row(("commune", district, commune), label, "commune", by_commune[(district, commune)])
            )
    months = [Row(("month", m), month_label(m), "month", v) for m, v in sorted(by_month.items())]

    cells: Dict[tuple, int] = {}
    equations: List[Tuple[List[tuple], tuple]] = []
    rows = [total_row, *districts, *communes, *months]
    for row in rows:
        for column in COLUMNS:
            cells[(row.key, column)] = row.values[column]
        equations.append(([(row.key, c) for c in ROLE_COLUMNS], (row.key, "conversations")))
        equations.append(([(row.key, c) for c in lean.LEANS], (row.key, "answered")))
    for column in COLUMNS:
        equations.append(([(r.key, column) for r in districts], (total_row.key, column)))
        equations.append(([(r.key, column) for r in months], (total_row.key, column)))
        for district in districts:
            children = [r.key for r in communes if r.key[1] == district.key[1]]
            if children:
                equations.append(([(k, column) for k in children], (district.key, column)))
    status = suppress(cells, equations)
    for row in rows:
        row.hidden = {c: status[(row.key, c)] for c in COLUMNS if status[(row.key, c)]}

    return StreamingReport(
        month_from=month_from,
        month_to=month_to,
        total=total_row,
        districts=districts,
        communes=communes,
        months=months,
        topics=_topics(topic_rows, places),
    )


def _topics(
    topic_rows: Sequence[Tuple[str, str, str, int]], places: Dict[str, Place]
) -> Dict[str, List[TopicCell]]:
    """Topics per former district and for the whole province, hidden cells left out."""
    cells: Dict[tuple, int] = {}
    for area, kind, value, n in topic_rows:
        district = (places.get(area) or Place()).district
        for key in ((district, kind, value), (None, kind, value)):
            cells[key] = cells.get(key, 0) + n
    equations = []
    for kind, value in {(k, v) for _, k, v in cells}:
        parts = [(d, k, v) for d, k, v in cells if d is not None and (k, v) == (kind, value)]
        equations.append((parts, (None, kind, value)))
    status = suppress(cells, equations)
    out: Dict[str, List[TopicCell]] = {}
    for (district, kind, value), n in cells.items():
        if not status[(district, kind, value)]:
            out.setdefault("" if district is None else f"d:{district}", []).append(TopicCell(kind, value, n))
    for items in out.values():
        items.sort(key=lambda t: (-t.conversations, t.kind, t.value))
    return out


# --- counting again from the stored events ------------------------------------------


def rebuild(engine, batch_size: int = 5000) -> int:
    """Count the streaming tables again from the events still stored, up to the last
    synced event; returns the number of conversations counted.

    For a database that held conversations before these tables existed (run once after
    the upgrade: `python -m bot console streaming-rebuild`). Conversations already
    deleted by retention are not in the events any more, so their numbers are lost.
    Holds the sync lock throughout, so page loads wait instead of counting twice.
    """
    from bot.web.console.store import ConversationSummary
    from bot.web.console.sync import _lock_state, events_t, events_table_exists

    summary_t = ConversationSummary.__table__
    with engine.begin() as conn:
        last_id = _lock_state(conn)
        for table in (conv_t, stat_t, topic_t):
            conn.execute(table.delete())
        if not events_table_exists(conn):
            return 0
        after = 0
        while True:
            rows = conn.execute(
                sa.select(events_t)
                .where(events_t.c.id > after, events_t.c.id <= last_id)
                .order_by(events_t.c.id)
                .limit(batch_size)
            ).all()
            if not rows:
                break
            senders = sorted({r.sender_id for r in rows})
            fold = StreamingFold(conn)
            fold.load(senders)
            for event in rows:
                try:
                    data = json.loads(event.data) if event.data else {}
                except ValueError:
                    data = {}
                fold.apply(event.sender_id, event.type_name, event.intent_name, data)
            summaries = []
            for i in range(0, len(senders), _CHUNK):
                query = sa.select(summary_t).where(summary_t.c.sender_id.in_(senders[i : i + _CHUNK]))
                summaries += [dict(r) for r in conn.execute(query).mappings()]
            fold.write(summaries)
            after = rows[-1].id
        return int(conn.execute(sa.select(sa.func.count()).select_from(conv_t)).scalar_one())
