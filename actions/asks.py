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

from actions.common import menu_buttons, user_role

# slot -> ({role or None: text}, buttons)
LEVEL_BUTTONS = [
    {"title": "Sơ cấp", "payload": '/inform{"level":"so_cap"}'},
    {"title": "Trung cấp", "payload": '/inform{"level":"trung_cap"}'},
    {"title": "Cao đẳng", "payload": '/inform{"level":"cao_dang"}'},
    {"title": "Chưa biết", "payload": "/deny"},
]
QUESTIONS: Dict[str, Any] = {
    "area": (
        {
            None: "Nhà bạn ở xã/phường nào (hoặc huyện cũ nào của Vĩnh Phúc)? Mỗi nơi có thể có hỗ trợ khác nhau.",
            "student": "Nhà em ở xã/phường nào (hoặc huyện cũ nào của Vĩnh Phúc)? Mỗi nơi có thể có hỗ trợ khác nhau.",
            "parent": "Gia đình anh/chị ở xã/phường nào (hoặc huyện cũ nào của Vĩnh Phúc) ạ? Mỗi nơi có thể có hỗ trợ khác nhau.",
        },
        [{"title": "Không muốn nói", "payload": "/deny"}],
    ),
    "level": (
        {
            None: "Bạn định học trình độ nào?",
            "student": "Em định học trình độ nào?",
            "parent": "Anh/chị định cho con học trình độ nào ạ?",
        },
        LEVEL_BUTTONS,
    ),
    "beneficiary_group": (
        {
            None: "Gia đình có thuộc nhóm nào dưới đây không? (Mình chỉ hỏi một lần, để tìm đúng chế độ.)",
            "student": "Gia đình em có thuộc nhóm nào dưới đây không? (Mình chỉ hỏi một lần, để tìm đúng chế độ.)",
            "parent": "Gia đình anh/chị có thuộc nhóm nào dưới đây không ạ? (Mình chỉ hỏi một lần, để tìm đúng chế độ.)",
        },
        [
            {"title": "Hộ nghèo", "payload": '/inform{"beneficiary_group":"ho_ngheo"}'},
            {"title": "Hộ cận nghèo", "payload": '/inform{"beneficiary_group":"ho_can_ngheo"}'},
            {"title": "Dân tộc thiểu số", "payload": '/inform{"beneficiary_group":"dan_toc_thieu_so"}'},
            {"title": "Khuyết tật", "payload": '/inform{"beneficiary_group":"khuyet_tat"}'},
            {"title": "Mồ côi", "payload": '/inform{"beneficiary_group":"mo_coi"}'},
            {"title": "Không thuộc nhóm nào", "payload": "/deny"},
        ],
    ),
    "callback_consent": (
        {
            None: "Thầy cô tư vấn có thể gọi lại để trao đổi kỹ hơn về chọn nghề, chọn trường và chế độ hỗ trợ. "
                  "Bạn có đồng ý để lại số điện thoại không? Số chỉ dùng để gọi lại.",
            "student": "Thầy cô tư vấn có thể gọi lại để trao đổi kỹ hơn về chọn nghề, chọn trường và chế độ hỗ trợ. "
                       "Em có đồng ý để lại số điện thoại không (nên hỏi ý bố mẹ trước nhé)? Số chỉ dùng để gọi lại.",
            "parent": "Thầy cô tư vấn có thể gọi lại để trao đổi kỹ hơn về chọn nghề, chọn trường và chế độ hỗ trợ cho con. "
                      "Anh/chị có đồng ý để lại số điện thoại không ạ? Số chỉ dùng để gọi lại.",
        },
        [{"title": "Đồng ý", "payload": "/affirm"}, {"title": "Không", "payload": "/deny"}],
    ),
    "user_role": (
        {None: "Để thầy cô tiện xưng hô: bạn là học sinh hay phụ huynh?"},
        [
            {"title": "Học sinh", "payload": '/inform{"user_role":"student"}'},
            {"title": "Phụ huynh", "payload": '/inform{"user_role":"parent"}'},
        ],
    ),
    "callback_time": (
        {
            None: "Bạn tiện nghe máy vào khoảng thời gian nào? (ví dụ: \"sáng thứ 7\", \"sau 19h\")",
            "student": "Em tiện nghe máy vào khoảng thời gian nào? (ví dụ: \"sáng thứ 7\", \"sau 19h\")",
            "parent": "Anh/chị tiện nghe máy vào khoảng thời gian nào ạ? (ví dụ: \"sáng thứ 7\", \"sau 19h\")",
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

        async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
            text, buttons = question(slot, user_role(tracker))
            dispatcher.utter_message(text=text, buttons=buttons or None)
            return []

    AskSlot.__name__ = AskSlot.__qualname__ = "ActionAsk" + "".join(p.title() for p in slot.split("_"))
    return AskSlot


ASK_ACTIONS = [_make_ask_action(slot) for slot in QUESTIONS]


def _you(role: Optional[str]) -> str:
    return {"student": "em", "parent": "anh/chị"}.get(role or "", "bạn")


class ActionDefaultFallback(Action):
    """Last stage of every fallback: say so in Vietnamese, offer the menu, forget the message."""

    def name(self) -> Text:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        dispatcher.utter_message(
            text=f"Xin lỗi, mình chưa hiểu ý {_you(user_role(tracker))}. Hãy hỏi lại ngắn gọn hơn, hoặc chọn một chủ đề bên dưới.",
            buttons=menu_buttons(tracker),
        )
        return [UserUtteranceReverted()]


class ActionDefaultAskRephrase(Action):
    """Second stage of the two-stage fallback."""

    def name(self) -> Text:
        return "action_default_ask_rephrase"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        dispatcher.utter_message(
            text=f"Mình chưa hiểu rõ. {_you(user_role(tracker)).capitalize()} nói lại theo cách khác giúp mình nhé, "
                 "ví dụ: \"học trung cấp có được miễn học phí không\"."
        )
        return []
