"""End-to-end in headless Debian Chromium: the counsellor's daily round."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import PASSWORD, WebApp, create_user, migrate, seed, seed_realistic

from tests.services import CHROMIUM, require_chromium

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"


@pytest.fixture
def browser_app(tmp_path):
    from bot.db import dispose_engines

    url = f"sqlite:///{tmp_path / 'browser.db'}"
    migrate(url)
    seed(url)
    create_user(url, "cobich", "counsellor")
    app = WebApp(url)
    try:
        yield app
    finally:
        app.stop()
        dispose_engines()


@pytest.mark.browser
def test_counsellor_round_in_chromium(browser_app, tmp_path):
    require_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = browser_app.base
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        try:
            page = browser.new_page(accept_downloads=True, viewport={"width": 1366, "height": 900})
            page.goto(base + "/console/conversations")
            assert "/console/login" in page.url
            page.fill("input[name=username]", "cobich")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/console/**")
            page.screenshot(path=str(ARTIFACTS / "01-conversations.png"), full_page=True)

            page.check("input[name=fallback]")
            page.click("#filters button[type=submit]")
            page.wait_for_url("**fallback=1**")
            rows = page.locator("tbody tr")
            assert rows.count() == 1 and "hôm nay trời mưa" in rows.first.inner_text()
            page.screenshot(path=str(ARTIFACTS / "02-filter-fallback.png"), full_page=True)

            rows.first.locator("a").first.click()
            page.wait_for_url("**/console/conversations/c-fallback**")
            assert "action_default_fallback" in page.content()  # in the turn's debug detail
            page.fill("#tag-form input[name=tag]", "cần-bổ-sung-dữ-liệu")
            page.click("#tag-form button")
            page.wait_for_load_state()
            assert page.locator(".badge", has_text="cần-bổ-sung-dữ-liệu").count() == 1
            page.screenshot(path=str(ARTIFACTS / "03-transcript-tagged.png"), full_page=True)

            page.click("text=Hộp thư NLU")
            page.wait_for_url("**/console/inbox")
            item = page.locator("tr", has_text="cho hỏi về học phí trung cấp")
            item.locator("select[name=intent]").select_option("ask_support_policy")
            item.locator("summary").click()
            item.locator("select[name=entity_0]").select_option("area")
            item.locator("input[name=span_0]").fill("Vĩnh Tường")
            item.locator("input[name=value_0]").fill("vinh_tuong")
            item.locator("button[value=correct]").click()
            page.wait_for_load_state()
            assert page.locator("tr", has_text="cho hỏi về học phí trung cấp").count() == 0
            page.screenshot(path=str(ARTIFACTS / "04-inbox-corrected.png"), full_page=True)
            with page.expect_download() as nlu_download:
                page.click("#export-nlu")
            nlu_text = Path(nlu_download.value.path()).read_text(encoding="utf-8")
            assert "- intent: ask_support_policy" in nlu_text and "[Vĩnh Tường]" in nlu_text

            page.click("text=Hội thoại")
            with page.expect_download() as csv_download:
                page.click("#export-csv")
            csv_path = tmp_path / "export.csv"
            csv_download.value.save_as(csv_path)
            exported = csv_path.read_text(encoding="utf-8-sig")
            assert "[SĐT]" in exported and "0912345678" not in exported

            page.click("text=Thống kê")
            page.fill("input[name=from]", "2025-10-01")
            page.fill("input[name=to]", "2025-10-31")
            page.click("form.filters button")
            page.wait_for_load_state()
            assert page.locator("svg.chart").count() == 5
            page.screenshot(path=str(ARTIFACTS / "05-analytics.png"), full_page=True)
        finally:
            browser.close()


@pytest.fixture
def realistic_app(tmp_path):
    from bot.db import dispose_engines

    url = f"sqlite:///{tmp_path / 'realistic.db'}"
    migrate(url)
    seed_realistic(url)
    create_user(url, "cohuong", "counsellor")
    app = WebApp(url)
    try:
        yield app
    finally:
        app.stop()
        dispose_engines()


VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.mark.browser
def test_transcript_reads_like_the_chat_and_screenshots(realistic_app):
    """The transcript as the family saw it (bubbles, buttons, the one tapped, debug behind a
    toggle), the analytics and callback pages; screenshots at desktop and phone sizes."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = realistic_app.base
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        try:
            for size, viewport in VIEWPORTS.items():
                page = browser.new_page(viewport=viewport)
                page.goto(base + "/console/login")
                page.fill("input[name=username]", "cohuong")
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url("**/console/**")

                page.goto(base + "/console/conversations/r-phu-huynh-vinh-tuong")
                chat = page.locator("#chat")
                first = chat.locator(".exchange").first
                assert "tôi là phụ huynh ở Vĩnh Tường" in first.locator(".msg.user .bubble").inner_text()
                bot = first.locator(".msg.bot .bubble").first
                assert bot.inner_text().count("\n") >= 3  # line breaks kept: one bullet per line
                assert first.locator(".chip").count() == 2 and first.locator(".chip.tapped").count() == 0
                again = chat.locator(".exchange").nth(1)  # the same block again, then "Nguồn" tapped
                assert again.locator(".chip.tapped").inner_text().strip() == "✓ Nguồn"
                tapped = chat.locator(".msg.user .bubble.tap").first.inner_text()
                assert tapped.lower().split() == ["bấm", "nút", "nguồn"]
                # debug detail is hidden until the counsellor opens it
                debug = first.locator("details.debug")
                assert not debug.locator("dd").first.is_visible()
                debug.locator("summary").click()
                assert debug.locator("dd").first.is_visible()
                assert "Miễn học phí, hỗ trợ" in debug.inner_text() and "93%" in debug.inner_text()
                assert "Hộ cận nghèo" in debug.inner_text() and "ho_can_ngheo" not in debug.inner_text()
                repeated = chat.locator(".exchange.unanswered")
                assert repeated.count() == 1 and "Lặp lại câu trả lời trước" in repeated.inner_text()
                page.locator("details.debug").first.evaluate("d => d.open = false")
                assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
                page.screenshot(path=str(ARTIFACTS / f"transcript-{size}.png"), full_page=True)

                page.goto(base + "/console/analytics")
                assert page.locator("svg.chart").count() == 5
                assert page.locator("#daily-table tbody tr").count() == 30
                assert "chưa được trả lời" in page.locator("#summary").inner_text()
                assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
                page.screenshot(path=str(ARTIFACTS / f"analytics-{size}.png"), full_page=True)

                page.goto(base + "/console/callbacks")
                row = page.locator("tbody tr").first
                assert (
                    "Ngoài học phí thì ký túc xá có được hỗ trợ không em?"
                    in row.locator(".question").inner_text()
                )
                assert row.locator(".preferred-time").inner_text() == "sau 17h"
                page.screenshot(path=str(ARTIFACTS / f"callbacks-{size}.png"), full_page=True)

                page.goto(base + "/console/inbox")
                assert page.locator("tr.inbox-group").count() >= 3
                page.screenshot(path=str(ARTIFACTS / f"inbox-{size}.png"), full_page=True)
                page.close()
        finally:
            browser.close()
