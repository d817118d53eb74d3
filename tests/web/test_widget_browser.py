"""The public chat page in a real browser (headless Debian Chromium via Playwright)
against the real web app, Rasa server and action server (tests/procs.py).

The page (web app) and Rasa listen on different ports, so the widget's socket.io
connection is cross-origin, as in `make run` (:8000 -> :5005) and on a school's site.
Screenshots: test-artifacts/web/.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import requests

from tests import procs
from tests.services import CHROMIUM, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.slow]

SHOTS = procs.ROOT / "test-artifacts" / "web"
BUNDLE = procs.ROOT / "bot" / "web" / "static" / "vendor" / "rasa-webchat-1.0.1.js"
TIMEOUT_MS = 30_000

TITLE = "Trợ lý hướng nghiệp lớp 9"
SUBTITLE = "Học nghề, lộ trình 9+, chính sách hỗ trợ"
GREETING = "Mình là trợ lý hướng nghiệp"
BUTTONS = ["Lộ trình 9+", "Miễn học phí, hỗ trợ", "Tìm trường, nghề", "Trắc nghiệm sở thích"]
BUTTON = "Lộ trình 9+"
BUTTON_REPLY = "9+ là lộ trình cho học sinh xong lớp 9"
QUESTION = "bạn là người hay máy"
BOT_ANSWER = "Mình là trợ lý tự động (chatbot)"
AFTER_RELOAD = "tạm biệt"
GOODBYE_REPLY = "chọn được con đường phù hợp"  # neutral until the role is known

VIEWPORTS = {
    "desktop": dict(viewport={"width": 1280, "height": 800}),
    "phone": dict(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    ),
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Dict[str, object]]:
    """Action server, Rasa (temp SQLite tracker store, --cors as in the Procfile), web app."""
    require_chromium()
    if not procs.MODEL_PATH.exists():
        pytest.fail(f"{procs.MODEL_PATH} is missing: run `make model`", pytrace=False)
    if not BUNDLE.exists():
        pytest.fail(f"{BUNDLE} is missing: run `make install`", pytrace=False)
    tracker_db = tmp_path_factory.mktemp("widget") / "tracker.db"
    with (
        procs.action_server() as actions,
        procs.rasa_server(actions.url + "/webhook", env={"DATABASE_URL": f"sqlite:///{tracker_db}"}) as rasa,
        procs.web_app(env={"RASA_PUBLIC_URL": rasa.url}) as web,
    ):
        yield {"rasa": rasa, "web": web, "tracker_db": tracker_db}


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
    )
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


def user_texts(tracker_db: Path, sender_id: str) -> List[str]:
    with sqlite3.connect(tracker_db) as conn:
        rows = conn.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (sender_id,)
        ).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]


def test_rasa_socketio_answers_cross_origin_polling(stack):
    """Without CORS headers Chromium blocks socket.io's first (long-polling) request."""
    origin = stack["web"].url
    reply = requests.get(
        stack["rasa"].url + "/socket.io/",
        params={"EIO": "4", "transport": "polling"},
        headers={"Origin": origin},
        timeout=10,
    )
    assert reply.status_code == 200
    assert reply.headers.get("Access-Control-Allow-Origin") in {origin, "*"}
    assert reply.text.startswith("0{")  # engine.io 4 open packet


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_chat_page_conversation_survives_reload(stack, browser, size):
    from playwright.sync_api import expect

    require_chromium()
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="vi-VN", **VIEWPORTS[size])
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    requested: List[str] = []
    page_errors: List[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    mobile = VIEWPORTS[size].get("has_touch", False)

    def press(locator):
        locator.tap() if mobile else locator.click()

    bot = page.locator(".rw-message .rw-response")
    user = page.locator(".rw-message .rw-client")
    replies = page.locator(".rw-replies .rw-reply")
    text_box = page.locator(".rw-sender .rw-new-message")
    try:
        page.goto(str(stack["web"].url) + "/")

        # Vietnamese header and greeting (initPayload /greet), buttons as quick replies.
        expect(page.locator(".rw-header .rw-title")).to_have_text(TITLE)
        expect(page.locator(".rw-header")).to_contain_text(SUBTITLE)
        expect(bot.filter(has_text=GREETING)).to_have_count(1)
        expect(replies).to_have_text(BUTTONS)
        expect(text_box).to_have_attribute("placeholder", "Nhập câu hỏi của em…")
        check_layout(page, size)
        page.screenshot(path=str(SHOTS / f"{size}-1-greeting.png"))

        # A quick reply sends its payload and shows its title as the student's message.
        press(replies.filter(has_text=BUTTON))
        expect(user.filter(has_text=BUTTON)).to_have_count(1)
        expect(bot.filter(has_text=BUTTON_REPLY)).to_have_count(1)
        expect(replies).not_to_have_text(BUTTONS)  # quick replies belong to the last message only

        # A typed question and the answer.
        text_box.fill(QUESTION)
        text_box.press("Enter")
        expect(user.filter(has_text=QUESTION)).to_have_count(1)
        expect(bot.filter(has_text=BOT_ANSWER)).to_have_count(1)
        page.screenshot(path=str(SHOTS / f"{size}-2-conversation.png"))
        session_id = page.evaluate("JSON.parse(localStorage.getItem('chat_session')).session_id")
        assert session_id

        # Reload: same session, same history, no second greeting.
        page.reload()
        expect(bot.filter(has_text=GREETING)).to_have_count(1)
        expect(user.filter(has_text=BUTTON)).to_have_count(1)
        expect(user.filter(has_text=QUESTION)).to_have_count(1)
        expect(bot.filter(has_text=BOT_ANSWER)).to_have_count(1)
        text_box.fill(AFTER_RELOAD)
        text_box.press("Enter")
        expect(bot.filter(has_text=GOODBYE_REPLY)).to_have_count(1)
        # A /greet re-sent on reconnect would have been answered before the goodbye.
        expect(bot.filter(has_text=GREETING)).to_have_count(1)
        assert page.evaluate("JSON.parse(localStorage.getItem('chat_session')).session_id") == session_id
        check_layout(page, size)
        page.screenshot(path=str(SHOTS / f"{size}-3-after-reload.png"))
    except Exception:
        page.screenshot(path=str(SHOTS / f"{size}-failure.png"))
        raise
    finally:
        context.close()

    # Rasa kept one conversation across the reload (session_persistence).
    assert user_texts(stack["tracker_db"], "web:" + session_id) == [
        "/greet",
        "/ask_combined_route",
        QUESTION,
        AFTER_RELOAD,
    ]
    # Everything came from this machine's two servers: no CDN, no web font.
    allowed = (str(stack["web"].url), str(stack["rasa"].url), "ws://127.0.0.1:", "data:")
    assert [url for url in requested if not url.startswith(allowed)] == []
    assert page_errors == []


def check_layout(page, size: str) -> None:
    viewport = page.viewport_size
    box = page.locator("#chat-widget").bounding_box()
    assert box is not None
    assert abs(box["height"] - viewport["height"]) <= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    sender = page.locator(".rw-sender").bounding_box()
    assert sender is not None and sender["y"] + sender["height"] <= viewport["height"] + 1  # input on screen
    if size == "phone":
        assert box["x"] == 0 and abs(box["width"] - viewport["width"]) <= 1  # full screen
    else:
        assert box["width"] <= 760 and abs(box["x"] * 2 + box["width"] - viewport["width"]) <= 2  # centred


def test_default_rasa_url_is_the_page_host_on_port_5005(browser):
    """Without RASA_PUBLIC_URL the widget connects to this page's host on port 5005."""
    require_chromium()
    with procs.web_app(env={"RASA_PUBLIC_URL": ""}) as web:
        context = browser.new_context()
        page = context.new_page()
        # Answer the widget's first socket.io request ourselves: nothing needs to run on :5005.
        page.route("http://127.0.0.1:5005/socket.io/**", lambda route: route.abort())
        try:
            with page.expect_request(
                lambda request: "/socket.io/" in request.url, timeout=TIMEOUT_MS
            ) as first:
                page.goto(web.url + "/")
            assert first.value.url.startswith("http://127.0.0.1:5005/socket.io/?EIO=4")
        finally:
            context.close()


MAIN_QUESTIONS = [
    "9+ la j z ad",
    "hoc trung cap co mat tien ko ad",
    "Con tôi học trung cấp có được miễn học phí không?",
    "em muốn học hàn ở đâu",
    "trung cấp với cao đẳng khác gì nhau",
    "nguồn",
]


def test_main_answers_fit_the_phone_chat_area_with_their_line_breaks(stack, browser):
    """Issue 13: at 390×844 no bot bubble of the main answers is taller than the chat area,
    and a reply's lines ("•" items, one fact per line) stay separate lines."""
    from playwright.sync_api import expect

    require_chromium()
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="vi-VN", **VIEWPORTS["phone"])
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    bot = page.locator(".rw-message .rw-response")
    text_box = page.locator(".rw-sender .rw-new-message")
    try:
        page.goto(str(stack["web"].url) + "/")
        expect(bot.filter(has_text=GREETING)).to_have_count(1)
        for question in MAIN_QUESTIONS:
            before = bot.count()
            text_box.fill(question)
            text_box.press("Enter")
            expect(bot).not_to_have_count(before)
            page.wait_for_timeout(1500)  # every bubble of the reply (the widget delays each one)
        area = page.locator(".rw-messages-container").bounding_box()
        assert area is not None and area["height"] > 300
        heights = [b.bounding_box()["height"] for b in bot.all()]
        page.screenshot(path=str(SHOTS / "phone-4-main-answers.png"), full_page=True)
        assert len(heights) >= len(MAIN_QUESTIONS) + 1
        assert max(heights) <= area["height"], (max(heights), area["height"])
        multi_line = [b.inner_text().strip() for b in bot.all() if b.inner_text().count("•") >= 2]
        assert multi_line
        for text in multi_line:  # every "•" item starts its own line
            assert text.count("•") == text.count("\n•") + text.startswith("•"), text
    except Exception:
        page.screenshot(path=str(SHOTS / "phone-main-answers-failure.png"))
        raise
    finally:
        context.close()
