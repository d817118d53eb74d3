"""Helpers for the console tests: real Rasa events written through the masking
tracker store, a real web-app process, and a logged-in HTTP client."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple

import requests

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
# Generated per run: no credential lives in the repository, even a test one.
TEST_SECRET = secrets.token_urlsafe(32)
PASSWORD = secrets.token_urlsafe(16)


def user_turn(
    text: str,
    intent: str,
    confidence: float,
    *,
    entities: Sequence[dict] = (),
    ts: float,
    channel: str = "socketio",
    ranking: Optional[List[dict]] = None,
):
    from rasa.shared.core.events import UserUttered

    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": list(entities),
        "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
    }
    return UserUttered(
        text,
        intent={"name": intent, "confidence": confidence},
        entities=list(entities),
        parse_data=parse_data,
        timestamp=ts,
        input_channel=channel,
        message_id=f"m{ts}",
    )


def conversation_events(turns: Iterable[dict], start_ts: float, channel: str = "socketio") -> list:
    """turns: dicts with text, intent, confidence, entities?, slots?, and the reply: either
    action? + reply? (one bubble), or actions (names) + bot (bubble texts) + buttons? (titles
    and payloads of the last bubble); new_session: a Rasa session starts before the message."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet

    ts = start_ts
    events = [
        ActionExecuted("action_session_start", timestamp=ts),
        SessionStarted(timestamp=ts),
        ActionExecuted("action_listen", timestamp=ts),
    ]
    for turn in turns:
        ts += 5
        if turn.get("new_session"):
            events += [
                ActionExecuted("action_session_start", timestamp=ts - 1),
                SessionStarted(timestamp=ts - 1),
                ActionExecuted("action_listen", timestamp=ts - 1),
            ]
        intent = turn["intent"]
        ranking = turn.get("ranking")
        entities = []
        for entity in turn.get("entities", ()):
            entity = dict(entity)
            span = entity.pop("span", None)
            if span:
                entity.update(start=turn["text"].index(span), end=turn["text"].index(span) + len(span))
            entities.append(entity)
        events.append(
            user_turn(
                turn["text"],
                intent,
                turn.get("confidence", 0.95),
                entities=entities,
                ts=ts,
                channel=channel,
                ranking=ranking,
            )
        )
        for name, value in (turn.get("slots") or {}).items():
            events.append(SlotSet(name, value, timestamp=ts + 0.5))
        if "actions" in turn:
            actions, bubbles = list(turn["actions"]), list(turn.get("bot") or [])
        else:
            actions = [turn.get("action") or f"utter_{intent}"]
            bubbles = [turn["reply"]] if turn.get("reply") else []
        for index, action in enumerate(actions):
            events.append(
                ActionExecuted(action, policy="RulePolicy", confidence=1.0, timestamp=ts + 1 + index * 0.01)
            )
        for index, bubble in enumerate(bubbles):
            buttons = turn.get("buttons") if index == len(bubbles) - 1 else None
            events.append(
                BotUttered(bubble, {"elements": None, "buttons": buttons}, timestamp=ts + 1.5 + index * 0.01)
            )
        events.append(ActionExecuted("action_listen", timestamp=ts + 2))
    return events


def make_store(url: str):
    from rasa.shared.core.domain import Domain

    from bot.runtime.tracker_store import MaskingSQLTrackerStore

    return MaskingSQLTrackerStore(domain=Domain.empty(), url=url)


def save_conversation(store, sender_id: str, events: list) -> None:
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker.from_events(sender_id, events)
    asyncio.run(store.save(tracker))


def migrate(url: str) -> None:
    from bot.migrations import runner

    runner.upgrade(url)


def create_user(url: str, username: str, role: str, password: str = PASSWORD) -> None:
    from bot.db import session_scope
    from bot.web.console.auth import create_user as create

    with session_scope(url) as session:
        create(session, username, password, role)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WebApp:
    """The real web app (`bot.web.app.create_app`) in its own process."""

    def __init__(self, database_url: str, extra_env: Optional[dict] = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(
            os.environ,
            DATABASE_URL=database_url,
            CONSOLE_SECRET=TEST_SECRET,
            WEB_PORT=str(self.port),
            PYTHONPATH=str(ROOT),
            **(extra_env or {}),
        )
        code = (
            "from bot.web.app import create_app; "
            f"create_app().run(host='127.0.0.1', port={self.port}, access_log=False, motd=False)"
        )
        self.log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"console-web-{self.port}.log", "w+")
        self.process = subprocess.Popen(
            [PYTHON, "-c", code], cwd=str(ROOT), env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        self.log.seek(0)
        output = self.log.read()[-3000:]
        self.stop()
        raise RuntimeError("web app did not start:\n" + output)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token in page"
    return match.group(1)


def login(base: str, username: str, password: str = PASSWORD) -> requests.Session:
    client = requests.Session()
    page = client.get(base + "/console/login")
    resp = client.post(
        base + "/console/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_from(page.text),
            "next": "/console/",
        },
        allow_redirects=False,
    )
    assert resp.status_code == 303, resp.text[:500]
    client.csrf = csrf_from(client.get(base + "/console/conversations").text)
    return client


BASE_TS = 1_760_000_000.0  # 2025-10-09 (UTC)

SEED = {
    "c-script": dict(
        channel="socketio",
        turns=[
            dict(
                text="<script>alert('x')</script> em muốn học điện công nghiệp ở Vĩnh Yên",
                intent="find_programme",
                confidence=0.91,
                entities=[{"entity": "area", "value": "vinh_yen", "span": "Vĩnh Yên"}],
                slots={"user_role": "student"},
                reply="Em có thể học ở <b>trường</b> ...",
            ),
        ],
    ),
    "c-phone": dict(
        channel="socketio",
        turns=[
            dict(
                text="cho em gặp thầy cô tư vấn, số của mẹ em là 0912 345 678, email me.nguyen@example.com",
                intent="request_human",
                confidence=0.97,
                reply="Thầy cô sẽ gọi lại số 0912345678 nhé.",
            ),
            dict(
                text="CCCD của bố em 001203012345",
                intent="inform",
                confidence=0.88,
                action="action_inform_followup",
                reply="Mình đã ghi nhận. Em muốn hỏi về nội dung nào?",
            ),
        ],
    ),
    "c-fallback": dict(
        channel="socketio",
        turns=[
            dict(
                text="hôm nay trời mưa không",
                intent="nlu_fallback",
                confidence=0.3,
                action="action_default_fallback",
                ranking=[
                    {"name": "nlu_fallback", "confidence": 0.3},
                    {"name": "out_of_scope", "confidence": 0.28},
                ],
                reply="Xin lỗi, em nói lại được không?",
            ),
        ],
    ),
    "c-lowconf": dict(
        channel="zalo",
        turns=[
            dict(
                text="cho hỏi về học phí trung cấp ở Vĩnh Tường",
                intent="ask_support_policy",
                confidence=0.42,
                entities=[
                    {"entity": "area", "value": "vinh_tuong", "span": "Vĩnh Tường"},
                    {"entity": "user_role", "value": "parent", "span": "cho"},
                ],
                action="action_inform_followup",
                reply="Mình đã ghi nhận. Anh/chị muốn hỏi về nội dung nào?",
            ),
        ],
    ),
    "c-parent": dict(
        channel="rest",
        turns=[
            dict(
                text="nên cho con học nghề hay thi vào cấp 3",
                intent="compare_paths",
                confidence=0.9,
                slots={"user_role": "parent"},
                reply="Dạ, cả hai đường đều học tiếp lên cao đẳng, đại học được.",
            ),
        ],
    ),
}


def seed(url: str) -> None:
    store = make_store(url)
    try:
        for i, (sender_id, spec) in enumerate(SEED.items()):
            events = conversation_events(spec["turns"], BASE_TS + i * 3600, channel=spec["channel"])
            save_conversation(store, sender_id, events)
    finally:
        store.engine.dispose()


# --- labelled transcripts for the unanswered measure ----------------------------------------


def load_labelled(path: Path) -> List[Tuple[str, list, List[bool]]]:
    """(conversation id, [unanswered.Turn], [gold: unanswered?]) per conversation of a labelled
    set: conversations -> turns with user, intent, confidence, actions, bot (texts, or dicts
    with a text), label answered | unanswered."""
    import yaml

    from bot.web.console.unanswered import Turn

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for conv in data["conversations"]:
        turns, gold = [], []
        for raw in conv["turns"]:
            bubbles = [b if isinstance(b, str) else (b or {}).get("text") or "" for b in raw.get("bot") or []]
            turns.append(
                Turn(
                    user=str(raw.get("user") or ""),
                    intent=raw.get("intent") or "",
                    confidence=raw.get("confidence"),
                    actions=tuple(raw.get("actions") or ()),
                    bot=tuple(bubbles),
                )
            )
            label = str(raw["label"]).strip().lower()
            assert label in ("answered", "unanswered"), (conv.get("id"), label)
            gold.append(label == "unanswered")
        out.append((str(conv.get("id", len(out))), turns, gold))
    return out


def precision_recall(path: Path) -> Tuple[float, float, list]:
    """Precision and recall of unanswered.verdicts on a labelled set, and the disagreements."""
    from bot.web.console.unanswered import verdicts

    tp = fp = fn = 0
    wrong = []
    for conv_id, turns, gold in load_labelled(path):
        for turn, verdict, expected in zip(turns, verdicts(turns), gold):
            if verdict.unanswered and expected:
                tp += 1
            elif verdict.unanswered:
                fp += 1
                wrong.append(("false positive", conv_id, turn.user, verdict.reason))
            elif expected:
                fn += 1
                wrong.append(("missed", conv_id, turn.user, ""))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, wrong
