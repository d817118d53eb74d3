"""The action server stops and comes back: the student gets an apology meanwhile
(bot/runtime/resilience.py) and normal answers again afterwards, in the same conversation."""

import os
import subprocess
import sys

import pytest
import requests

from bot.runtime.resilience import APOLOGY_TEXT
from tests.procs import ROOT, action_server, free_port, rasa_server

pytestmark = [pytest.mark.model, pytest.mark.slow]

QUESTION = "trung cấp với cao đẳng khác gì nhau"  # answered by the custom action action_vocational_levels


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    db = f"sqlite:///{tmp_path_factory.mktemp('resilience') / 'db.sqlite'}"
    env = {"DATABASE_URL": db}
    for args in (["db", "upgrade"], ["catalog", "import", "data/catalog"]):
        subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=ROOT,
            env={**os.environ, **env},
            check=True,
            stdout=subprocess.DEVNULL,
        )
    action_port = free_port()
    actions = action_server(port=action_port, env=env).start()
    rasa = rasa_server(f"http://127.0.0.1:{action_port}/webhook", env=env).start()
    servers = {"rasa": rasa, "actions": actions, "action_port": action_port, "env": env}
    yield servers
    rasa.stop()
    servers["actions"].stop()  # the action server the test restarted


def ask(rasa, text, sender="resilience-1"):
    reply = requests.post(
        rasa.url + "/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30
    )
    assert reply.status_code == 200
    return " ".join(m.get("text", "") for m in reply.json())


def test_apology_while_action_server_is_down_and_recovery(servers):
    rasa = servers["rasa"]
    normal = ask(rasa, QUESTION)
    assert "trung cấp" in normal.lower() and APOLOGY_TEXT not in normal

    servers["actions"].stop()
    while_down = ask(rasa, QUESTION)
    assert while_down.startswith("Xin lỗi, hệ thống tra cứu đang tạm gián đoạn"), while_down
    assert "Custom action 'action_vocational_levels' failed" in rasa.log_path.read_text(errors="replace")

    servers["actions"] = action_server(port=servers["action_port"], env=servers["env"]).start()
    again = ask(rasa, QUESTION)
    assert again == normal
