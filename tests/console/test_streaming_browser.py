"""The streaming view, the catalogue health page and the "sai thông tin" queue in headless
Debian Chromium: screenshots at 1280x800 and 390x844 (test-artifacts/console/), the phone
layout without sideways scrolling, the print layout without the console's navigation."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import PASSWORD, WebApp
from test_streaming import OCT, _prepare

from tests.services import CHROMIUM, require_chromium

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"


@pytest.fixture
def app(tmp_path):
    from bot.db import dispose_engines

    web = WebApp(_prepare(f"sqlite:///{tmp_path / 'browser.db'}"))
    try:
        yield web
    finally:
        web.stop()
        dispose_engines()


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/**")


@pytest.mark.browser
def test_streaming_pages_in_chromium(app):
    require_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        try:
            for name, viewport in (
                ("desktop", {"width": 1280, "height": 800}),
                ("phone", {"width": 390, "height": 844}),
            ):
                page = browser.new_page(viewport=viewport)
                _login(page, app.base, "so_gddt")
                assert page.url.endswith("/console/streaming")  # a province account lands on its only page
                page.goto(f"{app.base}/console/streaming?{OCT}")
                assert page.locator("svg.chart").count() == 1
                assert page.locator("table.figures").count() == 3
                assert page.locator("nav a").all_inner_texts() == ["Phân luồng"]
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{name}: the page scrolls sideways by {overflow}px"
                page.screenshot(path=str(ARTIFACTS / f"streaming-{name}.png"), full_page=True)
                page.close()

            page = browser.new_page(viewport={"width": 1280, "height": 800})
            _login(page, app.base, "so_gddt")
            page.goto(f"{app.base}/console/streaming?{OCT}")
            page.emulate_media(media="print")
            assert not page.locator("header").is_visible() and not page.locator("#period-form").is_visible()
            assert page.locator("svg.chart").is_visible()
            page.screenshot(path=str(ARTIFACTS / "streaming-print.png"), full_page=True)
            page.pdf(path=str(ARTIFACTS / "streaming-print.pdf"), landscape=True, format="A4")
            page.close()

            page = browser.new_page(viewport={"width": 1280, "height": 800})
            _login(page, app.base, "admin")
            page.goto(app.base + "/console/catalog")
            assert page.locator("#confidence-counts tbody tr").count() == 9
            page.screenshot(path=str(ARTIFACTS / "catalog-health.png"), full_page=True)
            page.goto(app.base + "/console/conversations/vt-0")
            page.locator(".msg.bot details.error-report summary").first.click()
            page.locator(".msg.bot details.error-report textarea").first.fill("Trường này không dạy hàn nữa")
            page.locator(".msg.bot details.error-report button").first.click()
            page.wait_for_load_state()
            assert page.locator(".error-report-mark", has_text="Trường này không dạy hàn nữa").count() == 1
            page.screenshot(path=str(ARTIFACTS / "transcript-error-report.png"), full_page=True)
            page.click("nav >> text=Báo sai thông tin")
            page.wait_for_url("**/console/catalog/reports")
            assert page.locator("#reports tbody tr", has_text="Trường này không dạy hàn nữa").count() == 1
            page.screenshot(path=str(ARTIFACTS / "error-reports.png"), full_page=True)
        finally:
            browser.close()
