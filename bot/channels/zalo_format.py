"""Turning Rasa replies into Zalo consultation-message payloads (pure functions)."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence

from bot.text import nfc

ZALO_TEXT_LIMIT = 2000
BUTTON_TITLE_LIMIT = 100

# A sentence ends at . ! ? … (possibly followed by closing quotes/brackets) and whitespace,
# or at a line break.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)|\n")
_SPACE = re.compile(r"\s")

UNSUPPORTED_MEDIA_TEXT = (
    "Xin lỗi, hiện tại mình chỉ đọc được tin nhắn chữ thôi. Nhắn câu hỏi bằng chữ giúp mình nhé!"
)
WELCOME_TEXT = (
    "Xin chào, cảm ơn đã quan tâm! Mình là trợ lý hướng nghiệp cho học sinh lớp 9. "
    "Cứ nhắn câu hỏi về học nghề, lộ trình 9+ hay chính sách hỗ trợ nhé."
)
# No address word: the channel does not know yet whether a student or a parent is writing.
MENU_HINT_TEMPLATE = "Gõ {choices} để chọn nhé."


def split_text(text: str, limit: int = ZALO_TEXT_LIMIT) -> List[str]:
    """Split into chunks of at most `limit` characters, preferring sentence
    boundaries, then whitespace, and cutting inside a word only as a last resort."""
    text = nfc(text or "").strip()
    chunks: List[str] = []
    while len(text) > limit:
        window = text[: limit + 1]  # a boundary right after the limit still fits
        cut = 0
        for match in _SENTENCE_END.finditer(window):
            if match.end() <= limit:
                cut = match.end()
        if cut == 0:
            spaces = [m.start() for m in _SPACE.finditer(window) if 0 < m.start() <= limit]
            cut = spaces[-1] if spaces else limit
        chunk = text[:cut].rstrip()
        if chunk:
            chunks.append(chunk)
        text = text[cut:].lstrip()
    if text:
        chunks.append(text)
    return chunks


def text_message(text: str) -> Dict[str, Any]:
    return {"text": text}


def zalo_buttons(buttons: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Rasa buttons -> Zalo `oa.query.hide` buttons: the payload comes back as the
    user's text (so `/intent{...}` reaches Rasa) without being shown in the chat.
    Buttons with a `url` become `oa.open.url`."""
    mapped = []
    for button in buttons:
        title = nfc(str(button.get("title") or button.get("payload") or "")).strip()[:BUTTON_TITLE_LIMIT]
        if button.get("url"):
            mapped.append({"title": title, "type": "oa.open.url", "payload": {"url": button["url"]}})
        else:
            payload = str(button.get("payload") or title)
            mapped.append({"title": title, "type": "oa.query.hide", "payload": payload})
    return mapped


def buttons_message(text: str, buttons: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    """The official SDK's shape: text plus a template attachment holding the buttons."""
    return {
        "text": text,
        "attachment": {"type": "template", "payload": {"buttons": zalo_buttons(buttons)}},
    }


def menu_choices_hint(count: int) -> str:
    numbers = [str(i) for i in range(1, count + 1)]
    if count == 1:
        choices = "1"
    else:
        choices = ", ".join(numbers[:-1]) + " hoặc " + numbers[-1]
    return MENU_HINT_TEMPLATE.format(choices=choices)


def numbered_menu(text: str, buttons: Sequence[Dict[str, Any]]) -> str:
    """Fallback for buttons: the question, a numbered list and how to answer."""
    lines = [nfc(text).strip(), ""] if text and text.strip() else []
    for index, button in enumerate(buttons, start=1):
        lines.append(f"{index}. {nfc(str(button.get('title') or button.get('payload') or '')).strip()}")
    lines.append(menu_choices_hint(len(buttons)))
    return "\n".join(lines)


def menu_payloads(buttons: Sequence[Dict[str, Any]]) -> List[str]:
    return [str(b.get("payload") or b.get("title") or "") for b in buttons]


_CHOICE = re.compile(r"^\s*(?:số\s*)?(\d{1,2})\s*[.)]?\s*$", re.IGNORECASE)


def menu_choice(text: str, payloads: Sequence[str]) -> Optional[str]:
    """The payload chosen by a reply like "2" to a numbered menu, else None."""
    match = _CHOICE.match(text or "")
    if not match:
        return None
    index = int(match.group(1))
    if 1 <= index <= len(payloads):
        return payloads[index - 1]
    return None


def image_message(url: str, text: Optional[str] = None) -> Dict[str, Any]:
    message: Dict[str, Any] = {
        "attachment": {
            "type": "template",
            "payload": {"template_type": "media", "elements": [{"media_type": "image", "url": url}]},
        }
    }
    if text:
        message["text"] = text
    return message
