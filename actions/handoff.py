"""request_human: consent, role (only if unknown), a good time, then the phone
number, validated and stored with `bot.handoff.create_callback_request`.

The phone is asked LAST on purpose: the tracker store masks phone numbers when
it writes, so the number only exists unmasked during the turn it was typed in,
which is the turn in which the form completes and this action stores it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.common import (
    CatalogUnavailable,
    apology,
    catalog_session,
    is_stop_text,
    polish,
    slot_value,
    wants_stop,
    yes_no,
    you,
)
from bot.handoff import create_callback_request
from bot.privacy import extract_phone  # the one phone parser: whatever it accepts, masking removes
from bot.text import fold

logger = logging.getLogger(__name__)

CALLBACK_SLOTS = ("callback_consent", "callback_time", "callback_phone")
# A time of day or week, not a phone number (folded text).
_TIME_WORDS = re.compile(
    r"\b(gio|h|sang|trua|chieu|toi|dem|thu \d|thu hai|thu ba|chu nhat|cuoi tuan|buoi)\b|\d+ ?h\b"
)
NO_TIME = "chưa hẹn giờ"  # a number typed when the time was asked


def masked(phone: str) -> str:
    return phone[:3] + "*" * (len(phone) - 6) + phone[-3:]


class ValidateCallbackForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_callback_form"

    async def run(self, dispatcher, tracker: Tracker, domain):
        # "thôi không cần gọi nữa", "hủy", "để sau" at any step: consent withdrawn, nothing kept
        if tracker.get_slot("requested_slot") and wants_stop(tracker):
            return [
                SlotSet("callback_consent", False),
                SlotSet("callback_time", None),
                SlotSet("callback_phone", None),
                SlotSet("requested_slot", None),
            ]
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(
        self, domain_slots: List[Text], dispatcher, tracker: Tracker, domain
    ) -> List[Text]:
        if tracker.get_slot("callback_consent") is False:
            return ["callback_consent"]
        if tracker.get_slot("callback_phone"):  # typed early: stored now, the role left unknown
            return ["callback_consent", "callback_time", "callback_phone"]
        return ["callback_consent", "user_role", "callback_time", "callback_phone"]

    async def extract_callback_consent(
        self, dispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        requested = tracker.get_slot("requested_slot")
        if requested not in ("callback_consent", "user_role"):
            return {}
        text = tracker.latest_message.get("text")
        phone = extract_phone(text)
        if phone is not None:
            # A number typed before it was asked for ("0912 345 678 ạ" to "do you agree?"): giving
            # it is the consent, and it must be stored in this same turn (see the module's
            # docstring), so the request goes in now, without a time.
            return {"callback_consent": True, "callback_time": NO_TIME, "callback_phone": phone}
        if requested != "callback_consent":
            return {}
        answer = yes_no(text)
        return {} if answer is None else {"callback_consent": answer}

    def validate_callback_time(
        self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = (value or "").strip() if isinstance(value, str) else ""
        if yes_no(text) is False or is_stop_text(text):  # "thôi", "không": changed their mind
            return {"callback_consent": False, "callback_time": None}
        phone = extract_phone(text) if text else None
        if phone is not None:
            # The number came before a time. It must be stored in this same turn (the tracker
            # store masks it when the turn is written), so the request goes in now, without a time.
            return {"callback_time": NO_TIME, "callback_phone": phone}
        if not text:
            dispatcher.utter_message(
                text=polish(
                    f'{you(tracker, True)} cho mình biết khung giờ tiện nghe máy (ví dụ: "sáng thứ 7", "sau 19h") nhé.'
                )
            )
            return {"callback_time": None}
        return {"callback_time": text[:200]}

    def validate_callback_phone(
        self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if yes_no(value) is False or is_stop_text(
            value
        ):  # "thôi", "không": changed their mind, nothing is kept
            return {"callback_consent": False, "callback_phone": None}
        phone = extract_phone(value)
        if (
            phone is None
            and isinstance(value, str)
            and _TIME_WORDS.search(fold(value))
            and not re.search(r"\d{6}", value)
        ):
            # "gọi chị buổi chiều sau 5 giờ nhé": a (new) time, not a wrong number
            dispatcher.utter_message(text=f'Dạ, mình ghi giờ gọi: "{value.strip()[:200]}".')
            return {"callback_phone": None, "callback_time": value.strip()[:200]}
        if phone is None:
            dispatcher.utter_message(
                text="Số điện thoại chưa đúng. Số di động Việt Nam có 10 chữ số, bắt đầu bằng 0 (ví dụ 09xx xxx xxx) hoặc +84."
            )
            return {"callback_phone": None}
        return {"callback_phone": phone}


class ActionSubmitCallback(Action):
    def name(self) -> Text:
        return "action_submit_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict]:
        reset = [SlotSet(slot, None) for slot in CALLBACK_SLOTS]
        if tracker.get_slot("callback_consent") is not True:
            dispatcher.utter_message(
                text=polish(
                    f"Dạ, mình đã hủy yêu cầu gọi lại và không lưu thông tin liên lạc nào. "
                    f"{you(tracker, True)} vẫn có thể hỏi mình tiếp ở đây."
                )
            )
            return reset
        phone = tracker.get_slot("callback_phone")
        preferred_time = tracker.get_slot("callback_time") or ""
        try:
            with catalog_session() as session:
                create_callback_request(
                    session,
                    sender_id=tracker.sender_id,
                    channel=tracker.get_latest_input_channel() or "unknown",
                    phone=phone or "",
                    preferred_time=preferred_time,
                    consent_at=dt.datetime.now(dt.timezone.utc),
                    user_role=tracker.get_slot("user_role"),
                    area=slot_value(tracker, "area"),
                    note=tracker.get_slot("last_topic"),
                )
        except ValueError:
            dispatcher.utter_message(
                text='Số điện thoại chưa hợp lệ nên mình chưa lưu được. Nhắn "gặp tư vấn viên" để thử lại nhé.'
            )
            return reset
        except CatalogUnavailable as exc:
            logger.error("callback request not stored: %s", exc)
            dispatcher.utter_message(text=apology(tracker))
            return reset
        dispatcher.utter_message(
            text=polish(
                f"Đã ghi nhận. Thầy cô tư vấn sẽ gọi số {masked(phone)}"
                + (
                    f' vào khoảng "{preferred_time}". '
                    if preferred_time != NO_TIME
                    else f" ({you(tracker)} chưa hẹn giờ gọi). "
                )
                + f"Số điện thoại chỉ dùng để gọi lại và {you(tracker)} có thể yêu cầu xóa bất cứ lúc nào."
            )
        )
        return reset
