"""Fault tests of the scaled profile on 127.0.0.1 with the real services: two Rasa
replicas behind nginx (configuration from bot/scaled.py) on PostgreSQL, with a Redis
lock store (a redis-server started for this module, so the test can stop it)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid

import pytest
import requests
import sqlalchemy as sa

from bench.load import check_tracker_store, run_load
from bot.scaled import nginx_config, write_nginx_config
from tests.procs import ROOT, ServerProcess, action_server, free_port, rasa_server
from tests.services import fresh_postgres_database, require

pytestmark = [pytest.mark.model, pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


@pytest.fixture(scope="module")
def scaled_db():
    with fresh_postgres_database("t_scaled") as url:
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [sys.executable, "-m", "bot", "catalog", "import", "data/catalog"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        yield url


@pytest.fixture(scope="module")
def stack(scaled_db, tmp_path_factory):
    require(shutil.which("redis-server") is not None, "redis-server")
    require(shutil.which("nginx") is not None, "nginx (Debian package nginx-light)")
    redis_port = free_port()
    redis_proc = ServerProcess(
        "redis",
        [
            "redis-server",
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        redis_port,
        None,
    ).start()
    env = {"DATABASE_URL": scaled_db, "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}
    actions = action_server(env=env).start()
    replicas = [
        rasa_server(actions.url + "/webhook", env=env, endpoints="endpoints.scaled.yml") for _ in range(2)
    ]
    threads = [threading.Thread(target=r.start) for r in replicas]  # load both models at once
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.healthy() for r in replicas), [r.log_tail() for r in replicas]
    lb_port, lb_actions, lb_web = free_port(), free_port(), free_port()
    conf_dir = tmp_path_factory.mktemp("nginx")
    ports = {"rasa": [r.port for r in replicas], "actions": [actions.port], "web": [free_port()]}
    write_nginx_config(conf_dir, nginx_config(ports, lb_port, lb_actions, lb_web))
    nginx = ServerProcess(
        "nginx", ["nginx", "-p", str(conf_dir), "-c", "nginx.conf", "-g", "daemon off;"], lb_port, "/"
    ).start()
    yield {"url": nginx.url, "db": scaled_db, "replicas": replicas, "redis": redis_proc}
    for proc in [nginx, *replicas, actions, redis_proc]:
        proc.stop()


def _user_events(db_url: str) -> int:
    engine = sa.create_engine(db_url, future=True)
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM events WHERE type_name = 'user'")).scalar_one()
    engine.dispose()
    return count


def test_replica_stopped_during_load_loses_and_duplicates_nothing(stack):
    users, per_user = 6, 8
    before = _user_events(stack["db"])
    result = {}
    worker = threading.Thread(
        target=lambda: result.update(asyncio.run(run_load(stack["url"], users, per_user)))
    )
    worker.start()
    deadline = time.monotonic() + 120
    while _user_events(stack["db"]) - before < users * per_user // 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    victim = stack["replicas"][0]
    victim.stop(signal.SIGTERM)  # what an orchestrator or Ctrl-C does to one replica
    worker.join(timeout=300)
    assert not worker.is_alive()
    assert victim.proc.poll() is not None
    assert result["errors"] == {}, result["errors"]
    assert result["messages"] == users * per_user
    assert check_tracker_store(stack["db"], result["_sent"]) == {"lost": 0, "duplicated": 0}


def test_redis_down_gives_one_clear_log_line_and_replies_continue(stack):
    survivor = next(r for r in stack["replicas"] if r.proc.poll() is None)
    sender = f"redis-down-{uuid.uuid4().hex[:6]}"

    def say(text):
        reply = requests.post(
            stack["url"] + "/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30
        )
        assert reply.status_code == 200
        return reply.json()

    assert say("xin chào")
    stack["redis"].stop()
    for text in ["xin chào", "bạn là người hay máy", "tạm biệt"]:
        replies = say(text)
        assert replies and all(r.get("text") for r in replies), replies
    log = survivor.log_path.read_text(errors="replace")
    assert log.count("Redis lock store unreachable") == 1, survivor.log_tail()
