"""The console can't be frozen or crashed by its inputs (issue 15, M6 and probe L1-L3, L6, L8),
over real HTTP against the real web app, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from urllib.parse import quote

import pytest
import requests
import sqlalchemy as sa
from helpers import (
    BASE_TS,
    PASSWORD,
    WebApp,
    conversation_events,
    create_user,
    csrf_from,
    login,
    make_store,
    migrate,
    save_conversation,
)

from tests.services import fresh_postgres_database

ODD_SENDERS = ("probe space", "probe-việt", "probe/slash?#%")


def _rows(url, sql, **params):
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).all()
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def odd_senders(console_db):
    store = make_store(console_db)
    try:
        for i, sender_id in enumerate(ODD_SENDERS):
            save_conversation(
                store,
                sender_id,
                conversation_events(
                    [
                        dict(
                            text=f"em hỏi về trung cấp {i}",
                            intent="ask_vocational_levels",
                            reply="Trung cấp là ...",
                        )
                    ],
                    BASE_TS + 86400 * 3 + i * 60,
                ),
            )
    finally:
        store.engine.dispose()
    return ODD_SENDERS


# --- analytics range ------------------------------------------------------------


@pytest.mark.parametrize(
    "query, status",
    [
        ("from=0001-01-01&to=9999-12-31", 400),
        ("from=2024-01-01&to=2025-01-01", 400),  # 367 days
        ("from=2024-01-01&to=2024-12-31", 200),  # 366 days (leap year)
        ("from=2025-12-31&to=2025-01-01", 200),  # reversed, 365 days
        ("to=0001-01-05", 400),  # 30 days before it do not exist
        ("from=kh%C3%B4ng-ph%E1%BA%A3i-ng%C3%A0y", 200),  # unreadable: the last 30 days
    ],
)
def test_analytics_range_is_at_most_366_days(web, query, status):
    client = login(web.base, "cobich")
    for path in ("/console/analytics", "/console/analytics/daily.csv"):
        resp = client.get(f"{web.base}{path}?{query}")
        assert resp.status_code == status, (path, resp.text[:300])
        if status == 400:
            assert "tối đa 366 ngày" in resp.text


# --- the loop stays free -----------------------------------------------------------


@pytest.mark.postgres
def test_a_stuck_console_page_does_not_stall_the_web_app():
    """A console page waiting on the database (here: a lock we hold) leaves the loop free."""
    with fresh_postgres_database() as url:
        migrate(url)
        create_user(url, "cobich", "counsellor")
        store = make_store(url)  # Rasa's events table, so page loads sync
        save_conversation(store, "c-one", conversation_events([dict(text="chào", intent="greet")], BASE_TS))
        store.engine.dispose()
        app = WebApp(url)
        locker = sa.create_engine(url, future=True)
        try:
            client = login(app.base, "cobich")  # the first page load writes the sync-state row
            conn = locker.connect()
            tx = conn.begin()
            conn.execute(sa.text("UPDATE console_sync_state SET updated_at = now()"))  # hold the sync lock
            result = {}
            stuck = threading.Thread(
                target=lambda: result.update(
                    resp=client.get(app.base + "/console/conversations", timeout=120)
                )
            )
            stuck.start()
            deadline = time.monotonic() + 60
            with locker.connect() as probe:
                while not probe.execute(
                    sa.text(  # a backend of the web app waits for our lock
                        "SELECT count(*) FROM pg_stat_activity WHERE cardinality(pg_blocking_pids(pid)) > 0"
                    )
                ).scalar_one():
                    assert time.monotonic() < deadline, "the console page never reached the lock"
                    time.sleep(0.1)
            assert requests.get(app.base + "/healthz", timeout=10).status_code == 200
            assert requests.get(app.base + "/console/login", timeout=10).status_code == 200
            assert stuck.is_alive()  # still waiting on the database, yet the app answered
            tx.rollback()
            conn.close()
            stuck.join(60)
            assert result["resp"].status_code == 200
        finally:
            locker.dispose()
            app.stop()


# --- numeric inputs ---------------------------------------------------------------------

HUGE = "9" * 23


def test_numeric_inputs_never_cause_a_server_error(web, console_db):
    client = login(web.base, "cobich")
    admin = login(web.base, "admin")
    for args in (
        {"low": "1", "threshold": "nan"},
        {"low": "1", "threshold": "1e999"},
        {"after": "²"},
        {"before": HUGE},
        {"from": "0001-01-01", "to": "9999-12-31"},
        {"from": "²"},
    ):
        assert client.get(web.base + "/console/conversations", params=args).status_code == 200, args
        assert client.get(web.base + "/console/conversations.csv", params=args).status_code == 200, args
    for before in (HUGE, "²", "١٢", "-1", "0"):
        resp = client.get(web.base + "/console/inbox", params={"before": before})
        assert resp.status_code == 200, before
    for path in (
        f"/console/inbox/{HUGE}",
        "/console/inbox/%C2%B2",
        f"/console/callbacks/{HUGE}/status",
        "/console/callbacks/%C2%B2/status",
    ):
        resp = client.post(
            web.base + path,
            data={"csrf_token": client.csrf, "status": "closed", "action": "out_of_scope"},
            allow_redirects=False,
        )
        assert resp.status_code == 404, path
    resp = admin.post(
        f"{web.base}/console/users/{HUGE}",
        data={"csrf_token": admin.csrf, "action": "toggle_active"},
        allow_redirects=False,
    )
    assert resp.status_code == 404
    for event_id in ("²", HUGE):
        resp = client.post(
            web.base + "/console/conversations/c-parent/notes",
            allow_redirects=False,
            data={"csrf_token": client.csrf, "body": f"ghi chú {event_id}", "event_id": event_id},
        )
        assert resp.status_code == 303
        assert _rows(
            console_db,
            "SELECT event_id FROM console_conversation_notes WHERE body = :b",
            b=f"ghi chú {event_id}",
        ) == [(None,)]
    for days in ("²", "99999999999", "0"):
        resp = admin.post(
            web.base + "/console/retention",
            data={"csrf_token": admin.csrf, "days": days},
            allow_redirects=False,
        )
        assert resp.status_code == 400 and "từ 1 đến 36500" in resp.text, days


# --- sender ids that need percent-encoding -------------------------------------------------------


def test_conversations_whose_id_needs_percent_encoding_open_and_take_tags(web, console_db, odd_senders):
    client = login(web.base, "cobich")
    for i, sender_id in enumerate(odd_senders):
        listing = client.get(
            web.base + "/console/conversations", params={"q": f"em hỏi về trung cấp {i}"}
        ).text
        path = "/console/conversations/" + quote(sender_id, safe="")
        assert f'href="{path}?' in listing
        resp = client.get(web.base + path)
        assert resp.status_code == 200 and sender_id.replace("&", "&amp;") in resp.text, sender_id
        tagged = client.post(
            web.base + path + "/tags", data={"csrf_token": client.csrf, "tag": "ma-la"}, allow_redirects=False
        )
        assert tagged.status_code == 303 and tagged.headers["Location"] == path
        assert _rows(
            console_db, "SELECT tag FROM console_conversation_tags WHERE sender_id = :s", s=sender_id
        ) == [("ma-la",)]


# --- security headers everywhere ------------------------------------------------------------------


def test_every_response_carries_the_security_headers(web):
    checks = [
        requests.get(web.base + path, allow_redirects=False)
        for path in (
            "/",
            "/healthz",
            "/nonexistent",
            "/console/nonexistent",
            "/console/login",
            "/console/conversations",
            "/static/..%2f..%2fREADME.md",
        )
    ]
    checks.append(requests.post(web.base + "/console/conversations/c-script/tags", allow_redirects=False))
    static = [link for link in ("/static/index.html",) if requests.get(web.base + link).status_code == 200]
    checks += [requests.get(web.base + link) for link in static]
    assert {r.status_code for r in checks} >= {200, 302, 401, 404}
    for resp in checks:
        assert resp.headers.get("X-Frame-Options") == "DENY", resp.url
        assert resp.headers.get("X-Content-Type-Options") == "nosniff", resp.url
        assert "frame-ancestors 'none'" in resp.headers.get("Content-Security-Policy", ""), resp.url
        if "/console" in resp.url:
            assert resp.headers.get("Cache-Control") == "no-store", resp.url


# --- cookies ------------------------------------------------------------------------------------------


def test_cookies_are_expired_on_the_path_they_were_set_with(web):
    client = requests.Session()
    page = client.get(web.base + "/console/login")
    assert "console_prelogin" in client.cookies and "Secure" not in page.headers["Set-Cookie"]
    resp = client.post(
        web.base + "/console/login",
        allow_redirects=False,
        data={"username": "cobich", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert resp.status_code == 303
    expired = [c for c in resp.raw.headers.getlist("Set-Cookie") if c.startswith("console_prelogin=")]
    assert expired and "Path=/console" in expired[0] and "Max-Age=0" in expired[0]
    assert "console_prelogin" not in client.cookies  # the browser-like jar dropped it
    csrf = csrf_from(client.get(web.base + "/console/conversations").text)
    resp = client.post(web.base + "/console/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert resp.status_code == 303
    assert "console_session" not in client.cookies


# --- login limits (own database: the attempts of one IP are counted across usernames) ------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_db(request, tmp_path):
    from bot.db import dispose_engines

    if request.param == "postgresql":
        with fresh_postgres_database() as url:
            migrate(url)
            create_user(url, "cobich", "counsellor")
            yield url
        return
    url = f"sqlite:///{tmp_path / 'login.db'}"
    migrate(url)
    create_user(url, "cobich", "counsellor")
    try:
        yield url
    finally:
        dispose_engines()


def _try_login(base, username, password):
    client = requests.Session()
    page = client.get(base + "/console/login")
    return client.post(
        base + "/console/login",
        allow_redirects=False,
        data={"username": username, "password": password, "csrf_token": csrf_from(page.text)},
    )


def test_password_spraying_from_one_ip_is_stopped(fresh_db):
    app = WebApp(fresh_db, extra_env={"CONSOLE_LOGIN_MAX_FAILURES_PER_IP": "6"})
    try:
        assert _try_login(app.base, "cobich", PASSWORD).status_code == 303
        for i in range(6):  # one wrong password each for six usernames: below the per-username limit
            assert _try_login(app.base, f"teacher{i}", "sai-mat-khau-123").status_code == 401
        blocked = _try_login(app.base, "cobich", PASSWORD)  # even the right password, for another user
        assert blocked.status_code == 429 and "thử lại sau 15 phút" in blocked.text
        assert _rows(fresh_db, "SELECT count(*) FROM console_audit_log WHERE action = 'login_throttled'") == [
            (1,)
        ]
    finally:
        app.stop()


def test_secure_cookies_when_configured(fresh_db):
    app = WebApp(fresh_db, extra_env={"CONSOLE_SECURE_COOKIES": "1"})
    try:
        cookie = requests.get(app.base + "/console/login").headers["Set-Cookie"]
        assert cookie.startswith("console_prelogin=") and "Secure" in cookie
    finally:
        app.stop()
