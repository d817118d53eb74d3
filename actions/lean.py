"""The optional streaming question (issue 16): "Hiện em đang nghiêng về hướng nào?".

Asked once per conversation (slot `lean_asked`), at a natural point: after the
interest quiz's result and after the comparison of grade 10 with vocational
training (`ask_lean`, called by those actions), never inside a form and never
once an answer is stored. Buttons send `/tell_lean{"lean": ...}`; a typed
answer ("em nghiêng về học nghề") is intent `tell_lean` and is read by
`bot.lean.lean_of`. The answer is stored in the `lean` slot, which the console
counts (bot/web/console/streaming.py), and acknowledged in one line. Nothing
waits for it: any other message is answered as usual.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import user_role
from bot import lean

# How the acknowledgement names a stated lean: "em đang nghiêng về <...>".
CHOSEN = {
    lean.THPT: "thi vào lớp 10 THPT",
    lean.TRUNG_CAP: "học 9+ hoặc trung cấp",
    lean.HOC_NGHE: "học nghề",
    lean.SO_CAP: "học sơ cấp hoặc đi làm",
}


def lean_buttons() -> List[Dict[str, str]]:
    return [
        {"title": lean.LABELS[value], "payload": f'/tell_lean{{"lean":"{value}"}}'} for value in lean.BUTTONS
    ]


def question(tracker: Tracker) -> str:
    if user_role(tracker) == "parent":
        return (
            "Anh/chị cho mình hỏi thêm: hiện cháu đang nghiêng về hướng nào ạ? (Không bắt buộc; câu trả lời "
            "chỉ dùng để thống kê chung, không kèm tên hay số điện thoại.)"
        )
    return (
        "Hiện em đang nghiêng về hướng nào? (Không bắt buộc; câu trả lời chỉ dùng để thống kê chung, "
        "không kèm tên em.)"
    )


def ask_lean(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict]:
    """Ask the question as the turn's last bubble, unless it was asked or answered already,
    or a form is running (the form's next question follows in the same turn)."""
    if tracker.get_slot("lean_asked") or lean.is_lean(tracker.get_slot("lean")) or tracker.active_loop_name:
        return []
    dispatcher.utter_message(text=question(tracker), buttons=lean_buttons())
    return [SlotSet("lean_asked", True)]


def acknowledgement(tracker: Tracker, value: str) -> str:
    parent = user_role(tracker) == "parent"
    if value == lean.CHUA_BIET:
        if parent:
            return (
                "Dạ, cảm ơn anh/chị. Chưa chọn được cũng không sao ạ; anh/chị cứ hỏi mình về từng hướng nhé."
            )
        return "Cảm ơn em. Chưa chọn được cũng không sao, nhiều học sinh lớp 9 cũng vậy; em cứ hỏi mình về từng hướng nhé."
    if parent:
        return f"Dạ, cảm ơn anh/chị, mình ghi nhận: cháu đang nghiêng về {CHOSEN[value]}. Anh/chị cứ hỏi tiếp nhé."
    return f"Cảm ơn em, mình ghi nhận: em đang nghiêng về {CHOSEN[value]}. Em cứ hỏi tiếp nhé."


class ActionLeanAnswer(Action):
    """A tapped or typed answer: store it in `lean` and acknowledge it in one line."""

    def name(self) -> Text:
        return "action_lean_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict]:
        tapped = [
            e.get("value")
            for e in tracker.latest_message.get("entities") or []
            if e.get("entity") == "lean" and lean.is_lean(e.get("value"))
        ]
        value = tapped[-1] if tapped else lean.lean_of(tracker.latest_message.get("text"))
        if value is None:
            whose = "cháu" if user_role(tracker) == "parent" else "em"
            dispatcher.utter_message(
                text=f"Mình chưa rõ {whose} nghiêng về hướng nào; chọn giúp mình một hướng dưới đây nhé.",
                buttons=lean_buttons(),
            )
            return [SlotSet("lean_asked", True)]
        dispatcher.utter_message(text=acknowledgement(tracker, value))
        return [SlotSet("lean", value), SlotSet("lean_asked", True)]
