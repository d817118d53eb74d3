"""Talking to the stack of tests/conversation/conftest.py over the REST channel."""

from __future__ import annotations

import re
import uuid
from typing import Dict, List

import requests

LIMIT = 2000
VI_MARKS = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)


def send(stack, sender: str, text: str, check: bool = True) -> List[Dict]:
    reply = requests.post(
        stack["rasa"].url + "/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    )
    assert reply.status_code == 200, reply.text
    messages = reply.json()
    if check:
        assert messages, f"no reply to {text!r}"
        for message in messages:
            body = message.get("text") or ""
            assert len(body) < LIMIT and VI_MARKS.search(body), body[:200]
    return messages


def joined(messages: List[Dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def payloads(messages: List[Dict]) -> List[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


def new_sender() -> str:
    return "conv-" + uuid.uuid4().hex[:10]
