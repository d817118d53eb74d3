"""bot/runtime/warmup.py: the real model is warmed up without storing anything."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from tests.procs import MODEL_PATH


def test_warm_up_runs_nlu_and_prediction_and_stores_nothing(tmp_path):
    from rasa.core.agent import Agent

    from bot.runtime import warmup
    from bot.runtime.tracker_store import MaskingSQLTrackerStore

    url = f"sqlite:///{tmp_path}/warm.db"
    store = MaskingSQLTrackerStore(url=url)
    agent = Agent.load(str(MODEL_PATH), tracker_store=store)
    store.domain = agent.domain
    assert asyncio.run(warmup.warm_up(agent)) == len(warmup.WARM_UP_TEXTS)
    with sa.create_engine(url).connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM events")).scalar_one() == 0


def test_the_server_warms_up_from_its_start_listener_and_says_so():
    """The warm-up channel in credentials.yml: the real server, the real model."""
    import time

    import requests

    from tests.procs import action_server, rasa_server
    from tests.services import require

    require(MODEL_PATH.exists(), f"trained model {MODEL_PATH} (run `make model`)")
    with action_server() as actions, rasa_server(actions.url + "/webhook") as rasa:
        deadline, status = time.monotonic() + 60, {}
        while time.monotonic() < deadline and not status.get("warmed_up"):
            status = requests.get(rasa.url + "/webhooks/warmup/", timeout=30).json()
            time.sleep(0.2)
        assert status["warmed_up"] is True and status["messages"] == 3
        log = rasa.log_path.read_text(errors="replace")
        assert "Model warmed up with 3 messages" in log
        assert "Not applying" not in log  # every change to Rasa applied on this version
