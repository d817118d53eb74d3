"""Answers from catalogue records: levels, the 9+ route, schools, admission,
career prospects, further study (liên thông), vocational route vs grade 10.

Where the catalogue has no fact, the answer says so and refers to the school or
Sở GD&ĐT Phú Thọ; nothing is invented here.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.common import CatalogAction, cite, join_lines, slot_value, today, unverified_warning, vn_date, you
from actions.programmes import contact_text
from bot.catalog import queries

# The contract's level ids (nlu-contract.md), lowest first.
LEVEL_IDS = ("so_cap", "trung_cap", "cao_dang")
COMBINED_ROUTE_LEVEL = "trung_cap"  # 9+ = trung cấp + văn hóa THPT (GDTX)


def latest_entities(tracker: Tracker, entity: str) -> List[str]:
    values = []
    for item in tracker.latest_message.get("entities", []) or []:
        if item.get("entity") == entity and item.get("value") not in values:
            values.append(item.get("value"))
    return values


def level_block(level, tracker: Tracker) -> str:
    text = (f"• {level.name}: {level.description} Thời gian: {level.duration}. "
            f"Ai được học: {level.entry}. Học xong: {level.after}.")
    warning = unverified_warning(level, tracker)
    return join_lines([f"{text} {cite(level)}", warning])


class ActionVocationalLevels(CatalogAction):
    def name(self) -> Text:
        return "action_vocational_levels"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        wanted = [v for v in latest_entities(tracker, "level") if v in LEVEL_IDS]
        if len(wanted) == 1:
            wanted = [wanted[0]]
        ids = wanted or list(LEVEL_IDS)
        levels = sorted((l for l in (queries.get_level(session, i) for i in ids) if l), key=lambda l: l.rank)
        if not levels:
            dispatcher.utter_message(text="Dữ liệu về các trình độ học nghề chưa có; hỏi Sở GD&ĐT Phú Thọ nhé.")
            return []
        header = "Các trình độ của giáo dục nghề nghiệp:" if len(levels) > 1 else "Thông tin trình độ:"
        dispatcher.utter_message(text=join_lines([header] + [level_block(l, tracker) for l in levels]))
        return [SlotSet("last_topic", "vocational_levels")]


def combined_route_answer(session, tracker: Tracker) -> str:
    level = queries.get_level(session, COMBINED_ROUTE_LEVEL)
    area_id = slot_value(tracker, "area")
    area = queries.lookup_area(session, area_id) if area_id else None
    lines = ["Lộ trình 9+ là học trung cấp cùng lúc với văn hóa THPT (GDTX), dành cho học sinh xong lớp 9."]
    if level is not None:
        lines.append(f"{level.description} Thời gian: {level.duration}. {cite(level)}")
        lines.append(f"Học xong: {level.after}.")
        lines.append(
            "Nếu không thi hoặc chưa đỗ tốt nghiệp THPT: học xong trung cấp vẫn được cấp bằng trung cấp (đi làm, "
            f"liên thông cao đẳng); điều kiện lên đại học {you(tracker)} hỏi nhà trường hoặc Sở GD&ĐT Phú Thọ."
        )
        if level.notes:
            lines.append(f"Sắp tới (tính đến {vn_date(level.checked_on)}): {level.notes}")
    schools = queries.institutions_with_combined_route(session, area=area.id if area else None)
    if schools:
        near = f" (gần {area.name} nhất trước)" if area else ""
        lines.append(f"Nơi dạy 9+ có trong dữ liệu{near}:")
        for school in schools[:5]:
            lines.append(f"- {school.name}. {contact_text(school)}. {cite(school)}")
    else:
        lines.append("Dữ liệu chưa ghi nhận trường nào dạy 9+; hỏi Sở GD&ĐT Phú Thọ.")
    return join_lines(lines)


class ActionCombinedRoute(CatalogAction):
    def name(self) -> Text:
        return "action_combined_route"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        dispatcher.utter_message(
            text=combined_route_answer(session, tracker),
            buttons=[
                {"title": "Học phí 9+", "payload": '/ask_support_policy{"level":"trung_cap"}'},
                {"title": "Học lên cao đẳng, đại học", "payload": "/ask_further_study"},
                {"title": "Tìm trường", "payload": "/find_programme"},
            ],
        )
        return [SlotSet("last_topic", "combined_route")]


def school_answer(session, tracker: Tracker, school_value: Optional[str]):
    school = queries.lookup_institution(session, school_value) if school_value else None
    if school is None:
        known = []
        for hit in queries.find_programmes(session, limit=200):
            if hit.institution not in known:
                known.append(hit.institution)
        buttons = [{"title": s.name.replace("Trường ", "")[:60], "payload": f'/ask_school_info{{"school":"{s.id}"}}'}
                   for s in known[:5]]
        return f"{you(tracker, True)} muốn hỏi trường nào? Chọn bên dưới hoặc gõ tên trường.", buttons, None
    lines: List[str] = []
    if not school.is_active and school.successor is not None:
        lines.append(f"{school.name} đã sáp nhập vào {school.successor.name} (từ {vn_date(school.status_since)}). {cite(school)}")
        if school.notes:
            lines.append(f"Về trường cũ: {school.notes}")
        school = school.successor
    levels = [queries.get_level(session, l) for l in (school.level_ids or [])]
    level_names = ", ".join(l.name.lower() for l in levels if l) or "chưa có trong dữ liệu"
    lines.append(f"{school.name}. Trình độ đào tạo: {level_names}. Cơ quan quản lý: {school.management or 'chưa rõ'}.")
    lines.append(f"{contact_text(school)}.")
    route = {True: "có dạy văn hóa THPT (lộ trình 9+)", False: "không dạy lộ trình 9+", None: "chưa rõ có dạy 9+ không"}
    lines.append(f"Lộ trình 9+: {route[school.runs_combined_route]}.")
    occupations = [h.programme.occupation.name for h in queries.find_programmes(session, limit=200) if h.institution.id == school.id]
    if occupations:
        lines.append("Nghề có trong dữ liệu: " + ", ".join(dict.fromkeys(occupations)) + ".")
    if school.notes:
        lines.append(f"Ghi chú: {school.notes}")
    lines.append(cite(school))
    lines.append(unverified_warning(school, tracker, "chính nhà trường hoặc Sở GD&ĐT Phú Thọ"))
    return join_lines(lines), [], school.id


class ActionSchoolInfo(CatalogAction):
    def name(self) -> Text:
        return "action_school_info"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        school_value = (latest_entities(tracker, "school") or [None])[-1] or slot_value(tracker, "school")
        text, buttons, school_id = school_answer(session, tracker, school_value)
        dispatcher.utter_message(text=text, buttons=buttons or None)
        events = [SlotSet("last_topic", "school_info")]
        if school_id:
            events.append(SlotSet("school", school_id))
        return events


class ActionAdmission(CatalogAction):
    def name(self) -> Text:
        return "action_admission"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        level_ids = [v for v in latest_entities(tracker, "level") if v in LEVEL_IDS] or \
            ([slot_value(tracker, "level")] if slot_value(tracker, "level") else list(LEVEL_IDS))
        lines = ["Điều kiện vào học theo trình độ:"]
        for level in sorted((l for l in (queries.get_level(session, i) for i in level_ids) if l), key=lambda l: l.rank):
            lines.append(f"• {level.name}: {level.entry}. {cite(level)}")
        school_value = (latest_entities(tracker, "school") or [None])[-1] or slot_value(tracker, "school")
        school = queries.lookup_institution(session, school_value) if school_value else None
        if school is not None and not school.is_active and school.successor is not None:
            school = school.successor
        lines.append(
            "Hồ sơ, hạn nộp, cách xét tuyển và chỉ tiêu: dữ liệu chưa có thông tin đã kiểm chứng. "
            f"{you(tracker, True)} hỏi trực tiếp phòng tuyển sinh của trường hoặc Sở GD&ĐT Phú Thọ."
        )
        if school is not None:
            lines.append(f"{school.name}: {contact_text(school)}. {cite(school)}")
        dispatcher.utter_message(text=join_lines(lines))
        return [SlotSet("last_topic", "admission")]


class ActionCareerProspects(CatalogAction):
    def name(self) -> Text:
        return "action_career_prospects"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        value = (latest_entities(tracker, "occupation") or [None])[-1] or slot_value(tracker, "occupation")
        occupation = queries.lookup_occupation(session, value) if value else None
        tiers = {"quoc_te": "quốc tế", "asean": "ASEAN", "quoc_gia": "quốc gia"}
        if occupation is None:
            lines = ["Dữ liệu chưa có số liệu việc làm, mức lương hay nhu cầu tuyển dụng theo nghề."]
        else:
            lines = [f"Nghề {occupation.name}: dữ liệu chưa có số liệu việc làm, mức lương hay nhu cầu tuyển dụng đã kiểm chứng."]
            if occupation.key_tier:
                lines.append(f"Đây là nghề trọng điểm cấp {tiers.get(occupation.key_tier, occupation.key_tier)}.")
            schools = {h.institution.name for h in queries.find_programmes(session, occupation=occupation.id, limit=5)}
            if schools:
                lines.append("Nơi dạy trong tỉnh: " + ", ".join(sorted(schools)) + ".")
            lines.append(cite(occupation))
            lines.append(unverified_warning(occupation, tracker))
        lines.append(
            f"Để biết cơ hội việc làm thực tế, {you(tracker)} nên hỏi nhà trường (tỉ lệ có việc của khóa trước, "
            "doanh nghiệp liên kết) hoặc Sở GD&ĐT Phú Thọ."
        )
        dispatcher.utter_message(text=join_lines(lines), buttons=[
            {"title": "Tìm trường dạy nghề", "payload": "/find_programme"},
            {"title": "Gặp tư vấn viên", "payload": "/request_human"},
        ])
        return [SlotSet("last_topic", "career_prospects")]


class ActionFurtherStudy(CatalogAction):
    def name(self) -> Text:
        return "action_further_study"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        lines = ["Học tiếp (liên thông) sau học nghề:"]
        for level_id in ("trung_cap", "cao_dang"):
            level = queries.get_level(session, level_id)
            if level is None:
                continue
            lines.append(f"• Sau {level.name.lower()}: {level.after}. {cite(level)}")
            if level_id == "cao_dang":
                lines.append(f"  Vào cao đẳng: {level.entry}.")
            if level.notes and "Liên thông" in level.notes:
                lines.append(f"  {level.notes}")
        lines.append(f"Điều kiện cụ thể của từng trường, {you(tracker)} hỏi phòng đào tạo của trường.")
        dispatcher.utter_message(text=join_lines(lines))
        return [SlotSet("last_topic", "further_study")]


class ActionComparePaths(CatalogAction):
    def name(self) -> Text:
        return "action_compare_paths"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        level = queries.get_level(session, COMBINED_ROUTE_LEVEL)
        lines = ["Sau lớp 9 có hai hướng chính:"]
        lines.append(
            "1) Thi vào lớp 10 THPT: dữ liệu của mình không có chỉ tiêu, điểm chuẩn lớp 10; "
            f"{you(tracker)} hỏi trường THCS hoặc Sở GD&ĐT Phú Thọ."
        )
        if level is not None:
            lines.append(f"2) Học nghề: trung cấp ({level.duration}); học xong: {level.after}. {cite(level)}")
        exemptions = [p for p in queries.applicable_policies(session, level=COMBINED_ROUTE_LEVEL, on=today())
                      if p.benefit_kind == "mien_hoc_phi" and p.required_diploma == "thcs" and not p.is_unverified]
        for policy in exemptions[:1]:
            lines.append(f"Học phí: {policy.title} (căn cứ {policy.legal_basis_number}). {cite(policy)}")
        lines.append("Chọn hướng nào nên dựa vào sở thích, học lực và điều kiện gia đình; trắc nghiệm sở thích có thể giúp định hướng.")
        dispatcher.utter_message(text=join_lines(lines), buttons=[
            {"title": "Làm trắc nghiệm sở thích", "payload": "/start_interest_quiz"},
            {"title": "Lộ trình 9+", "payload": "/ask_combined_route"},
            {"title": "Gặp tư vấn viên", "payload": "/request_human"},
        ])
        return [SlotSet("last_topic", "compare_paths")]
