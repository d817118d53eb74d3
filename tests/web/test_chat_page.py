"""The chat page as served by the web app (no browser): settings, headers, widget bundle."""

from __future__ import annotations

import json
import re
import uuid

import pytest
import requests

from bot.config import ConfigError
from bot.web.app import create_app
from bot.web.chat_page import page_config_json, rasa_public_url
from tests import procs


def embedded_config(html: str) -> dict:
    match = re.search(r'<script id="chat-config" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the page has no chat-config element"
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def web():
    with procs.web_app(env={"RASA_PUBLIC_URL": "https://chat.example.vn/"}) as server:
        yield server


def test_page_carries_the_rasa_url_and_a_strict_policy(web):
    reply = requests.get(web.url + "/", timeout=10)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("text/html")
    assert 'lang="vi"' in reply.text and "Trợ lý hướng nghiệp lớp 9" in reply.text
    assert embedded_config(reply.text) == {"rasaPublicUrl": "https://chat.example.vn"}
    policy = reply.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "wss://chat.example.vn" in policy and "https://chat.example.vn" in policy


def test_page_assets_are_served_locally(web):
    for path in ("/static/chat.js", "/static/chat.css", "/static/vendor/rasa-webchat-1.0.1.js"):
        reply = requests.get(web.url + path, timeout=10)
        assert reply.status_code == 200, path
        assert "fonts.googleapis" not in reply.text and "cdn.jsdelivr" not in reply.text, path
    bundle = requests.get(web.url + "/static/vendor/rasa-webchat-1.0.1.js", timeout=10)
    assert "javascript" in bundle.headers["Content-Type"]
    assert "WebChat" in bundle.text[:1000]


def test_without_rasa_public_url_the_browser_picks_the_page_host(monkeypatch):
    monkeypatch.delenv("RASA_PUBLIC_URL", raising=False)
    assert rasa_public_url() is None
    assert json.loads(page_config_json(None)) == {"rasaPublicUrl": None}


@pytest.mark.parametrize("value", ["chat.example.vn", "ftp://chat.example.vn", "https://"])
def test_invalid_rasa_public_url_is_a_config_error(monkeypatch, value):
    monkeypatch.setenv("RASA_PUBLIC_URL", value)
    with pytest.raises(ConfigError, match="RASA_PUBLIC_URL"):
        create_app(name=f"web_{uuid.uuid4().hex[:8]}")


def test_config_json_cannot_close_the_script_element():
    text = page_config_json("https://x.vn/</script><script>alert(1)</script>")
    assert "</" not in text and "<" not in text
    assert json.loads(text)["rasaPublicUrl"].endswith("</script>")
