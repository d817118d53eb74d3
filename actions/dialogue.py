"""Dialogue glue: the Vietnamese two-stage-fallback question, what to do with a
bare "inform" outside a form, "stop" outside a form, the "Nguồn" reply, and
the slot rules that hold on every turn (action_validate_slot_mappings):
the user's register is inferred from how they name themselves and never
switches on a weak cue; household groups accumulate.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction

from actions.asks import ActionDefaultAskRephrase
from actions.common import (
    MAX_BUBBLE_CHARS,
    NO_GROUP,
    CatalogAction,
    bubbles,
    is_worried,
    latest_entities,
    menu_buttons,
    polish,
    reassurance,
    role_cue,
    role_from_text,
    say,
    slot_value,
    source_ref,
    user_role,
    you,
)
from actions.documents import utter_known_answer
from actions.info import combined_route_answer, school_answer, subtopic
from actions.policies import support_policy_answer
from actions.programmes import (
    contact_text,
    find_programmes_answer,
    interest_answer,
    interest_of,
    nearby_places_answer,
)
from bot.catalog import models
from bot.catalog.geography import area_label
from bot.catalog.names import lookup_area
from bot.catalog.rules import policies_superseded_by
from bot.catalog.search import institutions_with_combined_route
from bot.privacy import extract_phone
from bot.text import fold

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

# Records a "Nguồn" reply can list (actions.common.record_key: "<class name>:<id>").
SOURCE_MODELS = {
    "policy": models.Policy,
    "level": models.Level,
    "institution": models.Institution,
    "occupation": models.Occupation,
    "programme": models.Programme,
    "area": models.Area,
}
# Typed statements that change the role even after it is known.
EXPLICIT_ROLE = ("la phu huynh", "la hoc sinh", "la me", "la bo", "phu huynh", "hoc sinh")


class ActionDefaultAskAffirmation(Action):
    """First stage of the two-stage fallback, in Vietnamese."""

    def name(self) -> Text:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict]:
        if utter_known_answer(dispatcher, tracker):  # a document, rule, interest or cost it recognised
            return []
        if is_worried(tracker.latest_message.get("text")):  # reassurance and options, not "did you mean"
            dispatcher.utter_message(
                text=reassurance(tracker) + " Mình có thể giúp gì trước?", buttons=menu_buttons(tracker)
            )
            return []
        ranking = tracker.latest_message.get("intent_ranking") or []
        candidates = [
            r.get("name") for r in ranking if r.get("name") not in (None, "nlu_fallback", "out_of_scope")
        ]
        intent = candidates[0] if candidates else None
        if intent not in INTENT_DESCRIPTIONS:
            return await ActionDefaultAskRephrase().run(dispatcher, tracker, domain)
        dispatcher.utter_message(
            text=polish(f"Có phải {you(tracker)} muốn hỏi về: {INTENT_DESCRIPTIONS[intent]}?"),
            buttons=[
                {"title": "Đúng vậy", "payload": f"/{intent}"},
                {"title": "Không, ý khác", "payload": "/out_of_scope"},
            ],
        )
        return []


def area_answer(session, tracker: Tracker, area_id: str, greeting: str = "") -> List[str]:
    """An area given with no question yet: today's name with the former district, and the
    nearest places that teach the 9+ route (the usual question of a grade-9 family)."""
    label = area_label(session, area_id) or area_id
    schools = institutions_with_combined_route(session, area=area_id)[:3]
    lines = [f"{greeting}{'n' if greeting else 'N'}hà {you(tracker)} ở {label}."]
    if schools:
        lines.append("Nơi dạy 9+ (trung cấp + văn hóa THPT) gần nhất trong dữ liệu của mình:")
        lines += [f"• {school.name}. {contact_text(school)}." for school in schools]
    else:
        lines.append("Nơi dạy 9+ gần đây chưa có trong dữ liệu của mình.")
    lines.append(f"{you(tracker, True)} muốn hỏi thêm về nghề, học phí và hỗ trợ, hay trường nào?")
    return bubbles(lines)


class ActionInformFollowup(CatalogAction):
    """New details after an answer (an area, a level, a household group, "không" to the
    group question, an interest): answer the last topic again with them."""

    yields_to_interests = False

    def name(self) -> Text:
        return "action_inform_followup"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        topic = tracker.get_slot("last_topic")
        typed = {e.get("entity") for e in tracker.latest_message.get("entities", []) or []}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        events: List[Dict] = []
        row = interest_of(tracker.latest_message.get("text"))
        if extract_phone(tracker.latest_message.get("text")):  # a number typed with no callback asked
            dispatcher.utter_message(
                text=polish(
                    f"Mình chưa lưu số điện thoại này. Nếu {you(tracker)} muốn thầy cô tư vấn gọi lại, bấm "
                    '"Nhờ thầy cô gọi lại" bên dưới (mình sẽ hỏi đồng ý và giờ tiện nghe máy trước).'
                ),
                buttons=[{"title": "Nhờ thầy cô gọi lại", "payload": "/request_human"}],
            )
            return []
        if "school" in typed and "occupation" not in typed:  # a school named alone: what we know of it
            texts, buttons, school_id, _ = school_answer(
                session,
                tracker,
                latest_entities(tracker, "school")[-1],
            )
            say(dispatcher, texts, buttons)
            return [SlotSet("last_topic", "school_info")] + (
                [SlotSet("school", school_id)] if school_id else []
            )
        if "occupation" in typed or row is not None:
            topic = "find_programme"
        elif "beneficiary_group" in typed or (intent == "deny" and topic == "support_policy"):
            topic = "support_policy"
        if topic == "support_policy":
            if intent == "deny" and "beneficiary_group" not in typed:
                events.append(SlotSet("beneficiary_group", [NO_GROUP]))
                tracker.slots["beneficiary_group"] = [NO_GROUP]
            texts, buttons, _ = support_policy_answer(session, tracker)
            say(dispatcher, texts, buttons)
            return events + [SlotSet("last_topic", "support_policy")]
        if topic == "find_programme":
            if row is not None:
                lines, buttons, _ = interest_answer(session, tracker, row)
            elif slot_value(tracker, "occupation"):
                lines, buttons, _ = find_programmes_answer(session, tracker)
            else:
                lines, buttons = None, None
            if lines:
                say(dispatcher, lines, buttons)
                return [SlotSet("last_topic", "find_programme")]
        if topic == "combined_route":
            texts, buttons, _ = combined_route_answer(session, tracker)
            say(dispatcher, texts, buttons)
            return []
        area_id = slot_value(tracker, "area")
        if "area" in typed and area_id:
            greeting = "Dạ, " if user_role(tracker) == "parent" else ""
            say(dispatcher, area_answer(session, tracker, area_id, greeting), menu_buttons(tracker))
            return [SlotSet("last_topic", "combined_route")]
        if typed == {"user_role"} or (not typed and role_from_text(tracker.latest_message.get("text"))):
            greeting = "Dạ, chào anh/chị" if slot_value(tracker, "user_role") == "parent" else "Chào em"
            dispatcher.utter_message(
                text=f"{greeting}! Mình có thể giúp về trường, nghề, học phí và hỗ trợ, "
                "lộ trình 9+. Chọn một chủ đề hoặc gõ câu hỏi nhé.",
                buttons=menu_buttons(tracker),
            )
            return []
        if subtopic(tracker.latest_message.get("text")) == "cost":  # "tốn bn tiền" after any answer
            texts, buttons, _ = support_policy_answer(session, tracker)
            say(dispatcher, texts, buttons)
            return [SlotSet("last_topic", "support_policy")]
        if subtopic(tracker.latest_message.get("text")) == "where":  # "trường nghề ở đâu" read as a reply
            area = lookup_area(session, area_id) if area_id else None
            if area is not None:
                lines, buttons, _ = nearby_places_answer(session, tracker, area)
            else:
                lines, buttons, _, _ = school_answer(session, tracker, None)
            say(dispatcher, lines, buttons)
            return [SlotSet("last_topic", "find_programme")]
        if intent == "affirm":  # a yes outside any question
            dispatcher.utter_message(
                text=polish(f"{you(tracker, True)} chọn một chủ đề bên dưới, hoặc gõ câu hỏi nhé."),
                buttons=menu_buttons(tracker),
            )
            return []
        dispatcher.utter_message(
            text=polish(f"Mình đã ghi nhận. {you(tracker, True)} muốn hỏi về nội dung nào?"),
            buttons=menu_buttons(tracker),
        )
        return []


class ActionStop(Action):
    """ "thôi", "dừng lại", "hủy" outside any form (inside one, the form's validator ends it)."""

    def name(self) -> Text:
        return "action_stop"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict]:
        if is_worried(tracker.latest_message.get("text")):  # "bố mẹ em không cho" is not a stop
            dispatcher.utter_message(
                text=reassurance(tracker) + " Mình có thể giúp gì trước?", buttons=menu_buttons(tracker)
            )
            return []
        dispatcher.utter_message(
            text=polish(f"Dạ, mình dừng ở đây. Khi cần, {you(tracker)} cứ nhắn lại nhé."),
            buttons=menu_buttons(tracker)[:4],
        )
        return [
            SlotSet("flow_exit", None),
            SlotSet("callback_consent", None),
            SlotSet("callback_time", None),
            SlotSet("callback_phone", None),
        ]


class ActionShowSources(CatalogAction):
    """The full sources of the last answer: title, issuer, date, public address, checked-on date."""

    yields_to_documents = False
    yields_to_interests = False

    def name(self) -> Text:
        return "action_show_sources"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        records = []
        for key in tracker.get_slot("last_sources") or []:
            kind, _, record_id = str(key).partition(":")
            model = SOURCE_MODELS.get(kind)
            record = session.get(model, record_id) if model else None
            if record is not None and record not in records:
                records.append(record)
        if not records:  # "nguồn văn bản về miễn học phí" before any answer: the sources of that answer
            key = fold(tracker.latest_message.get("text") or "")
            if any(w in key for w in ("hoc phi", "mien", "ho tro", "chinh sach")):
                records = support_policy_answer(session, tracker)[2]
            elif "9+" in key or "9 +" in key:
                records = combined_route_answer(session, tracker)[2]
        if not records:
            dispatcher.utter_message(
                text=polish(
                    f"Câu trả lời vừa rồi không trích văn bản nào. {you(tracker, True)} hỏi một câu (ví dụ "
                    '"học trung cấp có được miễn học phí không") rồi bấm "Nguồn" nhé.'
                )
            )
            return []
        lines = ["Nguồn của câu trả lời vừa rồi:"]
        for record in records[:8]:
            line = source_ref(record)
            if isinstance(record, models.Policy):
                replaced = sorted(
                    {
                        p.legal_basis_number
                        for p in policies_superseded_by(session, record.id)
                        if p.legal_basis_number
                    }
                )
                if replaced:
                    line += f" (thay thế {', '.join(replaced)})"
            lines.append(line)
        say(dispatcher, lines, first=MAX_BUBBLE_CHARS)  # asked for on purpose: the list, not an answer
        return []


class ValidateSlotMappings(ValidationAction):
    """Slot rules on every turn (Rasa's action_validate_slot_mappings). Both slots use a
    `custom` mapping so that the slot still holds the previous turn's value here."""

    async def extract_user_role(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        previous = tracker.get_slot("user_role")
        named = [v for v in latest_entities(tracker, "user_role") if v in ("student", "parent")]
        typed, strong = role_cue(tracker.latest_message.get("text"))
        # a strong cue in the words ("con tôi học lớp 9") beats an entity tagged on part of them
        role = typed if strong or not named else named[-1]
        if role is None or role == previous:
            return {}
        if previous in ("student", "parent"):
            key = fold(tracker.latest_message.get("text") or "")
            explicit = any(p in key for p in EXPLICIT_ROLE) or (
                tracker.latest_message.get("text") or ""
            ).startswith("/")
            if not explicit:
                return {}  # the register never switches on a weak cue
        return {"user_role": role}

    async def extract_beneficiary_group(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        """Groups accumulate ("cận nghèo", then "dân tộc thiểu số")."""
        new = latest_entities(tracker, "beneficiary_group")
        if not new:
            return {}
        merged = [g for g in (tracker.get_slot("beneficiary_group") or []) if g != NO_GROUP]
        merged += [g for g in new if g not in merged]
        return {"beneficiary_group": merged}
