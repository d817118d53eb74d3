"""No personal data stored or shown, through the REAL message path (issue 15, H3).

A running action server and Rasa server (tests/procs.py, the project's
endpoints.yml: MaskingSQLTrackerStore) receive every corpus message over the
REST channel, with client metadata carrying the PII too, and callback-form
conversations that give the phone number in the probe's tricky formats. Then
the real web app serves the console on the same database. Checked, on SQLite
and PostgreSQL:

- `events` (every string of every event, JSON decoded) holds no corpus PII and
  none of the callback phones; the phones are in `callback_requests` only;
- the console's conversation list, every transcript, the NLU inbox, a search
  for each phone's digits, the CSV export and the NLU inbox export show none.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import Dict, Iterator, List

import pytest
import requests
import sqlalchemy as sa

from tests import procs
from tests.console.helpers import WebApp, create_user, login
from tests.privacy.corpus import ITEMS, POSITIVES, digits_of, leaked, readable
from tests.services import fresh_postgres_database

pytestmark = [pytest.mark.model, pytest.mark.slow]

# (typed, stored in callback_requests): the formats the probe saw stored in clear
CALLBACK_PHONES = [
    ("(024) 3825 1234", "02438251234"),
    ("(0211) 3862 123", "02113862123"),
    ("0912  345  678", "0912345678"),
    ("0913 - 345 - 678", "0913345678"),
    ("sđt0987654321", "0987654321"),
    ("０９７７ １２３ ４５６", "0977123456"),
    ("0084 912 345 679", "0912345679"),
    ("số em là +84 (0)983 239 953 ạ", "0983239953"),
    ("sdt:0355.209.229", "0355209229"),
]


def _bot(url: str, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=procs.ROOT,
        check=True,
        capture_output=True,
        env={**os.environ, "DATABASE_URL": url},
    )


def send(rasa: procs.ServerProcess, sender: str, text: str, metadata: dict = None) -> List[Dict]:
    body = {"sender": sender, "message": text}
    if metadata is not None:
        body["metadata"] = metadata
    reply = requests.post(rasa.url + "/webhooks/rest/webhook", json=body, timeout=120)
    assert reply.status_code == 200, reply.text
    return reply.json()


def _joined(messages: List[Dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def _callback_conversation(rasa, sender: str, typed: str) -> str:
    messages = send(rasa, sender, "cho em gặp thầy cô tư vấn")
    assert "/affirm" in [b["payload"] for m in messages for b in m.get("buttons") or []], _joined(messages)
    messages = send(rasa, sender, "đồng ý")
    if any('"user_role"' in b["payload"] for m in messages for b in m.get("buttons") or []):
        messages = send(rasa, sender, '/inform{"user_role":"parent"}')
    messages = send(rasa, sender, "sau 19h")
    assert "Số điện thoại" in _joined(messages), _joined(messages)
    return _joined(send(rasa, sender, typed))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def stack(request, tmp_path_factory) -> Iterator[dict]:
    assert procs.MODEL_PATH.exists(), "run `make model` first"
    if request.param == "postgresql":
        context = fresh_postgres_database("t_pii")
        url = context.__enter__()
    else:
        context, url = None, f"sqlite:///{tmp_path_factory.mktemp('pii') / 'pii.db'}"
    try:
        _bot(url, "db", "upgrade")
        actions = procs.action_server(env={"DATABASE_URL": url}).start()
        try:
            rasa = procs.rasa_server(actions.url + "/webhook", env={"DATABASE_URL": url}).start()
            try:
                replies = {}
                for item in ITEMS:
                    metadata = (
                        {"phone_id": item["pii"][0], "client": {"note": item["text"]}}
                        if item["pii"]
                        else None
                    )
                    send(rasa, f"pii-{item['id']}", item["text"], metadata)
                for n, (typed, _) in enumerate(CALLBACK_PHONES):
                    replies[typed] = _callback_conversation(rasa, f"pii-callback-{n}", typed)
            finally:
                rasa.stop()
        finally:
            actions.stop()
        create_user(url, "cobich", "counsellor")
        web = WebApp(url, extra_env={"CONSOLE_PAGE_SIZE": "500"})
        try:
            yield {"url": url, "web": web, "client": login(web.base, "cobich"), "replies": replies}
        finally:
            web.stop()
    finally:
        if context is not None:
            context.__exit__(None, None, None)


def _typed_phones() -> List[str]:
    return [typed for typed, _ in CALLBACK_PHONES]


def _events_text(url: str) -> Dict[str, str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT sender_id, type_name, data FROM events ORDER BY id")).all()
    finally:
        engine.dispose()
    assert len({r.sender_id for r in rows}) == len(ITEMS) + len(CALLBACK_PHONES)
    return {f"events[{r.sender_id}/{r.type_name}]": readable(r.data) for r in rows}


def test_callback_form_accepts_tricky_formats_and_keeps_the_phone_only_there(stack):
    for typed, _ in CALLBACK_PHONES:
        assert "Đã ghi nhận" in stack["replies"][typed], (typed, stack["replies"][typed])
    engine = sa.create_engine(stack["url"])
    try:
        with engine.connect() as conn:
            stored = dict(
                conn.execute(
                    sa.text(
                        "SELECT sender_id, phone FROM callback_requests WHERE sender_id LIKE 'pii-callback-%'"
                    )
                ).all()
            )
    finally:
        engine.dispose()
    assert stored == {f"pii-callback-{n}": phone for n, (_, phone) in enumerate(CALLBACK_PHONES)}


def test_events_hold_no_personal_data(stack):
    events = _events_text(stack["url"])
    found = leaked(events, extra=_typed_phones())
    print(
        f"events: {len(events)} rows, {sum(len(i['pii']) for i in POSITIVES) + len(CALLBACK_PHONES)} PII sent, "
        f"{len(found)} leaked"
    )
    assert found == []
    engine = sa.create_engine(stack["url"])
    try:
        with engine.connect() as conn:
            slots = [
                json.loads(data)
                for data in conn.execute(
                    sa.text(
                        "SELECT data FROM events WHERE type_name = 'slot' AND sender_id LIKE 'pii-callback-%'"
                    )
                ).scalars()
            ]
    finally:
        engine.dispose()
    phone_values = [
        slot["value"] for slot in slots if slot["name"] == "callback_phone" and slot["value"] is not None
    ]
    # each conversation set the slot from the typed text, then to the validated number: both masked
    assert len(phone_values) >= len(CALLBACK_PHONES) and all("[SĐT]" in value for value in phone_values), (
        phone_values
    )


def _get(stack, path: str, **params) -> str:
    resp = stack["client"].get(stack["web"].base + path, params=params, timeout=60)
    assert resp.status_code == 200, (path, resp.status_code)
    return resp.text


def _visible(html: str) -> str:
    """The page's text, unescaped (what a counsellor reads)."""
    import html as html_lib

    return html_lib.unescape(re.sub(r"<[^>]+>", " ", html))


def test_console_pages_show_no_personal_data(stack):
    listing = _get(stack, "/console/conversations")
    senders = sorted(set(re.findall(r'href="/console/conversations/([^"?]+)', listing)))
    assert len(senders) == len(ITEMS) + len(CALLBACK_PHONES)
    pages = {"list": _visible(listing), "inbox": _visible(_get(stack, "/console/inbox"))}
    for sender in senders:
        pages[f"transcript {sender}"] = _visible(_get(stack, f"/console/conversations/{sender}"))
    found = leaked(pages, extra=_typed_phones())
    print(f"console: {len(pages)} pages, {len(found)} PII shown")
    assert found == []
    assert "[SĐT]" in pages["transcript pii-p001"]


def test_search_by_digits_finds_nothing(stack):
    phones = [pii for item in POSITIVES for pii in item["pii"] if len(digits_of(pii)) >= 9]
    hits = []
    for pii in phones + _typed_phones():
        for needle in {digits_of(pii), digits_of(pii)[-7:]}:
            html = _get(stack, "/console/conversations", q=needle)
            if re.search(r'href="/console/conversations/pii-', html):
                hits.append((pii, needle))
    print(f"search: {len(phones) + len(CALLBACK_PHONES)} numbers searched, {len(hits)} found")
    assert hits == []
    assert re.search(r'href="/console/conversations/pii-', _get(stack, "/console/conversations", q="sdt"))


def test_csv_and_nlu_exports_show_no_personal_data(stack):
    from bot.vocabulary import intents

    exported = {"csv": _get(stack, "/console/conversations.csv")}
    assert exported["csv"].count("\n") > len(ITEMS)
    engine = sa.create_engine(stack["url"])
    try:
        with engine.connect() as conn:
            inbox_ids = (
                conn.execute(sa.text("SELECT event_id FROM console_nlu_inbox WHERE sender_id LIKE 'pii-%'"))
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    assert inbox_ids
    client = stack["client"]
    for event_id in inbox_ids:
        resp = client.post(
            f"{stack['web'].base}/console/inbox/{event_id}",
            data={"csrf_token": client.csrf, "intent": intents()[0]},
            allow_redirects=False,
        )
        assert resp.status_code == 303, resp.text[:300]
    exported["nlu"] = _get(stack, "/console/inbox/export.yml")
    assert exported["nlu"].count("\n    - ") >= len(set(inbox_ids)) // 2
    found = leaked(exported, extra=_typed_phones())
    print(
        f"exports: CSV {len(exported['csv'])} chars, NLU {len(inbox_ids)} corrected examples, {len(found)} PII shown"
    )
    assert found == []
