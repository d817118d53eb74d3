"""The `make run` stack as a user meets it: honcho starts the three processes from the
Procfile, the REST channel answers in Vietnamese, and Ctrl-C (SIGINT) stops everything."""

import os
import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.procs import LOG_DIR, MODEL_PATH, ROOT, descendants, free_port

pytestmark = [pytest.mark.model, pytest.mark.slow]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is not running
        return stat.read().split()[2] != "Z"


def test_procfile_stack_answers_and_stops_cleanly(tmp_path):
    assert MODEL_PATH.exists(), "run `make model` first"
    ports = {"ACTION_PORT": free_port(), "RASA_PORT": free_port(), "WEB_PORT": free_port()}
    env = {
        **os.environ,
        **{k: str(v) for k, v in ports.items()},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'stack.db'}",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{ports['ACTION_PORT']}/webhook",
    }
    subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=ROOT, env=env, check=True)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = open(LOG_DIR / "honcho-stack.log", "wb")
    honcho = subprocess.Popen(
        [str(ROOT / ".venv/bin/honcho"), "start", "-f", "Procfile"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        rasa = f"http://127.0.0.1:{ports['RASA_PORT']}"
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                if requests.get(rasa + "/", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(1)
        reply = requests.post(
            rasa + "/webhooks/rest/webhook", json={"sender": "stack", "message": "xin chao"}, timeout=30
        ).json()
        assert reply and "chào" in reply[0]["text"].lower(), reply
        assert requests.get(f"http://127.0.0.1:{ports['WEB_PORT']}/healthz", timeout=5).ok
        assert requests.get(f"http://127.0.0.1:{ports['ACTION_PORT']}/health", timeout=5).ok
        children = descendants(honcho.pid)
        assert len(children) >= 3
    finally:
        honcho.send_signal(signal.SIGINT)  # what Ctrl-C sends to the foreground process
        honcho.wait(timeout=60)
    time.sleep(0.5)
    left = [pid for pid in children if _alive(pid)]
    assert not left, f"processes left behind after Ctrl-C: {left}"


def test_unreachable_database_stops_with_one_line():
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Cannot reach the database"), result.stderr
    assert "Traceback" not in result.stderr
