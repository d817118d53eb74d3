"""End to end: signed Zalo webhooks -> the real Rasa server (trained model,
real action server, credentials.yml) -> replies at the fake Zalo OA API.

The servers start once for the module. Each test uses its own Zalo user id.
"""

from __future__ import annotations

import concurrent.futures
import time
import uuid

import pytest
import requests

from bot.channels.store import ZaloStore
from bot.migrations import runner
from tests.fakes.fake_zalo import FakeZalo
from tests.fakes.zalo_events import (
    APP_ID,
    APP_SECRET,
    follow_event,
    media_event,
    rasa_env,
    signed,
    text_event,
)
from tests.procs import MODEL_PATH, action_server, rasa_server
from tests.services import require

pytestmark = [pytest.mark.model, pytest.mark.slow]

QUIET = 3.0  # seconds to wait before concluding that nothing (more) was sent


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require(MODEL_PATH.exists(), f"trained model {MODEL_PATH} (run `make model`)")
    db_url = f"sqlite:///{tmp_path_factory.mktemp('zalo-e2e') / 'assistant.db'}"
    runner.upgrade(db_url)
    fake = FakeZalo(app_id=APP_ID, app_secret=APP_SECRET).start()
    env = rasa_env(fake, db_url, ZALO_BACKOFF_BASE_SECONDS="0.05", ZALO_BACKOFF_CAP_SECONDS="0.2")
    actions = action_server(env={"DATABASE_URL": db_url}).start()
    try:
        rasa = rasa_server(actions.url + "/webhook", env=env).start()
    except Exception:
        actions.stop()
        fake.stop()
        raise
    try:
        yield rasa, fake, ZaloStore(db_url)
    finally:
        rasa.stop()
        actions.stop()
        fake.stop()


def deliver(rasa, raw: bytes, headers) -> requests.Response:
    return requests.post(rasa.url + "/webhooks/zalo/webhook", data=raw, headers=headers, timeout=10)


def new_user() -> str:
    return "84" + uuid.uuid4().hex[:14]


def test_channel_is_mounted(stack):
    rasa, _, _ = stack
    assert requests.get(rasa.url + "/webhooks/zalo/", timeout=5).json() == {
        "status": "ok",
        "configured": True,
    }


def test_signed_xin_chao_gets_the_vietnamese_greeting(stack):
    rasa, fake, _ = stack
    uid = new_user()
    started = time.monotonic()
    resp = deliver(rasa, *signed(text_event(uid, "xin chào")))
    assert resp.status_code == 200 and resp.json() == {"status": "accepted"}
    assert time.monotonic() - started < 2.0, "Zalo needs the 200 within 2 s"
    [reply] = fake.wait_for(uid, 1, timeout=60)
    assert "Xin chào" in reply.text and "hướng nghiệp" in reply.text  # no "em" before the role is known
    assert reply.recipient == {"user_id": uid}


def test_forged_or_missing_signature_is_401_and_no_reply(stack):
    rasa, fake, _ = stack
    uid = new_user()
    raw, headers = signed(text_event(uid, "xin chào"), secret="not-the-oa-secret")
    assert deliver(rasa, raw, headers).status_code == 401
    raw, headers = signed(text_event(uid, "xin chào"))
    del headers["X-ZEvent-Signature"]
    assert deliver(rasa, raw, headers).status_code == 401
    time.sleep(QUIET)
    assert fake.attempts[uid] == 0 and fake.messages_for(uid) == []


def test_same_event_three_times_one_reply(stack):
    rasa, fake, store = stack
    uid = new_user()
    event = text_event(uid, "cảm ơn nhiều")
    delivery = signed(event)
    first = deliver(rasa, *delivery)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        retries = list(
            pool.map(lambda _: deliver(rasa, delivery[0], {**delivery[1], "num_retry": "1"}), range(2))
        )
    assert first.json()["status"] == "accepted"
    # "duplicate" when the database answered within the claim budget, else "accepted" and deduped later.
    assert [r.status_code for r in retries] == [200, 200]
    assert {r.json()["status"] for r in retries} <= {"duplicate", "accepted"}
    fake.wait_for(uid, 1, timeout=60)
    time.sleep(QUIET)
    assert len(fake.messages_for(uid)) == 1
    assert store.event_state("msg:" + event["message"]["msg_id"]) == "done"


def test_expired_token_mid_conversation_is_refreshed(stack):
    rasa, fake, store = stack
    uid = new_user()
    deliver(rasa, *signed(text_event(uid, "xin chào")))
    fake.wait_for(uid, 1, timeout=60)
    fake.expire_access_token()
    refreshes = fake.refresh_calls
    deliver(rasa, *signed(text_event(uid, "tạm biệt")))
    replies = fake.wait_for(uid, 2, timeout=60)
    assert len(replies) == 2 and "chọn được con đường phù hợp" in replies[1].text
    assert fake.refresh_calls == refreshes + 1
    assert replies[1].access_token == fake.access_token
    pair = store.load_tokens(APP_ID)
    assert pair.access_token == fake.access_token and pair.refresh_token == fake.refresh_token


def test_outside_window_error_recorded_not_retried(stack):
    rasa, fake, store = stack
    uid = new_user()
    fake.fail_next(uid, "-230", times=5)
    deliver(rasa, *signed(text_event(uid, "xin chào")))
    deadline = time.monotonic() + 60
    while not store.failures(uid) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(QUIET)
    [failure] = store.failures(uid)
    assert failure.error_code == -230 and failure.kind == "outside_window"
    assert fake.attempts[uid] == 1 and fake.messages_for(uid) == []


def test_follow_and_image(stack):
    rasa, fake, _ = stack
    uid = new_user()
    deliver(rasa, *signed(follow_event(uid)))
    [welcome] = fake.wait_for(uid, 1, timeout=60)
    assert welcome.text.startswith("Xin chào!")
    deliver(rasa, *signed(media_event(uid, "sticker")))
    replies = fake.wait_for(uid, 2, timeout=30)
    assert "chỉ đọc được tin nhắn chữ" in replies[1].text
