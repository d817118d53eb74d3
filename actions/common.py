"""Formatting, register, citations and catalogue access shared by every action.

House rules (docs/architecture.md): actions read slots, call `bot.catalog.queries`
and format; nothing here opens a database at import time. Every reply is
Vietnamese, addresses a student as "em" and a parent as "anh/chị" (neutral
"bạn" while the role is unknown), fits one Zalo message and cites where each
fact comes from and when it was checked.
"""
from __future__ import annotations

import abc
import datetime as dt
import logging
from contextlib import contextmanager
from typing import Any, Dict, Iterable, Iterator, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from bot.config import ConfigError, get_settings
from bot.db import session_scope
from bot.text import fold

logger = logging.getLogger(__name__)

MAX_REPLY_CHARS = 1900  # one Zalo message is 2,000 characters; keep a margin
NO_VALUE = "khong_ro"  # slot value meaning "the user does not know / does not want to say"
NO_GROUP = "none"  # beneficiary_group answer "không thuộc nhóm nào"

WHOM_TO_ASK = "UBND xã/phường nơi cư trú hoặc Sở GD&ĐT tỉnh Phú Thọ"


# ------------------------------------------------------------------ dates


def today() -> dt.date:
    """Today's date; BOT_TODAY=YYYY-MM-DD pins it (tests of date-dependent answers)."""
    return get_settings().bot_today or dt.date.today()


def vn_date(value: Optional[dt.date]) -> str:
    return value.strftime("%d/%m/%Y") if value else "không rõ ngày"


def vn_money(amount: Optional[int]) -> str:
    return f"{amount:,}".replace(",", ".") + " đ" if amount is not None else ""


# ------------------------------------------------------------------ register


def user_role(tracker: Tracker) -> Optional[str]:
    role = tracker.get_slot("user_role")
    return role if role in ("student", "parent") else None


def you(tracker: Tracker, capital: bool = False) -> str:
    """How the assistant addresses the user: em / anh/chị / bạn."""
    word = {"student": "em", "parent": "anh/chị"}.get(user_role(tracker) or "", "bạn")
    return word[0].upper() + word[1:] if capital else word


def learner(tracker: Tracker) -> str:
    """Who studies: the student themself, or the parent's child."""
    return {"student": "em", "parent": "con anh/chị"}.get(user_role(tracker) or "", "bạn")


# ------------------------------------------------------------------ citations


def cite(record: Any) -> str:
    """'(Nguồn: …; kiểm tra 27/11/2026; đã kiểm chứng)' for any catalogue record: the
    public address a family can open when the record has one, else the recorded source."""
    where = getattr(record, "source_url", None) or record.source
    return f"(Nguồn: {where}; kiểm tra {vn_date(record.checked_on)}; {record.confidence_label})"


def unverified_warning(record: Any, tracker: Tracker, whom: str = "nhà trường hoặc Sở GD&ĐT Phú Thọ") -> str:
    """Empty unless the record is unverified (U): then say so and whom to ask."""
    if not record.is_unverified:
        return ""
    return f"⚠️ Thông tin CHƯA KIỂM CHỨNG: {you(tracker)} nên hỏi lại {whom}."


def fit(text: str, limit: int = MAX_REPLY_CHARS) -> str:
    """Cut a reply at a line boundary so it fits one message."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 2]
    if "\n" in cut:
        cut = cut[: cut.rfind("\n")]
    return cut.rstrip() + "\n…"


def join_lines(lines: Iterable[Optional[str]]) -> str:
    return "\n".join(line for line in lines if line)


def slot_value(tracker: Tracker, name: str) -> Optional[str]:
    """A slot's value, with "unknown" answers mapped to None."""
    value = tracker.get_slot(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if value in (None, "", NO_VALUE, NO_GROUP):
        return None
    return str(value)


def slot_list(tracker: Tracker, name: str) -> List[str]:
    value = tracker.get_slot(name)
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values if v not in (None, "", NO_VALUE, NO_GROUP)]


# ------------------------------------------------------------------ catalogue access


class CatalogUnavailable(RuntimeError):
    """The catalogue database could not be reached or read."""


@contextmanager
def catalog_session() -> Iterator[Any]:
    """A new session per call, on DATABASE_URL (read when called, not at import)."""
    try:
        with session_scope(get_settings().database_url) as session:
            yield session
    except (SQLAlchemyError, ConfigError, OSError) as exc:
        raise CatalogUnavailable(str(exc)) from exc


def apology(tracker: Tracker) -> str:
    return (
        f"Xin lỗi {you(tracker)}, hệ thống dữ liệu đang tạm thời gián đoạn nên mình chưa tra cứu được. "
        f"{you(tracker, capital=True)} vui lòng hỏi lại sau ít phút, hoặc nhắn \"gặp tư vấn viên\" để được gọi lại."
    )


class CatalogAction(Action, metaclass=abc.ABCMeta):
    """An action that answers from the catalogue; a database failure becomes an apology.

    Subclasses implement `answer(dispatcher, tracker, domain, session)` and
    return the events to apply.
    """

    @abc.abstractmethod
    def name(self) -> Text:
        """The action's name in the domain."""

    @abc.abstractmethod
    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any], session) -> List[Dict]:
        """Utter the reply using `session`; return the events."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        collected = CollectingDispatcher()
        try:
            with catalog_session() as session:
                events = self.answer(collected, tracker, domain, session)
        except CatalogUnavailable as exc:
            logger.error("%s: catalogue unavailable: %s", self.name(), exc)
            dispatcher.utter_message(text=apology(tracker))
            return self.on_unavailable(tracker)
        for message in collected.messages:
            if message.get("text"):
                message["text"] = fit(message["text"])
            dispatcher.messages.append(message)
        return events or []

    def on_unavailable(self, tracker: Tracker) -> List[Dict]:
        return []


def menu_buttons(tracker: Tracker) -> List[Dict[str, str]]:
    """The short menu of what the assistant can do (used after fallbacks)."""
    return [
        {"title": "Các trình độ học nghề", "payload": "/ask_vocational_levels"},
        {"title": "Lộ trình 9+", "payload": "/ask_combined_route"},
        {"title": "Miễn học phí, hỗ trợ", "payload": "/ask_support_policy"},
        {"title": "Tìm trường, nghề", "payload": "/find_programme"},
        {"title": "Trắc nghiệm sở thích", "payload": "/start_interest_quiz"},
        {"title": "Gặp tư vấn viên", "payload": "/request_human"},
    ]


# ------------------------------------------------------------------ yes / no

_YES = {"co", "co a", "co nhe", "dong y", "dong y a", "dong y nhe", "toi dong y", "em dong y", "ok", "oke", "okay",
        "ok a", "u", "uh", "um", "uhm", "vang", "vang a", "da", "da vang", "da co", "duoc", "dc", "yes", "dung",
        "dung roi", "chac chan", "co chu", "co the"}
_NO = {"khong", "khong a", "khong nhe", "ko", "ko a", "k", "kg", "kh", "hong", "hok", "hem", "no", "thoi", "thoi khong",
       "khong can", "khong dong y", "khong co", "ko co", "k co", "chua", "khong thich", "ko thich"}


def yes_no(text: Any) -> Optional[bool]:
    """True / False for a short typed yes / no ("có", "dong y", "ko"), else None.

    Buttons send /affirm and /deny; this covers typed answers the intent
    classifier may read as something else."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    key = fold(text)
    if key in _YES:
        return True
    if key in _NO:
        return False
    return None
