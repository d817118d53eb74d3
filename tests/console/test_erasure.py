"""A family can have its data deleted (issue 15, M8): in the chat, through the real Rasa
server and action server, and by a counsellor in the console; SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import requests
import sqlalchemy as sa
from helpers import BASE_TS, conversation_events, login, make_store, migrate, save_conversation

from bot.web.console.erasure import sender_reference
from tests import procs
from tests.services import fresh_postgres_database

CONVERSATION_TABLES = (
    "events",
    "console_conversations",
    "console_conversation_facets",
    "console_conversation_tags",
    "console_conversation_notes",
    "console_nlu_inbox",
    "callback_requests",
)


def _rows(url, sql, **params):
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).all()
    finally:
        engine.dispose()


def _counts(url, sender_id):
    return {
        table: _rows(url, f"SELECT count(*) FROM {table} WHERE sender_id = :s", s=sender_id)[0][0]
        for table in CONVERSATION_TABLES
    }


def _annotate(url, sender_id):
    """What the console and the callback form add to a conversation: summary (sync), tag, note, callback."""
    from bot.db import get_engine, session_scope
    from bot.handoff import change_callback_status, create_callback_request
    from bot.web.console.store import ConversationNote, ConversationTag
    from bot.web.console.sync import sync_events

    sync_events(get_engine(url), now=BASE_TS + 10**9)
    with session_scope(url) as session:
        request = create_callback_request(
            session,
            sender_id=sender_id,
            channel="rest",
            phone="0912 345 678",
            preferred_time="sau 17h",
            consent_at=dt.datetime.now(dt.timezone.utc),
            user_role="parent",
            area="vinh_tuong",
            note=None,
        )
        session.flush()
        change_callback_status(session, request, "contacted", by="cobich", comment="đã gọi")
        session.add(ConversationTag(sender_id=sender_id, tag="can-xoa", created_by="cobich"))
        session.add(ConversationNote(sender_id=sender_id, body="gia đình muốn xóa", author="cobich"))


def _erasure_audit(url, sender_id):
    return _rows(
        url,
        "SELECT username, detail FROM console_audit_log WHERE action = 'conversation_erased' AND target = :t",
        t=sender_reference(sender_id),
    )


# --- the console ---------------------------------------------------------------------------------


def test_a_counsellor_deletes_a_conversation_after_confirmation(web, console_db):
    sender_id = "c-erase/ việt"
    store = make_store(console_db)
    try:
        save_conversation(
            store,
            sender_id,
            conversation_events(
                [dict(text="nhà em ở Vĩnh Tường, số mẹ em 0987 654 321", intent="inform", reply="Dạ.")],
                BASE_TS + 7200,
            ),
        )
    finally:
        store.engine.dispose()
    _annotate(console_db, sender_id)
    assert all(
        _counts(console_db, sender_id)[t]
        for t in (
            "events",
            "console_conversations",
            "callback_requests",
            "console_conversation_tags",
            "console_conversation_notes",
        )
    )
    client = login(web.base, "cobich")
    path = "/console/conversations/" + requests.utils.quote(sender_id, safe="")
    assert f'href="{path}/delete"' in client.get(web.base + path).text
    confirm = client.get(web.base + path + "/delete")
    assert (
        confirm.status_code == 200
        and "Nghị định 13/2023/NĐ-CP" in confirm.text
        and 'id="erase-form"' in confirm.text
    )
    # A POST without the confirmation field deletes nothing.
    resp = client.post(web.base + path + "/delete", data={"csrf_token": client.csrf}, allow_redirects=False)
    assert resp.status_code == 303 and resp.headers["Location"] == path + "/delete"
    assert _counts(console_db, sender_id)["events"] > 0
    # Without the session's CSRF token neither.
    resp = client.post(
        web.base + path + "/delete", data={"csrf_token": "x", "confirm": "1"}, allow_redirects=False
    )
    assert resp.status_code == 403 and _counts(console_db, sender_id)["events"] > 0

    done = client.post(web.base + path + "/delete", data={"csrf_token": client.csrf, "confirm": "1"})
    assert done.status_code == 200 and "Đã xóa dữ liệu hội thoại" in done.text
    assert _counts(console_db, sender_id) == dict.fromkeys(CONVERSATION_TABLES, 0)
    assert _rows(console_db, "SELECT count(*) FROM callback_status_changes")[0][0] == 0
    [(username, detail)] = _erasure_audit(console_db, sender_id)
    assert username == "cobich" and json.loads(detail)["requested_by"] == "counsellor"
    for content in ("Vĩnh Tường", "0987", "việt", "sau 17h"):
        assert content not in detail
    assert client.get(web.base + path).status_code == 404
    assert _counts(console_db, "c-parent")["events"] > 0  # other conversations untouched


# --- the chat, through the real Rasa server -----------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def stack(request, tmp_path_factory):
    """Migrated database, action server and Rasa server (REST), as `make run` starts them."""
    from bot.db import dispose_engines

    def run(url):
        migrate(url)
        env = {"DATABASE_URL": url}
        with (
            procs.action_server(env=env) as actions,
            procs.rasa_server(actions.url + "/webhook", env=env) as rasa,
        ):
            yield url, rasa

    if request.param == "postgresql":
        with fresh_postgres_database() as url:
            yield from run(url)
        return
    try:
        yield from run(f"sqlite:///{tmp_path_factory.mktemp('erase') / 'assistant.db'}")
    finally:
        dispose_engines()


def _say(rasa, sender, text):
    resp = requests.post(
        rasa.url + "/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120
    )
    assert resp.status_code == 200, resp.text
    return " ".join(m.get("text", "") for m in resp.json())


def _stored_sender(url, sender):
    """The id Rasa stored the conversation under (a channel may namespace it)."""
    rows = _rows(
        url,
        "SELECT DISTINCT sender_id FROM events WHERE sender_id = :s OR sender_id LIKE :suffix",
        s=sender,
        suffix=f"%:{sender}",
    )
    assert len(rows) == 1, rows
    return rows[0][0]


def test_a_family_deletes_its_conversation_in_the_chat(stack):
    url, rasa = stack
    sender = "erase-me"
    assert _say(rasa, sender, "chào bot, em là học sinh lớp 9")
    stored = _stored_sender(url, sender)
    _annotate(url, stored)

    asked = _say(rasa, sender, "xóa dữ liệu của em đi")
    assert "xác nhận xóa" in asked
    kept = _say(rasa, sender, "/deny")
    assert "không xóa gì" in kept
    before = _counts(url, stored)
    assert (
        before["events"] > 0 and before["callback_requests"] == 1 and before["console_conversation_tags"] == 1
    )

    assert "xác nhận xóa" in _say(rasa, sender, "xoa du lieu cua toi")
    done = _say(rasa, sender, "/affirm")
    assert "đã xóa toàn bộ cuộc trò chuyện" in done
    assert _counts(url, stored) == dict.fromkeys(CONVERSATION_TABLES, 0)
    [(username, detail)] = _erasure_audit(url, stored)
    assert username == "" and json.loads(detail)["requested_by"] == "family"
    assert "học sinh" not in detail and "0912" not in detail

    # The Rasa process forgot the conversation too: the next message starts a new, empty one.
    assert _say(rasa, sender, "chào bot")
    rows = _rows(
        url, "SELECT type_name, action_name, data FROM events WHERE sender_id = :s ORDER BY id", s=stored
    )
    assert rows[0].action_name == "action_session_start"
    texts = [json.loads(r.data).get("text") for r in rows if r.type_name == "user"]
    assert texts == ["chào bot"]
    assert not any("xóa" in (r.data or "") or "lớp 9" in (r.data or "") for r in rows)


def test_deleting_one_conversation_leaves_the_others(stack):
    url, rasa = stack
    _say(rasa, "keep-me", "chào bot")
    _say(rasa, "erase-too", "chào bot")
    _say(rasa, "erase-too", "xóa dữ liệu của tôi")
    _say(rasa, "erase-too", "/affirm")
    assert _counts(url, _stored_sender(url, "keep-me"))["events"] > 0
    assert not _rows(url, "SELECT id FROM events WHERE sender_id LIKE '%erase-too'")


@pytest.mark.parametrize(
    "text",
    [
        "mình muốn xóa hết thông tin mình đã gửi ở đây",  # accented, not a training example
        "toi muon xoa het du lieu cua con toi",  # plain
        "ad xoá hết dl e đã nhắn nha",  # teencode
    ],
)
def test_unseen_requests_in_every_spelling_style_ask_for_confirmation(stack, text):
    url, rasa = stack
    sender = "ask-" + str(abs(hash(text)))
    assert "xác nhận xóa" in _say(rasa, sender, text)
    assert "không xóa gì" in _say(rasa, sender, "/deny")
    assert _counts(url, _stored_sender(url, sender))["events"] > 0
