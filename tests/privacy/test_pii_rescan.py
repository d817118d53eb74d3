"""`python -m bot privacy rescan` on data stored before masking caught it
(SQLite and PostgreSQL): events written by Rasa's own, unmasking SQLTrackerStore,
the console summaries the real sync built from them, notes, callback requests and
the audit log. After the rescan no corpus PII is left anywhere but
`callback_requests.phone`, and a second run changes nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys

import sqlalchemy as sa

from tests.console.helpers import conversation_events, migrate
from tests.privacy.corpus import POSITIVES, leaked, readable
from tests.procs import ROOT


def _store_unmasked(url: str) -> None:
    """What an older version (or an older masking rule) left behind."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(domain=Domain.empty(), host=url)
    try:
        for n, item in enumerate(POSITIVES):
            turns = [
                dict(
                    text=item["text"],
                    intent="nlu_fallback" if n % 3 == 0 else "inform",
                    confidence=0.3 if n % 3 == 0 else 0.95,
                    slots={"callback_phone": item["pii"][0]},
                    reply=f"Cô ghi nhận: {item['pii'][0]}",
                    entities=[{"entity": "contact", "value": item["pii"][0], "span": item["pii"][0]}],
                )
            ]
            events = conversation_events(turns, 1_760_000_000 + n * 100)
            events[3].metadata = {"client": {"phone_id": item["pii"][0]}}  # the user event
            asyncio.run(store.save(DialogueStateTracker.from_events(f"old-{item['id']}", events)))
    finally:
        store.engine.dispose()


def _console_rows(url: str) -> None:
    from bot.db import get_engine, session_scope
    from bot.handoff import CALLBACK_STATUSES, change_callback_status, create_callback_request
    from bot.web.console.store import ConversationNote, ConversationTag, audit
    from bot.web.console.sync import sync_events

    assert sync_events(get_engine(url)) > 0
    now = dt.datetime.now(dt.timezone.utc)
    with session_scope(url) as session:
        for item in POSITIVES[:40]:
            sender = f"old-{item['id']}"
            session.add(ConversationNote(sender_id=sender, body=f"gọi lại: {item['text']}", author="cobich"))
            session.add(ConversationTag(sender_id=sender, tag=item["pii"][0][:64], created_by="cobich"))
            request = create_callback_request(
                session,
                sender_id=sender,
                channel="rest",
                phone="0912345678",
                preferred_time=f"sau 19h, {item['text']}"[:200],
                consent_at=now,
                note=item["text"],
            )
            change_callback_status(session, request, CALLBACK_STATUSES[-1], by="cobich", comment=item["text"])
            audit(
                session,
                "export_csv",
                username="cobich",
                target="conversations",
                detail=json.dumps({"filter": {"q": item["pii"][0]}}, ensure_ascii=False),
            )


def _all_text(url: str) -> dict:
    """Every text column of every table the rescan covers, by 'table.column'."""
    engine = sa.create_engine(url)
    places = {}
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            for table in inspector.get_table_names():
                if table in ("alembic_version",) or table.startswith("catalog"):
                    continue
                for column in inspector.get_columns(table):
                    if not isinstance(column["type"], (sa.String, sa.Text)):
                        continue
                    if (table, column["name"]) == ("callback_requests", "phone"):
                        continue  # the one place a number is kept, with consent
                    values = (
                        conn.execute(sa.text(f'SELECT "{column["name"]}" FROM "{table}"')).scalars().all()
                    )
                    places[f"{table}.{column['name']}"] = "\n".join(
                        readable(v) for v in values if v is not None
                    )
    finally:
        engine.dispose()
    return places


def _rescan(url: str, batch: int) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "privacy", "rescan", "--url", url, "--batch-size", str(batch)],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_rescan_masks_everything_stored_and_is_idempotent(database_url):
    migrate(database_url)
    _store_unmasked(database_url)
    _console_rows(database_url)
    before = leaked(_all_text(database_url))
    assert len(before) > len(POSITIVES)  # the seeded data really leaks

    out = _rescan(database_url, batch=50)
    assert "events: 50/" in out and "rows scanned" in out  # progress per batch
    after = _all_text(database_url)
    assert leaked(after) == []
    assert out.strip().splitlines()[-1].startswith("done: ")

    again = _rescan(database_url, batch=50)
    assert again.strip().splitlines()[-1] == "done: 0 rows re-masked"
    assert _all_text(database_url) == after

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT data FROM events WHERE type_name = 'user'")).scalars().all()
            summaries = conn.execute(sa.text("SELECT preview, search_text FROM console_conversations")).all()
            phones = conn.execute(sa.text("SELECT phone FROM callback_requests")).scalars().all()
    finally:
        engine.dispose()
    for raw in rows:
        data = json.loads(raw)
        entity = data["parse_data"]["entities"][0]
        assert data["parse_data"]["text"][entity["start"] : entity["end"]] in (
            "[SĐT]",
            "[EMAIL]",
            "[CCCD]",
            "[CMND]",
        )
        assert data["text"] == data["parse_data"]["text"]
    assert all(preview and search for preview, search in summaries)
    assert any("[SĐT]" in preview for preview, _ in summaries)
    assert set(phones) == {"0912345678"}  # consented numbers stay
