"""Programme finder: occupation, level and area, asking for what is missing;
up to five options, nearest first, with contacts and follow-up buttons."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.common import (
    NO_VALUE,
    CatalogAction,
    CatalogUnavailable,
    catalog_session,
    cite,
    join_lines,
    slot_value,
    yes_no,
    you,
)
from actions.policies import _validated
from bot.catalog import queries

logger = logging.getLogger(__name__)

MAX_OPTIONS = 5


def contact_text(institution) -> str:
    parts = [f"Địa chỉ: {institution.address}" if institution.address else "Địa chỉ: chưa có trong dữ liệu"]
    parts.append(f"ĐT: {institution.phone}" if institution.phone else "ĐT: chưa có số có nguồn")
    if institution.website:
        parts.append(f"Web: {institution.website}")
    return "; ".join(parts)


def programme_line(index: int, hit, tracker: Tracker) -> str:
    programme, institution = hit.programme, hit.institution
    level = programme.level.name.lower() if programme.level else "trình độ chưa xác nhận"
    distance = f", cách khoảng {hit.distance_km:g} km" if hit.distance_km is not None else ""
    line = f"{index}. {institution.name}: {programme.occupation.name} ({level}){distance}. {contact_text(institution)}."
    if programme.is_unverified or institution.is_unverified:
        line += f" ⚠️ CHƯA KIỂM CHỨNG: {you(tracker)} nên gọi hỏi trường hoặc Sở GD&ĐT Phú Thọ."
    elif programme.notes:
        line += f" Lưu ý: {programme.notes}"
    return f"{line} {cite(programme)}"


def follow_up_buttons(hits) -> List[Dict[str, str]]:
    buttons: List[Dict[str, str]] = []
    seen = set()
    for hit in hits:
        if hit.institution.id in seen or len(seen) >= 2:
            continue
        seen.add(hit.institution.id)
        short = hit.institution.name.replace("Trường ", "")
        buttons.append({"title": f"Về {short}"[:60], "payload": f'/ask_school_info{{"school":"{hit.institution.id}"}}'})
    buttons += [
        {"title": "Tuyển sinh, hồ sơ", "payload": "/ask_admission"},
        {"title": "Học phí, hỗ trợ", "payload": "/ask_support_policy"},
        {"title": "Ra trường làm gì", "payload": "/ask_career_prospects"},
    ]
    return buttons


def find_programmes_answer(session, tracker: Tracker):
    """(text, buttons) for the slots occupation / level / area."""
    occupation_id = slot_value(tracker, "occupation")
    level_id = slot_value(tracker, "level")
    area_id = slot_value(tracker, "area")
    occupation = queries.lookup_occupation(session, occupation_id) if occupation_id else None
    level = queries.get_level(session, level_id) if level_id else None
    area = queries.lookup_area(session, area_id) if area_id else None
    hits = queries.find_programmes(session, occupation=occupation.id if occupation else None,
                                   level=level.id if level else None, area=area.id if area else None,
                                   limit=MAX_OPTIONS)
    lines: List[str] = []
    what = occupation.name if occupation else "học nghề"
    if not hits and level is not None:
        hits = queries.find_programmes(session, occupation=occupation.id if occupation else None,
                                       area=area.id if area else None, limit=MAX_OPTIONS)
        if hits:
            lines.append(f"Dữ liệu chưa ghi nhận nơi dạy {what} ở trình độ {level.name.lower()}; các nơi dạy {what} ở trình độ khác:")
    if not hits:
        lines.append(
            f"Dữ liệu hiện chưa ghi nhận trường nào trong tỉnh dạy {what}. "
            f"{you(tracker, True)} có thể hỏi Sở GD&ĐT Phú Thọ hoặc nhắn \"gặp tư vấn viên\"."
        )
        if occupation is not None:
            lines.append(cite(occupation))
        return join_lines(lines), []
    if not lines:
        near = f", gần {area.name} nhất trước" if area else ""
        lines.append(f"Nơi dạy {what}{near} (tối đa {MAX_OPTIONS} lựa chọn):")
    for index, hit in enumerate(hits, 1):
        lines.append(programme_line(index, hit, tracker))
    if area is not None and all(h.distance_km is None for h in hits):
        lines.append("(Chưa đủ dữ liệu vị trí để xếp theo khoảng cách.)")
    return join_lines(lines), follow_up_buttons(hits)


class ActionFindProgrammes(CatalogAction):
    def name(self) -> Text:
        return "action_find_programmes"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        events = [SlotSet("last_topic", "find_programme")]
        text, buttons = find_programmes_answer(session, tracker)
        if tracker.get_slot("occupation") == NO_VALUE:
            # "chưa biết học nghề gì": show what the catalogue has and offer the quiz
            text = f"{you(tracker, True)} chưa chọn nghề; đây là một số nơi dạy nghề có trong dữ liệu.\n" + text
            buttons = [{"title": "Làm trắc nghiệm sở thích", "payload": "/start_interest_quiz"}] + buttons[:3]
            events.append(SlotSet("occupation", None))
        dispatcher.utter_message(text=text, buttons=buttons or None)
        return events


class ActionAskOccupation(CatalogAction):
    """Asks for the occupation, offering those the catalogue has a school for."""

    def name(self) -> Text:
        return "action_ask_occupation"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        occupations = []
        for hit in queries.find_programmes(session, limit=200):
            if hit.programme.occupation not in occupations:
                occupations.append(hit.programme.occupation)
        buttons = [{"title": o.name, "payload": f'/inform{{"occupation":"{o.id}"}}'} for o in occupations[:8]]
        dispatcher.utter_message(
            text=f"{you(tracker, True)} muốn học nghề gì? Chọn bên dưới hoặc gõ tên nghề.",
            buttons=buttons or None,
        )
        return []

    def on_unavailable(self, tracker: Tracker) -> List[Dict]:
        return []


class ValidateProgrammeForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_programme_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher, tracker: Tracker, domain) -> List[Text]:
        if tracker.get_slot("occupation") == NO_VALUE:
            return []  # the user does not know the occupation yet: answer with what we have
        return domain_slots

    async def extract_occupation(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "occupation":
            return {}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "deny" or yes_no(tracker.latest_message.get("text")) is False:
            return {"occupation": NO_VALUE}
        return {}

    def validate_occupation(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value == NO_VALUE:
            return {"occupation": NO_VALUE}
        if isinstance(value, list):
            value = value[-1] if value else None
        if not value:
            return {"occupation": None}
        try:
            with catalog_session() as session:
                found = queries.lookup_occupation(session, value)
        except CatalogUnavailable as exc:
            logger.error("validate occupation: catalogue unavailable: %s", exc)
            return {"occupation": str(value)}
        if found is None:
            dispatcher.utter_message(text=f"Mình chưa có nghề \"{str(value)[:60]}\" trong dữ liệu, {you(tracker)} chọn nghề khác nhé.")
            return {"occupation": None}
        return {"occupation": found.id}

    def validate_level(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return {"level": _validated(value, "level", dispatcher, tracker)}

    def validate_area(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return {"area": _validated(value, "area", dispatcher, tracker)}
