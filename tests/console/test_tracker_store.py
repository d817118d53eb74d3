"""MaskingSQLTrackerStore: real Rasa events, real databases."""
from __future__ import annotations

import asyncio
import json

import sqlalchemy as sa

from helpers import conversation_events, make_store, save_conversation


def test_masks_before_storing_and_round_trips(database_url):
    store = make_store(database_url)
    try:
        events = conversation_events([
            dict(text="em ở Vĩnh Tường, sđt 0987.654.321", intent="inform", confidence=0.8,
                 entities=[{"entity": "area", "value": "vinh_tuong", "span": "Vĩnh Tường"}],
                 slots={"phone": "0987654321"}, reply="Cô ghi nhận số 0987654321 và mail a@b.vn"),
        ], 1_700_000_000)
        save_conversation(store, "s1", events)
        with store.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT type_name, intent_name, data FROM events WHERE sender_id = 's1' ORDER BY id")).all()
        blob = " ".join(r.data for r in rows)
        assert "0987" not in blob and "a@b.vn" not in blob
        user = json.loads(next(r.data for r in rows if r.type_name == "user"))
        assert user["text"] == "em ở Vĩnh Tường, sđt [SĐT]"
        entity = user["parse_data"]["entities"][0]
        assert user["text"][entity["start"]:entity["end"]] == "Vĩnh Tường"
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

    from bot.tracker_store import MaskingSQLTrackerStore

    store = create_tracker_store(EndpointConfig(url=database_url, type="bot.tracker_store.MaskingSQLTrackerStore"))
    try:
        assert isinstance(store, MaskingSQLTrackerStore) and str(store.engine.url.database) in database_url
    finally:
        store.engine.dispose()
    monkeypatch.setenv("DATABASE_URL", database_url)
    store = create_tracker_store(EndpointConfig(type="bot.tracker_store.MaskingSQLTrackerStore"))
    try:
        assert isinstance(store, MaskingSQLTrackerStore) and str(store.engine.url.database) in database_url
    finally:
        store.engine.dispose()
