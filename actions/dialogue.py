"""Dialogue glue: Vietnamese two-stage-fallback question, and what to do with a
bare "inform" (e.g. "em ở Yên Lạc") outside a form."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.asks import ActionDefaultAskRephrase
from actions.common import CatalogAction, menu_buttons, slot_value, you
from actions.info import combined_route_answer
from actions.policies import support_policy_answer
from actions.programmes import find_programmes_answer

INTENT_DESCRIPTIONS = {
    "ask_vocational_levels": "các trình độ sơ cấp, trung cấp, cao đẳng",
    "ask_combined_route": "lộ trình 9+ (trung cấp + văn hóa THPT)",
    "ask_support_policy": "miễn học phí, tiền hỗ trợ",
    "find_programme": "tìm trường, nghề",
    "ask_school_info": "thông tin một trường",
    "ask_admission": "tuyển sinh, hồ sơ nhập học",
    "ask_career_prospects": "việc làm sau khi học",
    "compare_paths": "nên học nghề hay vào lớp 10",
    "ask_further_study": "học liên thông lên cao đẳng, đại học",
    "start_interest_quiz": "trắc nghiệm sở thích nghề",
    "request_human": "gặp thầy cô tư vấn",
    "bot_challenge": "hỏi mình là người hay máy",
}
# Small talk and answers (greet, thank, affirm, deny, inform …) are never
# offered as "did you mean": asking "did you mean: yes?" confuses users, and a
# "không" to it could be taken as the answer to an open form question.


class ActionDefaultAskAffirmation(Action):
    """First stage of the two-stage fallback, in Vietnamese."""

    def name(self) -> Text:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        ranking = tracker.latest_message.get("intent_ranking") or []
        candidates = [r.get("name") for r in ranking if r.get("name") not in (None, "nlu_fallback", "out_of_scope")]
        intent = candidates[0] if candidates else None
        if intent not in INTENT_DESCRIPTIONS:
            return await ActionDefaultAskRephrase().run(dispatcher, tracker, domain)
        dispatcher.utter_message(
            text=f"Có phải {you(tracker)} muốn hỏi về: {INTENT_DESCRIPTIONS[intent]}?",
            buttons=[
                {"title": "Đúng vậy", "payload": f"/{intent}"},
                {"title": "Không, ý khác", "payload": "/out_of_scope"},
            ],
        )
        return []


class ActionInformFollowup(CatalogAction):
    """New details after an answer: answer the last topic again with them."""

    def name(self) -> Text:
        return "action_inform_followup"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        topic = tracker.get_slot("last_topic")
        typed = {e.get("entity") for e in tracker.latest_message.get("entities", []) or []}
        if "occupation" in typed:  # "em muốn học hàn ở Bình Xuyên" read as a bare inform
            topic = "find_programme"
        elif "beneficiary_group" in typed and topic is None:
            topic = "support_policy"
        if topic == "support_policy":
            for text in support_policy_answer(session, tracker):
                dispatcher.utter_message(text=text)
            return [SlotSet("last_topic", "support_policy")]
        if topic == "find_programme" and slot_value(tracker, "occupation"):
            text, buttons = find_programmes_answer(session, tracker)
            dispatcher.utter_message(text=text, buttons=buttons or None)
            return [SlotSet("last_topic", "find_programme")]
        if topic == "combined_route":
            dispatcher.utter_message(text=combined_route_answer(session, tracker))
            return []
        dispatcher.utter_message(
            text=f"Mình đã ghi nhận. {you(tracker, True)} muốn hỏi về nội dung nào?",
            buttons=menu_buttons(tracker),
        )
        return []
