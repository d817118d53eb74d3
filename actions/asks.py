"""Form questions (action_ask_<slot>) and the Vietnamese replacements of Rasa's
default fallback texts, in the user's register.

They live here rather than as domain responses because `rasa data validate
--fail-on-warnings` flags every response not used in a story or rule, and
form questions and fallback texts are never written in stories.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.common import is_worried, menu_buttons, polish, reassurance, user_role, you
from actions.documents import utter_known_answer

# slot -> ({role or None: text}, buttons); None = role unknown, addressed as "em" (docs/dialogue.md)
QUESTIONS: Dict[str, Any] = {
    "callback_consent": (
        {
            None: "Thầy cô tư vấn có thể gọi lại để trao đổi kỹ hơn về chọn nghề, chọn trường và chế độ hỗ trợ. "
            "Có đồng ý để lại số điện thoại không (học sinh nên hỏi ý bố mẹ trước)? Số chỉ dùng để gọi lại; "
            'nhắn "thôi" để hủy bất cứ lúc nào.',
            "student": "Thầy cô tư vấn có thể gọi lại để trao đổi kỹ hơn về chọn nghề, chọn trường và chế độ hỗ trợ. "
            "Em có đồng ý để lại số điện thoại không (nên hỏi ý bố mẹ trước nhé)? Số chỉ dùng để gọi lại; "
            'nhắn "thôi" để hủy bất cứ lúc nào.',
            "parent": "Thầy cô tư vấn có thể gọi lại để trao đổi kỹ hơn về chọn nghề, chọn trường và chế độ hỗ trợ cho con. "
            'Anh/chị có đồng ý để lại số điện thoại không ạ? Số chỉ dùng để gọi lại; nhắn "thôi" để hủy '
            "bất cứ lúc nào.",
        },
        [{"title": "Đồng ý", "payload": "/affirm"}, {"title": "Không", "payload": "/deny"}],
    ),
    "user_role": (
        {None: "Để thầy cô tiện xưng hô, cho mình hỏi: người nhắn là học sinh hay phụ huynh ạ?"},
        [
            {"title": "Học sinh", "payload": '/inform{"user_role":"student"}'},
            {"title": "Phụ huynh", "payload": '/inform{"user_role":"parent"}'},
        ],
    ),
    "callback_time": (
        {
            None: 'Tiện nghe máy vào khoảng thời gian nào ạ? (ví dụ: "sáng thứ 7", "sau 19h")',
            "student": 'Em tiện nghe máy vào khoảng thời gian nào? (ví dụ: "sáng thứ 7", "sau 19h")',
            "parent": 'Anh/chị tiện nghe máy vào khoảng thời gian nào ạ? (ví dụ: "sáng thứ 7", "sau 19h")',
        },
        [],
    ),
    "callback_phone": (
        {None: "Số điện thoại để thầy cô gọi lại là gì? (ví dụ 09xx xxx xxx)"},
        [],
    ),
}


def question(slot: str, role: Optional[str]):
    texts, buttons = QUESTIONS[slot]
    return texts.get(role) or texts[None], buttons


def _make_ask_action(slot: str):
    class AskSlot(Action):
        def name(self) -> Text:
            return f"action_ask_{slot}"

        async def run(
            self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
        ) -> List[Dict]:
            text, buttons = question(slot, user_role(tracker))
            dispatcher.utter_message(text=text, buttons=buttons or None)
            return []

    AskSlot.__name__ = AskSlot.__qualname__ = "ActionAsk" + "".join(p.title() for p in slot.split("_"))
    return AskSlot


ASK_ACTIONS = [_make_ask_action(slot) for slot in QUESTIONS]


def reply_with_menu(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> None:
    """`text` and the menu; a worried message gets reassurance and the menu instead."""
    if is_worried(tracker.latest_message.get("text")):
        text = reassurance(tracker) + " Mình có thể giúp gì trước?"
    dispatcher.utter_message(text=polish(text), buttons=menu_buttons(tracker))


class ActionOutOfScope(Action):
    """Out of scope: say so and show the menu; a worried message gets reassurance and options first."""

    def name(self) -> Text:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict]:
        if utter_known_answer(dispatcher, tracker):  # "nghi quyet 19 con hieu luc khong"
            return []
        reply_with_menu(
            dispatcher,
            tracker,
            f"Câu này mình chưa giúp được. Mình trả lời về: các trình độ học nghề, lộ trình 9+, miễn học phí "
            f"và hỗ trợ, trường học nghề gần nhà; hoặc {you(tracker)} nhờ thầy cô tư vấn gọi lại.",
        )
        return []


class ActionDenyOutsideQuestion(Action):
    """A "no" outside any question: fine, come back any time. "kh 220 là gì" also reads as a
    "no" ("kh" is chat shorthand for "không"), so a document or rule it names is answered."""

    def name(self) -> Text:
        return "action_deny_outside_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict]:
        if not utter_known_answer(dispatcher, tracker):
            dispatcher.utter_message(response="utter_anything_else_no")
        return []


class ActionDefaultFallback(Action):
    """Last stage of every fallback: say so in Vietnamese, offer the menu, forget the message."""

    def name(self) -> Text:
        return "action_default_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict]:
        if utter_known_answer(dispatcher, tracker):
            return []
        reply_with_menu(
            dispatcher,
            tracker,
            f"Xin lỗi, mình chưa hiểu ý {you(tracker)}. Hãy hỏi lại ngắn gọn hơn, hoặc chọn một chủ đề bên dưới.",
        )
        return [UserUtteranceReverted()]


class ActionDefaultAskRephrase(Action):
    """Second stage of the two-stage fallback."""

    def name(self) -> Text:
        return "action_default_ask_rephrase"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict]:
        if utter_known_answer(dispatcher, tracker):
            return []
        dispatcher.utter_message(
            text=polish(
                f"Mình chưa hiểu rõ. {you(tracker, True)} nói lại theo cách khác giúp mình nhé, "
                'ví dụ: "học trung cấp có được miễn học phí không".'
            )
        )
        return []
