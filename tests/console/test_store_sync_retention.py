"""Migrations, incremental sync, retention and the callback API on real databases."""

from __future__ import annotations

import datetime as dt
import inspect
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa
from helpers import ROOT, conversation_events, make_store, migrate, save_conversation

DAY = 86400.0


def _count(url, sql, **params):
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar_one()
    finally:
        engine.dispose()


def test_migration_upgrades_and_downgrades(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import bot.handoff  # noqa: F401
    import bot.web.console.store  # noqa: F401
    from bot.db import Base, get_engine
    from bot.migrations import runner

    runner.upgrade(database_url)
    with get_engine(database_url).connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        assert {"callback_requests", "console_conversations", "console_users"} <= tables
        console_tables = {
            t for t in Base.metadata.tables if t.startswith("console_") or t.startswith("callback_")
        }
        diff = [
            d
            for d in compare_metadata(MigrationContext.configure(conn), Base.metadata)
            if not (d[0] == "remove_table" and d[1].name not in console_tables)
        ]
        assert diff == []
    runner.downgrade(database_url, "console@base")
    with get_engine(database_url).connect() as conn:
        assert not {"callback_requests", "console_conversations"} & set(sa.inspect(conn).get_table_names())
    runner.upgrade(database_url)


def test_sync_is_incremental_and_idempotent(database_url):
    from bot.db import get_engine
    from bot.web.console.sync import sync_events

    migrate(database_url)
    engine = get_engine(database_url)
    assert sync_events(engine) == 0  # no events table yet: nothing to do, no error
    store = make_store(database_url)
    try:
        first = conversation_events(
            [
                dict(
                    text="chào ad",
                    intent="greet",
                    confidence=0.99,
                    reply="Chào em! Mình là trợ lý hướng nghiệp.",
                )
            ],
            1_700_000_000,
        )
        save_conversation(store, "a", first)
        assert sync_events(engine, batch_size=3) == len(first)
        assert sync_events(engine) == 0
        more = first + [
            e
            for e in conversation_events(
                [
                    dict(
                        text="học 9+ là gì",
                        intent="nlu_fallback",
                        confidence=0.2,
                        action="action_two_stage_fallback",
                        reply="Có phải em muốn hỏi về: lộ trình 9+ (trung cấp + văn hóa THPT)?",
                        ranking=[
                            {"name": "nlu_fallback", "confidence": 0.2},
                            {"name": "ask_combined_route", "confidence": 0.19},
                        ],
                    )
                ],
                1_700_000_100,
            )[3:]
        ]
        save_conversation(store, "a", more)
        assert sync_events(engine) == len(more) - len(first)
    finally:
        store.engine.dispose()
    row = _count(database_url, "SELECT user_messages FROM console_conversations WHERE sender_id = 'a'")
    assert row == 2
    assert _count(database_url, "SELECT COUNT(*) FROM console_nlu_inbox WHERE reason = 'fallback'") == 1
    assert _count(database_url, "SELECT SUM(fallback_messages) FROM console_daily_stats") == 1
    assert _count(database_url, "SELECT SUM(unanswered_messages) FROM console_daily_stats") == 1
    assert (
        _count(database_url, "SELECT unanswered_turns FROM console_conversations WHERE sender_id = 'a'") == 1
    )
    assert (
        _count(database_url, "SELECT COUNT(*) FROM console_conversation_facets WHERE sender_id = 'a'") == 2
    )  # greet, nlu_fallback


def test_retention_boundary(database_url):
    """Deletes exactly the conversations whose last event is older than the limit."""
    from bot.db import get_engine, session_scope
    from bot.handoff import change_callback_status, create_callback_request
    from bot.web.console.retention import purge
    from bot.web.console.store import ConversationNote, ConversationTag

    migrate(database_url)
    now = 1_770_000_000.0
    days = 180
    cutoff = now - days * DAY
    store = make_store(database_url)
    # conversation_events puts the last event 7 s after start for one turn
    starts = {"old": cutoff - 1000, "just-old": cutoff - 7.5, "boundary": cutoff - 7, "young": cutoff + 100}
    try:
        for sender_id, start in starts.items():
            save_conversation(
                store,
                sender_id,
                conversation_events([dict(text="em muốn hỏi", intent="nlu_fallback", confidence=0.2)], start),
            )
    finally:
        store.engine.dispose()
    old_dt = dt.datetime.utcfromtimestamp(cutoff - 5000)
    with session_scope(database_url) as session:
        session.add_all(
            [
                ConversationTag(sender_id="old", tag="x", created_by="t"),
                ConversationNote(sender_id="old", body="n", author="t"),
            ]
        )
        open_cb = create_callback_request(
            session, sender_id="old", channel="zalo", phone="0912345678", preferred_time="", consent_at=old_dt
        )
        closed_cb = create_callback_request(
            session, sender_id="old", channel="zalo", phone="0912345679", preferred_time="", consent_at=old_dt
        )
        change_callback_status(session, closed_cb, "closed", by="t")
        open_cb.created_at = closed_cb.created_at = old_dt
        open_id, closed_id = open_cb.id, closed_cb.id
    result = purge(get_engine(database_url), days, now=now)
    assert result.conversations == 2 and result.callbacks == 1
    remaining = {
        r[0]
        for r in get_engine(database_url).connect().execute(sa.text("SELECT DISTINCT sender_id FROM events"))
    }
    assert remaining == {"boundary", "young"}
    assert _count(database_url, "SELECT COUNT(*) FROM console_conversations") == 2
    assert _count(database_url, "SELECT COUNT(*) FROM console_conversation_tags") == 0
    assert _count(database_url, "SELECT COUNT(*) FROM console_conversation_notes") == 0
    assert (
        _count(database_url, "SELECT COUNT(*) FROM console_nlu_inbox WHERE sender_id IN ('old', 'just-old')")
        == 0
    )
    assert _count(database_url, "SELECT COUNT(*) FROM callback_requests WHERE id = :id", id=open_id) == 1
    assert _count(database_url, "SELECT COUNT(*) FROM callback_requests WHERE id = :id", id=closed_id) == 0
    assert (
        _count(
            database_url, "SELECT COUNT(*) FROM callback_status_changes WHERE request_id = :id", id=closed_id
        )
        == 0
    )


def test_create_callback_request_contract(database_url):
    from bot.db import session_scope
    from bot.handoff import CallbackRequest, create_callback_request

    params = inspect.signature(create_callback_request).parameters
    assert list(params) == [
        "session",
        "sender_id",
        "channel",
        "phone",
        "preferred_time",
        "consent_at",
        "user_role",
        "area",
        "note",
    ]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for name, p in params.items() if name != "session")
    migrate(database_url)
    consent = dt.datetime(2025, 11, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    with session_scope(database_url) as session:
        request = create_callback_request(
            session,
            sender_id="z1",
            channel="zalo",
            phone="+84 987.654.321",
            preferred_time="tối thứ 7",
            consent_at=consent,
        )
        assert isinstance(request, CallbackRequest) and request.id
        assert request.phone == "0987654321" and request.status == "new"
        assert request.consent_at == dt.datetime(2025, 11, 1, 2, 30)
        with pytest.raises(ValueError):
            create_callback_request(
                session,
                sender_id="z1",
                channel="zalo",
                phone="không có",
                preferred_time="",
                consent_at=consent,
            )
        with pytest.raises(ValueError):
            create_callback_request(
                session,
                sender_id="z1",
                channel="zalo",
                phone="0987654321",
                preferred_time="",
                consent_at=None,
            )


def test_cli_users_create_and_purge(database_url):
    env = dict(os.environ, DATABASE_URL=database_url, PYTHONPATH=str(ROOT))
    migrate(database_url)

    def run(*args, stdin=""):
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            input=stdin,
            text=True,
            capture_output=True,
            env=env,
            cwd=str(ROOT),
            timeout=120,
        )

    ok = run(
        "users",
        "create",
        "--username",
        "CoLan",
        "--role",
        "counsellor",
        "--password-stdin",
        stdin="mat-khau-cua-lan\n",
    )
    assert ok.returncode == 0, ok.stderr
    assert "created counsellor colan" in ok.stdout
    dup = run(
        "users",
        "create",
        "--username",
        "colan",
        "--role",
        "counsellor",
        "--password-stdin",
        stdin="mat-khau-cua-lan\n",
    )
    assert dup.returncode == 1 and "đã tồn tại" in dup.stderr
    short = run("users", "create", "--username", "x", "--role", "admin", "--password-stdin", stdin="ngan\n")
    assert short.returncode == 1
    bad_role = run(
        "users", "create", "--username", "y", "--role", "boss", "--password-stdin", stdin="x" * 12 + "\n"
    )
    assert bad_role.returncode == 2
    stored = _count(database_url, "SELECT password_hash FROM console_users WHERE username = 'colan'")
    assert stored.startswith("$argon2id$") and "mat-khau" not in stored
    purged = run("purge", "--days", "180")
    assert purged.returncode == 0 and "purged 0 conversations" in purged.stdout, purged.stderr
    synced = run("console", "sync")
    assert synced.returncode == 0 and "synced 0 events" in synced.stdout
