"""MaskingSQLTrackerStore: real Rasa events, real databases."""

from __future__ import annotations

import asyncio
import json

import sqlalchemy as sa
from helpers import conversation_events, make_store, save_conversation


def test_masks_before_storing_and_round_trips(database_url):
    store = make_store(database_url)
    try:
        events = conversation_events(
            [
                dict(
                    text="em ở Vĩnh Tường, sđt 0987.654.321",
                    intent="inform",
                    confidence=0.8,
                    entities=[{"entity": "area", "value": "vinh_tuong", "span": "Vĩnh Tường"}],
                    slots={"phone": "0987654321"},
                    reply="Cô ghi nhận số 0987654321 và mail a@b.vn",
                ),
            ],
            1_700_000_000,
        )
        save_conversation(store, "s1", events)
        with store.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT type_name, intent_name, data FROM events WHERE sender_id = 's1' ORDER BY id")
            ).all()
        blob = " ".join(r.data for r in rows)
        assert "0987" not in blob and "a@b.vn" not in blob
        user = json.loads(next(r.data for r in rows if r.type_name == "user"))
        assert user["text"] == "em ở Vĩnh Tường, sđt [SĐT]"
        entity = user["parse_data"]["entities"][0]
        assert user["text"][entity["start"] : entity["end"]] == "Vĩnh Tường"
        assert next(r.intent_name for r in rows if r.type_name == "user") == "inform"
        tracker = asyncio.run(store.retrieve("s1"))
        assert tracker.latest_message.text == "em ở Vĩnh Tường, sđt [SĐT]"
        # saving the same tracker again adds nothing
        save_conversation(store, "s1", events)
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT COUNT(*) FROM events")).scalar_one() == len(rows)
    finally:
        store.engine.dispose()


def test_created_from_endpoint_config(database_url, monkeypatch):
    from rasa.core.tracker_store import create_tracker_store
    from rasa.utils.endpoints import EndpointConfig

    from bot.runtime.tracker_store import MaskingSQLTrackerStore

    store = create_tracker_store(
        EndpointConfig(url=database_url, type="bot.runtime.tracker_store.MaskingSQLTrackerStore")
    )
    try:
        assert isinstance(store, MaskingSQLTrackerStore) and str(store.engine.url.database) in database_url
    finally:
        store.engine.dispose()
    monkeypatch.setenv("DATABASE_URL", database_url)
    store = create_tracker_store(EndpointConfig(type="bot.runtime.tracker_store.MaskingSQLTrackerStore"))
    try:
        assert isinstance(store, MaskingSQLTrackerStore) and str(store.engine.url.database) in database_url
    finally:
        store.engine.dispose()


def _user_turn(text: str, ts: float) -> list:
    return conversation_events([dict(text=text, intent="greet", confidence=0.9)], ts)


def _say(tracker, text: str, ts: float) -> None:
    """One more turn in the same session."""
    for event in _user_turn(text, ts)[3:]:
        tracker.update(event)


def _open(store, sender_id: str):
    """A stored conversation's tracker as the store hands it out (sessions start uncached)."""
    from rasa.shared.core.trackers import DialogueStateTracker

    asyncio.run(
        store.save(DialogueStateTracker.from_events(sender_id, _user_turn("xin chào", 1_700_000_000)))
    )
    return asyncio.run(store.retrieve(sender_id))


def _stored_texts(store, sender_id: str) -> list:
    with store.engine.connect() as conn:
        rows = (
            conn.execute(
                sa.text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id"),
                {"s": sender_id},
            )
            .scalars()
            .all()
        )
    return [json.loads(r)["text"] for r in rows]


def test_saved_tracker_is_handed_out_once_from_the_cache_and_stored_exactly_once(database_url):
    store = make_store(database_url)
    try:
        tracker = _open(store, "c1")  # loaded from the rows: a new session is not cached
        _say(tracker, "cảm ơn", 1_700_000_010)
        asyncio.run(store.save(tracker))
        assert asyncio.run(store.retrieve("c1")) is tracker  # cached: no rebuild
        _say(tracker, "tạm biệt", 1_700_000_020)
        asyncio.run(store.save(tracker))
        assert _stored_texts(store, "c1") == ["xin chào", "cảm ơn", "tạm biệt"]
        # checked out: a second retrieval without a save in between reads the rows
        again = asyncio.run(store.retrieve("c1"))
        reloaded = asyncio.run(store.retrieve("c1"))
        assert again is tracker and reloaded is not tracker
        assert [e.as_dict() for e in reloaded.events] == [e.as_dict() for e in tracker.events]
    finally:
        store.engine.dispose()


def test_rows_written_elsewhere_invalidate_the_cached_tracker(database_url):
    """Another replica (a second store on the same database) continues the conversation."""
    ours, other = make_store(database_url), make_store(database_url)
    try:
        tracker = _open(ours, "c2")
        _say(tracker, "chào bạn", 1_700_000_005)
        asyncio.run(ours.save(tracker))
        theirs = asyncio.run(other.retrieve("c2"))
        _say(theirs, "học nghề ở đâu", 1_700_000_010)
        asyncio.run(other.save(theirs))
        current = asyncio.run(ours.retrieve("c2"))
        assert current is not tracker
        assert current.latest_message.text == "học nghề ở đâu"
        _say(current, "cảm ơn", 1_700_000_020)
        asyncio.run(ours.save(current))
        assert _stored_texts(ours, "c2") == ["xin chào", "chào bạn", "học nghề ở đâu", "cảm ơn"]
        # rows deleted by another process (retention purge): nothing stale comes back
        with ours.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM events WHERE sender_id = 'c2'"))
        assert asyncio.run(ours.retrieve("c2")) is None
    finally:
        ours.engine.dispose()
        other.engine.dispose()


def test_trackers_with_masked_events_are_not_cached(sqlite_url):
    store = make_store(sqlite_url)
    try:
        tracker = _open(store, "c3")
        _say(tracker, "gọi em số 0987654321", 1_700_000_010)
        asyncio.run(store.save(tracker))
        later = asyncio.run(store.retrieve("c3"))
        assert later is not tracker and later.latest_message.text == "gọi em số [SĐT]"
    finally:
        store.engine.dispose()


def test_cache_is_bounded(sqlite_url, monkeypatch):
    monkeypatch.setenv("TRACKER_CACHE_SIZE", "2")
    store = make_store(sqlite_url)
    try:
        trackers = {}
        for n in range(3):
            trackers[n] = _open(store, f"b{n}")
            _say(trackers[n], "cảm ơn", 1_700_000_100 + n)
            asyncio.run(store.save(trackers[n]))
        assert asyncio.run(store.retrieve("b0")) is not trackers[0]  # least recently saved: evicted
        assert asyncio.run(store.retrieve("b2")) is trackers[2]
    finally:
        store.engine.dispose()
