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


# --- realistic conversations (names, transcripts, screenshots) -------------------------------

SUPPORT_ANSWER = [
    "Dạ có: con học trung cấp sau lớp 9 được miễn 100% học phí.\n"
    "• Hộ cận nghèo: được hỗ trợ thêm chi phí học tập.\n"
    "• Ở huyện Vĩnh Tường cũ có Trung tâm GDNN-GDTX dạy sơ cấp, trung cấp.\n"
    "Căn cứ: NĐ 238/2025/NĐ-CP.",
    "Anh/chị cần tiền ăn, ở, bảo hiểm y tế học sinh thì hỏi thêm mình nhé.",
]
MENU = [
    {"title": "Lộ trình 9+", "payload": "/ask_combined_route"},
    {"title": "Miễn học phí, hỗ trợ", "payload": "/ask_support_policy"},
    {"title": "Tìm trường, nghề", "payload": "/find_programme"},
    {"title": "Trắc nghiệm sở thích", "payload": "/start_interest_quiz"},
]
SOURCE_BUTTONS = [
    {"title": "Nguồn", "payload": "/ask_sources"},
    {"title": "Gặp tư vấn viên", "payload": "/request_human"},
]
YES_NO = [{"title": "Có", "payload": "/affirm"}, {"title": "Không", "payload": "/deny"}]
OUT_OF_SCOPE_REPLY = (
    "Câu này mình chưa giúp được. Mình trả lời về: các trình độ học nghề, lộ trình 9+, miễn học phí "
    "và hỗ trợ, trường học nghề gần nhà; hoặc em nhờ thầy cô tư vấn gọi lại."
)

REALISTIC = {
    "r-phu-huynh-vinh-tuong": dict(
        channel="zalo",
        turns=[
            dict(
                text="Chào em, tôi là phụ huynh ở Vĩnh Tường, nhà hộ cận nghèo, con học trung cấp có được "
                "miễn học phí không?",
                intent="ask_support_policy",
                confidence=0.93,
                entities=[
                    {"entity": "user_role", "value": "parent", "span": "phụ huynh"},
                    {"entity": "area", "value": "vinh_tuong", "span": "Vĩnh Tường"},
                    {"entity": "beneficiary_group", "value": "ho_can_ngheo", "span": "hộ cận nghèo"},
                    {"entity": "level", "value": "trung_cap", "span": "trung cấp"},
                ],
                slots={
                    "user_role": "parent",
                    "area": "vinh_tuong",
                    "beneficiary_group": ["ho_can_ngheo"],
                    "level": "trung_cap",
                    "last_topic": "support_policy",
                    "last_sources": ["policy:nd_81_2021_thcs_trung_cap"],
                },
                actions=["action_support_policy"],
                bot=SUPPORT_ANSWER,
                buttons=SOURCE_BUTTONS,
            ),
            dict(
                text="Ngoài học phí thì ký túc xá có được hỗ trợ không em?",
                intent="ask_support_policy",
                confidence=0.88,
                actions=["action_support_policy"],
                bot=SUPPORT_ANSWER,
                buttons=SOURCE_BUTTONS,
            ),
            dict(
                text="/ask_sources",
                intent="ask_sources",
                confidence=1.0,
                actions=["action_show_sources"],
                bot=[
                    "Nguồn của câu trả lời vừa rồi:\n• Nghị định 238/2025/NĐ-CP (Chính phủ), xem ngày 01/12/2026"
                ],
            ),
            dict(
                text="cho tôi gặp thầy cô tư vấn",
                intent="request_human",
                confidence=0.97,
                slots={"requested_slot": "callback_consent"},
                actions=["callback_form", "action_ask_callback_consent"],
                bot=[
                    "Thầy cô tư vấn có thể gọi lại cho anh/chị. Anh/chị có đồng ý để lại số điện thoại không ạ?"
                ],
                buttons=[{"title": "Đồng ý", "payload": "/affirm"}, {"title": "Không", "payload": "/deny"}],
            ),
            dict(
                text="/affirm",
                intent="affirm",
                confidence=1.0,
                slots={"callback_consent": True, "requested_slot": "callback_time"},
                actions=["callback_form", "action_ask_callback_time"],
                bot=['Anh/chị tiện nghe máy vào khoảng thời gian nào ạ? (ví dụ: "sáng thứ 7", "sau 19h")'],
            ),
            dict(
                text="sau 17h",
                intent="inform",
                confidence=0.71,
                slots={"callback_time": "sau 17h", "requested_slot": "callback_phone"},
                actions=["callback_form", "action_ask_callback_phone"],
                bot=["Số điện thoại để thầy cô gọi lại là gì? (ví dụ 09xx xxx xxx)"],
            ),
            dict(
                text="0912 345 678",
                intent="inform",
                confidence=0.8,
                slots={"callback_phone": None, "requested_slot": None},
                actions=["callback_form", "action_submit_callback"],
                bot=['Đã ghi nhận. Thầy cô tư vấn sẽ gọi số 091****678 vào khoảng "sau 17h".'],
            ),
        ],
    ),
    "r-hoc-sinh-trac-nghiem": dict(
        channel="socketio",
        turns=[
            dict(
                text="/greet",
                intent="greet",
                confidence=1.0,
                actions=["utter_greet"],
                bot=["Chào em! Mình là trợ lý hướng nghiệp cho học sinh lớp 9 vùng Vĩnh Phúc cũ."],
                buttons=MENU,
            ),
            dict(
                text="/start_interest_quiz",
                intent="start_interest_quiz",
                confidence=1.0,
                slots={"requested_slot": "quiz_1"},
                actions=["quiz_form", "action_ask_quiz_1"],
                bot=[
                    "Mình có 12 câu hỏi ngắn về sở thích.\nCâu 1/12: Em có thích tự tay sửa đồ trong nhà không?"
                ],
                buttons=YES_NO,
            ),
            dict(
                text="/affirm",
                intent="affirm",
                confidence=1.0,
                slots={"quiz_1": "co", "requested_slot": "quiz_2"},
                actions=["quiz_form", "action_ask_quiz_2"],
                bot=["Câu 2/12: Em có hay tò mò vì sao máy móc hoạt động được không?"],
                buttons=YES_NO,
            ),
            dict(
                text="cung thich",
                intent="out_of_scope",
                confidence=0.52,
                actions=["action_out_of_scope"],
                bot=[OUT_OF_SCOPE_REPLY],
                buttons=MENU,
            ),
            dict(
                text="thich",
                intent="inform",
                confidence=0.91,
                actions=["action_inform_followup"],
                bot=["Mình đã ghi nhận. Em muốn hỏi về nội dung nào?"],
                buttons=MENU,
            ),
        ],
    ),
    "r-dien-binh-nguyen": dict(
        channel="socketio",
        turns=[
            dict(
                text="em ở xã Bình Nguyên, muốn học điện công nghiệp trình độ sơ cấp",
                intent="find_programme",
                confidence=0.94,
                entities=[
                    {"entity": "area", "value": "binh_nguyen", "span": "xã Bình Nguyên"},
                    {"entity": "occupation", "value": "dien_cong_nghiep", "span": "điện công nghiệp"},
                    {"entity": "level", "value": "so_cap", "span": "sơ cấp"},
                ],
                slots={
                    "user_role": "student",
                    "area": "binh_nguyen",
                    "occupation": "dien_cong_nghiep",
                    "level": "so_cap",
                    "school": "tt_gdnn_gdtx_binh_xuyen",
                    "last_topic": "find_programme",
                },
                actions=["action_find_programmes"],
                bot=[
                    "Nghề Điện công nghiệp gần xã Bình Nguyên:\n"
                    "• Trung tâm GDNN-GDTX (Bình Xuyên cũ): sơ cấp.\n"
                    "• Trường Cao đẳng Kỹ thuật - Công nghệ Vĩnh Phúc: trung cấp, cao đẳng."
                ],
                buttons=[
                    {
                        "title": "Trường dạy Điện công nghiệp",
                        "payload": '/find_programme{"occupation":"dien_cong_nghiep"}',
                    },
                    {"title": "Gặp tư vấn viên", "payload": "/request_human"},
                ],
            ),
            dict(
                text='/find_programme{"occupation":"dien_cong_nghiep"}',
                intent="find_programme",
                confidence=1.0,
                entities=[{"entity": "occupation", "value": "dien_cong_nghiep"}],
                actions=["action_find_programmes"],
                bot=[
                    "Trường Cao đẳng Kỹ thuật - Công nghệ Vĩnh Phúc dạy Điện công nghiệp (trung cấp, cao đẳng)."
                ],
            ),
        ],
    ),
    "r-ngoai-pham-vi": dict(
        channel="rest",
        turns=[
            dict(
                text="con lam dep, hoc nail thi sao",
                intent="out_of_scope",
                confidence=0.71,
                actions=["action_out_of_scope"],
                bot=[OUT_OF_SCOPE_REPLY],
                buttons=MENU,
            ),
            dict(
                text="hôm nay trời mưa không",
                intent="out_of_scope",
                confidence=0.9,
                actions=["action_out_of_scope"],
                bot=[OUT_OF_SCOPE_REPLY],
            ),
            dict(
                text="cho em hỏi trường nghề có chỗ ở nội trú không",
                intent="nlu_fallback",
                confidence=0.41,
                ranking=[
                    {"name": "nlu_fallback", "confidence": 0.41},
                    {"name": "ask_school_info", "confidence": 0.38},
                ],
                actions=["action_two_stage_fallback"],
                bot=["Có phải em muốn hỏi về: thông tin một trường?"],
                buttons=[
                    {"title": "Đúng vậy", "payload": "/ask_school_info"},
                    {"title": "Không, ý khác", "payload": "/out_of_scope"},
                ],
            ),
        ],
    ),
}


def seed_realistic(url: str, now: Optional[float] = None) -> None:
    """The catalogue, REALISTIC's conversations (over the last days) and the parent's callback request."""
    import datetime as dt

    from bot.catalog.commands import import_catalog
    from bot.db import session_scope
    from bot.handoff import create_callback_request

    import_catalog(ROOT / "data" / "catalog", url)
    now = time.time() if now is None else now
    store = make_store(url)
    try:
        for i, (sender_id, spec) in enumerate(REALISTIC.items()):
            start = now - (len(REALISTIC) - i) * 86400 - 3600
            save_conversation(
                store, sender_id, conversation_events(spec["turns"], start, channel=spec["channel"])
            )
    finally:
        store.engine.dispose()
    with session_scope(url) as session:
        create_callback_request(
            session,
            sender_id="r-phu-huynh-vinh-tuong",
            channel="zalo",
            phone="0912 345 678",
            preferred_time="sau 17h",
            consent_at=dt.datetime.now(dt.timezone.utc),
            user_role="parent",
            area="vinh_tuong",
            note="support_policy",
        )
