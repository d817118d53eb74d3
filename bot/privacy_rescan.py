"""`python -m bot privacy rescan`: mask personal data already stored.

Rows written before a masking rule existed (or by an older version) may hold a
phone number, an e-mail or an ID number. The rescan applies today's
`bot.privacy` rules to everything the assistant stored and the console shows:

- `events.data` (Rasa's tracker store; entity offsets re-aligned);
- the console summaries built from it: `console_conversations.preview` and
  `.search_text` are rebuilt from the re-masked events of the conversations
  that changed (the folded search text no longer shows an "@" to mask), and
  masked in place elsewhere;
- `console_nlu_inbox.text` (with the corrected entities' offsets; its group key
  is derived again from the masked text),
  `console_conversation_notes.body`, `console_conversation_tags.tag`,
  `callback_requests.preferred_time` and `.note`,
  `callback_status_changes.comment`, `console_audit_log.detail`.

`callback_requests.phone` is left alone: it is the one place a number is kept,
with the family's consent.

Idempotent (masking masked text changes nothing, so a second run updates 0
rows), batched by primary key (one transaction per batch, so a live system
keeps writing), with a progress line per batch. SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Set, TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.privacy import mask_pii, mask_structure
from bot.text import fold

DEFAULT_BATCH = 500

events_t = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("sender_id", sa.String),
    sa.column("type_name", sa.String),
    sa.column("data", sa.Text),
)


@dataclass
class RescanResult:
    scanned: Dict[str, int] = field(default_factory=dict)  # table -> rows read
    changed: Dict[str, int] = field(default_factory=dict)  # table -> rows re-masked

    @property
    def total_changed(self) -> int:
        return sum(self.changed.values())


def _mask_event_json(raw: Optional[str]) -> Optional[str]:
    if not raw:
        return raw
    try:
        data = json.loads(raw)
    except ValueError:
        return mask_pii(raw)  # not JSON: still no phone number in it
    masked = mask_structure(data)
    return raw if masked == data else json.dumps(masked)


def _mask_inbox_entities(text: str, entities: Optional[str]) -> tuple:
    """The inbox text masked, and its corrected entities with offsets into the masked text."""
    if not entities:
        return mask_pii(text), entities
    try:
        parsed = json.loads(entities)
    except ValueError:
        return mask_pii(text), mask_pii(entities)
    if not isinstance(parsed, list):
        return mask_pii(text), json.dumps(mask_structure(parsed), ensure_ascii=False)
    masked = mask_structure({"text": text, "entities": parsed})
    new_entities = (
        entities if masked["entities"] == parsed else json.dumps(masked["entities"], ensure_ascii=False)
    )
    return masked["text"], new_entities


class _Rescan:
    def __init__(self, engine: Engine, batch_size: int, out: TextIO):
        self.engine = engine
        self.batch_size = max(1, batch_size)
        self.out = out
        self.result = RescanResult()
        with engine.connect() as conn:
            self.tables = set(sa.inspect(conn).get_table_names())

    def say(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    def walk(
        self,
        table,
        key: str,
        columns: List[str],
        remask: Callable[[dict, Connection], dict],
        label: str,
        read: Sequence[str] = (),
        before_batch: Optional[Callable[[Connection], None]] = None,
        on_change: Optional[Callable[[dict], None]] = None,
    ) -> None:
        """Read `table` in primary-key order, one batch per transaction, and write back the
        columns `remask` changed; `on_change` sees each changed row (with the `read` columns)."""
        if table.name not in self.tables:
            return
        key_col = table.c[key]
        with self.engine.connect() as conn:
            total = int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
        selected = [key_col] + [table.c[c] for c in list(read) + columns if c != key]
        last = None
        scanned = changed = 0
        while True:
            with self.engine.begin() as conn:
                if before_batch is not None:
                    before_batch(conn)
                query = sa.select(*selected).order_by(key_col).limit(self.batch_size)
                if last is not None:
                    query = query.where(key_col > last)
                rows = [dict(r) for r in conn.execute(query).mappings()]
                for row in rows:
                    new = remask(row, conn)
                    diff = {c: new[c] for c in columns if new[c] != row[c]}
                    if diff:
                        conn.execute(table.update().where(key_col == row[key]).values(**diff))
                        changed += 1
                        if on_change is not None:
                            on_change(row)
            scanned += len(rows)
            if rows:
                last = rows[-1][key]
            self.say(f"{label}: {scanned}/{total} rows scanned, {changed} re-masked")
            if len(rows) < self.batch_size:
                break
        self.result.scanned[label] = scanned
        self.result.changed[label] = changed

    # ------------------------------------------------------------------ tables

    def events(self) -> Set[str]:
        """Re-mask `events.data`; the conversations that changed."""
        senders: Set[str] = set()
        self.walk(
            events_t,
            "id",
            ["data"],
            lambda row, conn: {"data": _mask_event_json(row["data"])},
            "events",
            read=["sender_id"],
            on_change=lambda row: senders.add(row["sender_id"]),
        )
        return senders

    def summaries(self, rebuild: Set[str]) -> None:
        from bot.db import utcnow
        from bot.web.console.store import ConversationSummary, SyncState
        from bot.web.console.sync import SEARCH_TEXT_LIMIT, STATE_NAME

        state = SyncState.__table__

        def lock_sync(conn: Connection) -> None:
            # The console's sync writes these rows too: hold its lock (its state row) for the batch.
            if state.name in self.tables:
                conn.execute(state.update().where(state.c.name == STATE_NAME).values(updated_at=utcnow()))

        def remask(row: dict, conn: Connection) -> dict:
            if row["sender_id"] in rebuild:
                return self._rebuilt_summary(conn, row, SEARCH_TEXT_LIMIT)
            return {"preview": mask_pii(row["preview"]), "search_text": mask_pii(row["search_text"])}

        self.walk(
            ConversationSummary.__table__,
            "sender_id",
            ["preview", "search_text"],
            remask,
            "console_conversations",
            read=["last_event_id"],
            before_batch=lock_sync,
        )

    def _rebuilt_summary(self, conn: Connection, row: dict, limit: int) -> dict:
        """preview and search_text as the console's sync builds them, from the re-masked events."""
        datas = (
            conn.execute(
                sa.select(events_t.c.data)
                .where(
                    events_t.c.sender_id == row["sender_id"],
                    events_t.c.type_name == "user",
                    events_t.c.id <= row["last_event_id"],
                )
                .order_by(events_t.c.id)
            )
            .scalars()
            .all()
        )
        texts = []
        for raw in datas:
            try:
                text = (json.loads(raw) or {}).get("text") if raw else None
            except (ValueError, AttributeError):
                text = None
            if isinstance(text, str) and text:
                texts.append(text)
        if not texts:
            return {"preview": mask_pii(row["preview"]), "search_text": mask_pii(row["search_text"])}
        return {"preview": texts[0][:300], "search_text": " ".join(fold(t) for t in texts).strip()[:limit]}

    def console_tables(self) -> None:
        from bot.handoff import CallbackRequest, CallbackStatusChange
        from bot.web.console.store import AuditEntry, ConversationNote, NluInboxItem
        from bot.web.console.unanswered import text_key

        def inbox(row: dict, conn: Connection) -> dict:
            text, entities = _mask_inbox_entities(row["text"], row["corrected_entities"])
            return {"text": text, "corrected_entities": entities, "group_key": text_key(text)}

        def plain(*columns: str) -> Callable[[dict, Connection], dict]:
            return lambda row, conn: {
                c: mask_pii(row[c]) if isinstance(row[c], str) else row[c] for c in columns
            }

        self.walk(
            NluInboxItem.__table__,
            "event_id",
            ["text", "corrected_entities", "group_key"],
            inbox,
            "console_nlu_inbox",
        )
        self.walk(ConversationNote.__table__, "id", ["body"], plain("body"), "console_conversation_notes")
        self.walk(
            CallbackRequest.__table__,
            "id",
            ["preferred_time", "note"],
            plain("preferred_time", "note"),
            "callback_requests",
        )
        self.walk(
            CallbackStatusChange.__table__, "id", ["comment"], plain("comment"), "callback_status_changes"
        )
        self.walk(AuditEntry.__table__, "id", ["detail"], plain("detail"), "console_audit_log")
        self.tags()

    def tags(self) -> None:
        """Tags are unique per conversation: a tag whose masked form is already there is dropped."""
        from bot.web.console.store import ConversationTag

        table = ConversationTag.__table__

        def remask(row: dict, conn: Optional[Connection] = None) -> dict:
            return {"tag": mask_pii(row["tag"])[:64]}

        def drop_clashes(conn: Connection) -> None:
            for row in conn.execute(sa.select(table.c.id, table.c.sender_id, table.c.tag)).all():
                masked = remask({"tag": row.tag})["tag"]
                if (
                    masked != row.tag
                    and conn.execute(
                        sa.select(table.c.id).where(
                            table.c.sender_id == row.sender_id, table.c.tag == masked, table.c.id != row.id
                        )
                    ).first()
                ):
                    conn.execute(table.delete().where(table.c.id == row.id))

        if table.name in self.tables:
            with self.engine.begin() as conn:
                drop_clashes(conn)
        self.walk(table, "id", ["tag"], remask, "console_conversation_tags")


def rescan(engine: Engine, batch_size: int = DEFAULT_BATCH, out: TextIO = sys.stdout) -> RescanResult:
    """Re-mask every stored text the console can show (see the module docstring)."""
    job = _Rescan(engine, batch_size, out)
    changed_conversations = job.events()
    job.summaries(changed_conversations)
    job.console_tables()
    job.say(f"done: {job.result.total_changed} rows re-masked")
    return job.result


def _rescan_command(args) -> int:
    from bot.db import check_database, get_engine

    check_database(args.url)
    if args.batch_size < 1:
        print("error: --batch-size must be at least 1", file=sys.stderr)
        return 1
    rescan(get_engine(args.url), args.batch_size)
    return 0


def register(subparsers) -> None:
    privacy = subparsers.add_parser("privacy", help="personal data in stored conversations")
    actions = privacy.add_subparsers(dest="privacy_command", required=True)
    command = actions.add_parser(
        "rescan", help="mask phone numbers, e-mails and ID numbers already stored (idempotent, batched)"
    )
    command.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH,
        help=f"rows per transaction (default {DEFAULT_BATCH})",
    )
    command.add_argument("--url", help="database URL (default: DATABASE_URL)")
    command.set_defaults(handler=_rescan_command)
