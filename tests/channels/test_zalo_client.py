"""The channel against the fake Zalo API over real HTTP, with a real database
(SQLite and PostgreSQL) and, for the Redis lock, real Redis. No Rasa here: the
webhook handler is called with a collecting `on_new_message`."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import socket
import time
import uuid
from typing import List

import pytest

from bot.channels.store import ZaloStore, hash_user_id
from bot.channels.zalo import ZaloInput, ZaloOutput, ZaloRuntime
from bot.channels.zalo_api import LocalRefreshLock, RedisRefreshLock, ZaloClient, ZaloTokenError
from bot.channels.zalo_config import ZaloConfig
from bot.channels.zalo_format import UNSUPPORTED_MEDIA_TEXT
from bot.db import dispose_engines
from bot.migrations import runner
from tests.fakes.fake_zalo import FakeZalo
from tests.fakes.zalo_events import (
    APP_ID,
    APP_SECRET,
    OA_ID,
    OA_SECRET,
    echo_event,
    follow_event,
    media_event,
    signed,
    text_event,
)


@pytest.fixture(scope="module")
def fake():
    with FakeZalo(app_id=APP_ID, app_secret=APP_SECRET) as server:
        yield server


@pytest.fixture
def db(database_url):
    runner.upgrade(database_url)
    return database_url


def make_config(fake: FakeZalo, db: str, **overrides) -> ZaloConfig:
    config = ZaloConfig.from_mapping(
        {
            "app_id": APP_ID,
            "oa_id": OA_ID,
            "oa_secret_key": OA_SECRET,
            "app_secret_key": APP_SECRET,
            "access_token": fake.access_token,
            "refresh_token": fake.refresh_token,
            "api_base_url": fake.url,
            "oauth_base_url": fake.url,
            "database_url": db,
            "backoff_base_seconds": "0.02",
            "backoff_cap_seconds": "0.1",
            "send_timeout_seconds": "2",
            "max_sends_per_second": "0",
        }
    )
    return dataclasses.replace(config, redis_url=None, **overrides)


def user() -> str:
    return "u" + uuid.uuid4().hex[:15]


def run(coro):
    return asyncio.run(coro)


# --- de-duplication ------------------------------------------------------------------------


def test_dedup_survives_a_restart(db):
    store = ZaloStore(db)
    assert store.claim_event("msg:abc", "user_send_text") is True
    assert store.claim_event("msg:abc", "user_send_text") is False
    store.finish_event("msg:abc", True)
    dispose_engines()  # the "restart": new engine, new store, same database
    again = ZaloStore(db)
    assert again.claim_event("msg:abc", "user_send_text") is False
    assert again.event_state("msg:abc") == "done"
    assert again.claim_event("msg:other", "user_send_text") is True


def test_an_event_is_taken_over_only_after_its_owners_lease_ran_out(db):
    store = ZaloStore(db)
    assert store.claim_event("msg:crashed", "user_send_text", '{"x": 1}', owner="a", lease_seconds=0.05)
    assert not store.claim_event("msg:crashed", "user_send_text", owner="b", lease_seconds=5)  # lease held
    assert store.orphaned_events() == []
    time.sleep(0.1)
    assert store.orphaned_events() == [("msg:crashed", '{"x": 1}')]
    assert store.claim_event("msg:crashed", "user_send_text", owner="b", lease_seconds=5)  # a retry takes it
    assert not store.take_over("msg:crashed", "c", 5)
    store.finish_event("msg:crashed", True)
    time.sleep(0.1)
    assert not store.claim_event("msg:crashed", "user_send_text", owner="c", lease_seconds=0.01)
    assert store.orphaned_events() == []


def test_a_live_owner_keeps_its_events_by_renewing_the_lease(db):
    store = ZaloStore(db)
    store.claim_event("msg:busy", "user_send_text", "{}", owner="a", lease_seconds=0.2)
    for _ in range(3):
        time.sleep(0.1)
        assert store.renew_leases("a", 0.2) == 1
        assert not store.take_over("msg:busy", "b", 5)
    store.count_reply("msg:busy")
    store.count_reply("msg:busy")
    assert store.replies_sent("msg:busy") == 2
    store.finish_event("msg:busy", True)
    assert store.renew_leases("a", 0.2) == 0


def test_the_payload_is_dropped_once_the_event_is_answered(db):
    import sqlalchemy as sa

    from bot.channels.store import ZaloEvent
    from bot.db import session_scope

    store = ZaloStore(db)
    store.claim_event("msg:done", "user_send_text", '{"message": {"text": "0912345678"}}', owner="a")
    store.finish_event("msg:done", True)
    with session_scope(db) as session:
        assert (
            session.execute(
                sa.select(ZaloEvent.payload).where(ZaloEvent.event_key == "msg:done")
            ).scalar_one()
            is None
        )


def test_concurrent_claims_one_winner(db):
    store = ZaloStore(db)

    async def main():
        return await asyncio.gather(
            *[asyncio.to_thread(store.claim_event, "msg:race", "user_send_text") for _ in range(8)]
        )

    assert sum(run(main())) == 1


# --- tokens --------------------------------------------------------------------------------


def fresh_fake_pair(fake: FakeZalo) -> None:
    """Give the module-wide fake a new valid pair, as if the admin re-authorised."""
    fake.access_token, fake.refresh_token = (
        f"access-{uuid.uuid4().hex[:6]}",
        f"refresh-{uuid.uuid4().hex[:6]}",
    )


def test_expired_token_refreshed_once_and_rotation_persisted(fake, db):
    fresh_fake_pair(fake)
    config = make_config(fake, db)
    store = ZaloStore(db)
    uid = user()

    async def main():
        client = ZaloClient(config, store)
        try:
            assert (await client.send(uid, {"text": "một"})).ok
            fake.expire_access_token()
            calls = fake.refresh_calls
            result = await client.send(uid, {"text": "hai"})
            return result, fake.refresh_calls - calls
        finally:
            await client.close()

    result, refreshes = run(main())
    assert result.ok and refreshes == 1
    assert [m.text for m in fake.messages_for(uid)] == ["một", "hai"]
    pair = store.load_tokens(config.token_key)
    assert pair.refresh_token == fake.refresh_token and pair.access_token == fake.access_token
    assert "access" not in repr(pair) and pair.refresh_token not in repr(pair)
    # A restart with the same (now spent) seed in the environment keeps the rotated pair.
    assert (
        store.seed_tokens(
            config.token_key,
            config.seed_access_token,
            config.seed_refresh_token,
            90000,
            __import__("hashlib").sha256(config.seed_refresh_token.encode()).hexdigest(),
        )
        is False
    )
    assert store.load_tokens(config.token_key).refresh_token == fake.refresh_token


def test_token_close_to_expiry_is_refreshed_before_use(fake, db):
    fresh_fake_pair(fake)
    config = dataclasses.replace(make_config(fake, db), seed_expires_in_seconds=60)  # < refresh margin
    old = fake.access_token

    async def main():
        client = ZaloClient(config, ZaloStore(db))
        try:
            return await client.tokens.access_token(), client.tokens.refresh_calls
        finally:
            await client.close()

    token, calls = run(main())
    assert token != old and token == fake.access_token and calls == 1


def concurrent_refreshes(fake, db, locks) -> List[str]:
    """Two 'replicas' (separate clients, separate locks, one database) refresh the same stale token."""
    fresh_fake_pair(fake)
    config = make_config(fake, db)
    stale = fake.access_token
    fake.expire_access_token()
    fake.refresh_delay = 0.3

    async def main():
        clients = [ZaloClient(config, ZaloStore(db), lock=lock) for lock in locks]
        try:
            for c in clients:
                await c.tokens.current()  # seed
            before = fake.refresh_calls
            tokens = await asyncio.gather(*[c.tokens.refresh(stale) for c in clients for _ in range(3)])
            return tokens, fake.refresh_calls - before
        finally:
            for c in clients:
                await c.close()

    try:
        tokens, calls = run(main())
    finally:
        fake.refresh_delay = 0.0
    assert calls == 1, f"{calls} refreshes for one expired token"
    assert set(tokens) == {fake.access_token}
    return tokens


def test_two_replicas_without_redis_refresh_once(fake, db):
    concurrent_refreshes(fake, db, [LocalRefreshLock(), LocalRefreshLock()])


@pytest.mark.redis
def test_two_replicas_with_redis_lock_refresh_once(fake, db, redis_url):
    name = f"zalo:test-lock:{uuid.uuid4().hex}"
    concurrent_refreshes(fake, db, [RedisRefreshLock(redis_url, name), RedisRefreshLock(redis_url, name)])


@pytest.mark.redis
def test_redis_lock_excludes_a_second_holder(redis_url):
    name = f"zalo:test-lock:{uuid.uuid4().hex}"

    async def main():
        first, second = (
            RedisRefreshLock(redis_url, name),
            RedisRefreshLock(redis_url, name, blocking_timeout=0.3),
        )
        try:
            async with first:
                with pytest.raises(ZaloTokenError):
                    async with second:
                        pass
            async with second:  # free again
                return True
        finally:
            await first.close()
            await second.close()

    assert run(main())


def test_spent_refresh_token_is_reported_not_looped(fake, db):
    fresh_fake_pair(fake)
    config = make_config(fake, db)
    uid = user()

    async def main():
        client = ZaloClient(config, ZaloStore(db))
        try:
            await client.tokens.current()
            fake.refresh_token = "rotated-elsewhere"  # our stored refresh token is no longer valid
            fake.expire_access_token()
            before = fake.refresh_calls
            result = await client.send(uid, {"text": "x"})
            return result, fake.refresh_calls - before
        finally:
            await client.close()

    result, calls = run(main())
    assert not result.ok and result.kind == "token" and calls == 1
    assert ZaloStore(db).failures(uid)[0].kind == "token"


# --- sending: errors, retries ------------------------------------------------------------------


def send_one(fake, db, uid, text="chào", **overrides):
    config = make_config(fake, db, **overrides)

    async def main():
        client = ZaloClient(config, ZaloStore(db))
        try:
            started = time.monotonic()
            result = await client.send(uid, {"text": text})
            return result, time.monotonic() - started
        finally:
            await client.close()

    return run(main())


def test_outside_window_is_recorded_and_not_retried(fake, db):
    fresh_fake_pair(fake)
    uid = user()
    fake.fail_next(uid, "-230", times=3)
    result, _ = send_one(fake, db, uid)
    assert not result.ok and result.error_code == -230 and result.kind == "outside_window"
    assert fake.attempts[uid] == 1 and fake.messages_for(uid) == []
    [failure] = ZaloStore(db).failures(uid)
    assert failure.error_code == -230 and failure.kind == "outside_window"
    assert failure.user_hash == hash_user_id(uid) and uid not in failure.user_hash
    assert "7 days" in failure.error_message


@pytest.mark.parametrize("kind", ["500", "-32"])
def test_transient_errors_are_retried(fake, db, kind):
    fresh_fake_pair(fake)
    uid = user()
    fake.fail_next(uid, kind, times=2)
    result, _ = send_one(fake, db, uid)
    assert result.ok and fake.attempts[uid] == 3 and len(fake.messages_for(uid)) == 1


def test_slow_response_times_out_and_is_retried(fake, db):
    fresh_fake_pair(fake)
    uid = user()
    fake.slow_seconds = 1.5
    fake.fail_next(uid, "slow")
    result, elapsed = send_one(fake, db, uid, send_timeout_seconds=0.5)
    assert result.ok and fake.attempts[uid] == 2 and elapsed < 1.5


def test_persistent_failure_gives_up_within_bounds(fake, db):
    fresh_fake_pair(fake)
    uid = user()
    fake.fail_next(uid, "500", times=10)
    result, elapsed = send_one(
        fake, db, uid, send_max_attempts=4, backoff_base_seconds=0.05, backoff_cap_seconds=0.1
    )
    assert not result.ok and result.kind == "unavailable" and fake.attempts[uid] == 4
    assert elapsed < 0.05 + 0.1 + 0.1 + 1.0  # three bounded sleeps plus request time
    assert ZaloStore(db).failures(uid)[0].kind == "unavailable"


def test_retries_back_off_then_give_up_at_the_limit(fake, db, caplog):
    """Each retry is logged with its wait; the waits grow (at least half the exponential
    ceiling each); the limit ends it with one recorded failure, the fake saw every attempt."""
    fresh_fake_pair(fake)
    uid = user()
    fake.fail_next(uid, "500", times=3)
    fake.fail_next(uid, "-32", times=3)
    with caplog.at_level(logging.WARNING, logger="bot.channels.zalo_api"):
        result, elapsed = send_one(
            fake, db, uid, send_max_attempts=3, backoff_base_seconds=0.2, backoff_cap_seconds=0.3
        )
    assert not result.ok and result.kind == "unavailable"
    assert result.message == "gave up after 3 attempts: HTTP 500"
    assert fake.attempts[uid] == 3 and fake.messages_for(uid) == []
    retries = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    assert [m.split(" failed")[0] for m in retries] == ["Zalo send attempt 1", "Zalo send attempt 2"]
    assert elapsed >= 0.1 + 0.15  # 0.2 / 2, then min(0.3, 0.4) / 2
    [failure] = ZaloStore(db).failures(uid)
    assert failure.kind == "unavailable" and "3 attempts" in failure.error_message
    # the next message retries through the rate limit and gets through
    result, _ = send_one(fake, db, uid, backoff_base_seconds=0.01, backoff_cap_seconds=0.02)
    assert result.ok and fake.attempts[uid] == 3 + 4 and len(fake.messages_for(uid)) == 1


def test_connection_errors_are_transient(fake, db):
    fresh_fake_pair(fake)
    uid = user()
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result, _ = send_one(fake, db, uid, send_max_attempts=2, api_base_url=f"http://127.0.0.1:{port}")
    assert not result.ok and result.kind == "unavailable"
    assert result.message == "gave up after 2 attempts: ClientConnectorError"


# --- output channel -------------------------------------------------------------------------


def output_run(fake, db, coro_factory, **overrides):
    config = make_config(fake, db, **overrides)

    async def main():
        runtime = ZaloRuntime(config)
        try:
            return await coro_factory(runtime)
        finally:
            await runtime.close()

    return run(main())


BUTTONS = [
    {"title": "Trung cấp", "payload": "/level_trung_cap"},
    {"title": "Cao đẳng", "payload": "/level_cao_dang"},
]


def test_buttons_are_sent_as_zalo_buttons(fake, db):
    fresh_fake_pair(fake)
    uid = user()
    output_run(
        fake,
        db,
        lambda rt: ZaloOutput(rt).send_response(
            uid, {"text": "Em chọn trình độ nào?", "buttons": list(BUTTONS)}
        ),
    )
    [sent] = fake.messages_for(uid)
    assert sent.text == "Em chọn trình độ nào?"
    assert sent.buttons == [
        {"title": "Trung cấp", "type": "oa.query.hide", "payload": "/level_trung_cap"},
        {"title": "Cao đẳng", "type": "oa.query.hide", "payload": "/level_cao_dang"},
    ]


def test_too_many_buttons_fall_back_to_numbered_menu_and_answers_map_back(fake, db):
    fresh_fake_pair(fake)
    uid = user()
    many = [{"title": f"Lựa chọn {i}", "payload": f"/choice_{i}"} for i in range(1, 6)]
    received = []

    async def scenario(runtime):
        await ZaloOutput(runtime).send_text_with_buttons(uid, "Em chọn một:", many)
        channel = ZaloInput(runtime.config)
        channel._runtime = runtime

        async def on_new_message(message):
            received.append(message)

        await channel._handle_text(uid, "3", "m1", {"zalo": {}}, on_new_message, "msg:m1")
        await channel._handle_text(uid, "3", "m2", {"zalo": {}}, on_new_message, "msg:m2")  # menu consumed

    output_run(fake, db, scenario, max_buttons=4)
    [sent] = fake.messages_for(uid)
    assert sent.buttons == [] and "3. Lựa chọn 3" in sent.text and "Gõ 1, 2, 3, 4 hoặc 5" in sent.text
    assert [m.text for m in received] == ["/choice_3", "3"]
    assert received[0].input_channel == "zalo"
    assert received[0].sender_id == "zalo:" + uid  # the conversation lives in Zalo's namespace


def test_text_mode_always_uses_the_menu(fake, db):
    fresh_fake_pair(fake)
    uid = user()
    output_run(
        fake, db, lambda rt: ZaloOutput(rt).send_text_with_buttons(uid, "Chọn:", BUTTONS), button_mode="text"
    )
    [sent] = fake.messages_for(uid)
    assert sent.buttons == [] and sent.text.splitlines()[2:4] == ["1. Trung cấp", "2. Cao đẳng"]


def test_refused_button_template_falls_back_to_menu(fake, db):
    fresh_fake_pair(fake)
    uid = user()
    fake.fail_next(uid, "-233")
    output_run(fake, db, lambda rt: ZaloOutput(rt).send_text_with_buttons(uid, "Chọn:", BUTTONS))
    [sent] = fake.messages_for(uid)
    assert "1. Trung cấp" in sent.text and fake.attempts[uid] == 2
    assert ZaloStore(db).failures(uid)[0].error_code == -233


def test_long_reply_arrives_in_order_in_chunks(fake, db):
    fresh_fake_pair(fake)
    uid = user()
    text = " ".join(f"Câu số {i} nói về học nghề." for i in range(300))
    output_run(fake, db, lambda rt: ZaloOutput(rt).send_text_message(uid, text))
    sent = fake.messages_for(uid)
    assert len(sent) == 5 and all(len(m.text) <= 2000 for m in sent)  # ~8,400 characters
    assert " ".join(m.text for m in sent) == text


def test_window_error_stops_the_rest_of_the_turn(fake, db):
    fresh_fake_pair(fake)
    uid = user()
    fake.fail_next(uid, "-230")
    text = " ".join(f"Câu số {i}." for i in range(600))

    async def scenario(runtime):
        out = ZaloOutput(runtime)
        await out.send_text_message(uid, text)
        await out.send_image_url(uid, "https://example.invalid/x.png")

    output_run(fake, db, scenario)
    assert fake.attempts[uid] == 1 and len(ZaloStore(db).failures(uid)) == 1


def test_image_sent_as_media_template(fake, db):
    fresh_fake_pair(fake)
    uid = user()
    output_run(
        fake, db, lambda rt: ZaloOutput(rt).send_response(uid, {"image": "https://example.invalid/a.png"})
    )
    [sent] = fake.messages_for(uid)
    assert sent.message["attachment"]["payload"]["elements"][0]["url"] == "https://example.invalid/a.png"


# --- the webhook handler in-process -------------------------------------------------------------


def webhook_run(fake, db, deliveries, **overrides):
    """Deliver (raw, headers) pairs to ZaloInput.handle_webhook; return statuses, bodies, UserMessages."""
    # A generous claim budget makes "duplicate" answers deterministic here.
    config = make_config(fake, db, **{"claim_budget_seconds": 5.0, **overrides})
    received = []

    async def on_new_message(message):
        received.append(message)
        await message.output_channel.send_text_message(message.sender_id, "Chào bạn!")

    async def main():
        channel = ZaloInput(config)
        try:
            results = []
            for raw, headers in deliveries:
                resp = await channel.handle_webhook(raw, headers, on_new_message)
                results.append((resp.status, json.loads(resp.body)))
            await channel.runtime.drain()
            return results
        finally:
            await channel.runtime.close()

    return run(main()), received


def test_webhook_forged_and_missing_signature_get_401_and_nothing_runs(fake, db):
    fresh_fake_pair(fake)
    uid = user()
    raw, headers = signed(text_event(uid, "xin chào"), secret="forged")
    raw2, _ = signed(text_event(uid, "xin chào"))
    results, received = webhook_run(fake, db, [(raw, headers), (raw2, {})])
    assert [status for status, _ in results] == [401, 401]
    assert received == [] and fake.attempts[uid] == 0


def test_webhook_without_configured_secret_rejects(fake, db):
    uid = user()
    results, received = webhook_run(fake, db, [signed(text_event(uid, "hi"), secret="")], oa_secret_key="")
    assert results[0][0] == 401 and received == []


def test_webhook_text_nfc_metadata_and_dedup(fake, db):
    fresh_fake_pair(fake)
    uid = user()
    import unicodedata

    event = text_event(uid, unicodedata.normalize("NFD", "em muốn học nghề"))
    delivery = signed(event)
    results, received = webhook_run(fake, db, [delivery, delivery, delivery])
    assert [body["status"] for _, body in results] == ["accepted", "duplicate", "duplicate"]
    [message] = received
    assert message.text == "em muốn học nghề" and unicodedata.is_normalized("NFC", message.text)
    assert message.input_channel == "zalo" and message.sender_id == "zalo:" + uid
    assert message.message_id == event["message"]["msg_id"]
    assert message.metadata["zalo"]["event_name"] == "user_send_text"
    assert len(fake.messages_for(uid)) == 1


def test_webhook_media_gets_polite_text_only_reply(fake, db):
    fresh_fake_pair(fake)
    uid = user()
    deliveries = [
        signed(media_event(uid, kind)) for kind in ("image", "sticker", "file", "gif", "audio", "location")
    ]
    results, received = webhook_run(fake, db, deliveries)
    assert all(status == 200 for status, _ in results) and received == []
    texts = [m.text for m in fake.messages_for(uid)]
    assert texts == [UNSUPPORTED_MEDIA_TEXT] * 6 and "chỉ đọc được tin nhắn chữ" in texts[0]


def test_webhook_slow_database_acknowledges_first_and_still_dedups(fake, db):
    fresh_fake_pair(fake)
    uid = user()
    delivery = signed(text_event(uid, "xin chào"))
    results, received = webhook_run(fake, db, [delivery, delivery], claim_budget_seconds=0)
    assert [body["status"] for _, body in results] == ["accepted", "accepted"]
    assert len(received) == 1 and len(fake.messages_for(uid)) == 1


@pytest.mark.parametrize("processing", ["thread", "loop"])
def test_webhook_processing_modes(fake, db, processing):
    fresh_fake_pair(fake)
    uid = user()
    results, received = webhook_run(fake, db, [signed(text_event(uid, "xin chào"))], processing=processing)
    assert results[0][0] == 200 and len(received) == 1 and fake.messages_for(uid)[0].text == "Chào bạn!"


def test_webhook_follow_greets_and_echo_unknown_are_ignored(fake, db):
    fresh_fake_pair(fake)
    uid = user()
    unknown = dict(echo_event(uid), event_name="user_reacted_message")
    receipt = dict(echo_event(uid), event_name="user_seen_message")
    deliveries = [signed(echo_event(uid)), signed(unknown), signed(receipt), signed(follow_event(uid))]
    results, received = webhook_run(fake, db, deliveries)
    assert [body["status"] for _, body in results] == ["ignored", "ignored", "ignored", "accepted"]
    [greet] = received
    assert greet.text == "/greet" and greet.sender_id == "zalo:" + uid


def test_webhook_follow_without_payload_sends_fixed_welcome(fake, db):
    fresh_fake_pair(fake)
    uid = user()
    results, received = webhook_run(fake, db, [signed(follow_event(uid))], follow_payload="")
    assert received == [] and fake.messages_for(uid)[0].text.startswith("Xin chào, cảm ơn đã quan tâm!")


def test_webhook_replayed_old_event_acknowledged_but_dropped(fake, db):
    uid = user()
    old = str(int((time.time() - 5 * 3600) * 1000))
    results, received = webhook_run(fake, db, [signed(text_event(uid, "xin chào", timestamp=old))])
    assert results == [(200, {"status": "ignored", "reason": "stale"})] and received == []


def test_webhook_foreign_app_id_ignored(fake, db):
    uid = user()
    event = text_event(uid, "hi", app_id="someone-else")
    results, received = webhook_run(fake, db, [signed(event)])  # signed with our secret and app id
    assert results[0] == (200, {"status": "ignored", "reason": "app_id"}) and received == []
