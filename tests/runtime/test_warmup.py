"""bot/runtime/warmup.py: the real model is warmed up without storing anything."""
from __future__ import annotations

import asyncio

import sqlalchemy as sa

from procs import MODEL_PATH


def test_warm_up_runs_nlu_and_prediction_and_stores_nothing(tmp_path):
    from rasa.core.agent import Agent

    from bot.runtime import warmup
    from bot.tracker_store import MaskingSQLTrackerStore

    url = f"sqlite:///{tmp_path}/warm.db"
    store = MaskingSQLTrackerStore(url=url)
    agent = Agent.load(str(MODEL_PATH), tracker_store=store)
    store.domain = agent.domain
    assert asyncio.run(warmup.warm_up(agent)) == len(warmup.WARM_UP_TEXTS)
    with sa.create_engine(url).connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM events")).scalar_one() == 0
