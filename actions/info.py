"""Answers from catalogue records: levels, the 9+ route (split into sub-answers:
what, cost, duration, diplomas, university, where), schools, admission,
career prospects, further study (liên thông), vocational route vs grade 10.

Answer first (docs/dialogue.md): the first bubble answers the question asked,
"Có/Không/Tùy" first for yes/no questions; follow-up topics are buttons; the
legal basis is named briefly and full sources sit behind "Nguồn". Where the
catalogue has no fact, the reply says it is missing from OUR data and names a
next step. Nothing is invented here.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.common import (
    SOURCES_BUTTON,
    CatalogAction,
    bubbles,
    cite,
    confidence_words,
    is_worried,
    latest_entities,
    learner,
    reassurance,
    record_key,
    say,
    slot_value,
    today,
    vn_date,
    you,
)
from actions.lean import ask_lean
from actions.policies import support_policy_answer
from actions.programmes import combined_route_places, contact_text, mentions_nine_plus, next_step
from bot.catalog.admissions import admission_calendar
from bot.catalog.names import get_level, get_policy, lookup_area, lookup_institution, lookup_occupation
from bot.catalog.rules import applicable_policies
from bot.catalog.search import institutions_teaching, occupations_taught
from bot.catalog.tables import all_records
from bot.text import fold

# The contract's level ids (nlu-contract.md), lowest first.
LEVEL_IDS = ("so_cap", "trung_hoc_nghe", "trung_cap", "cao_dang")
COMBINED_ROUTE_LEVEL = "trung_cap"  # 9+ = trung cấp + văn hóa THPT (GDTX)

# What a question is about (folded text, word-boundary regexes).
SUBTOPICS = {
    "university": r"\b(dai hoc|dh|thi dh|len dh|thi dai hoc|len cao dang|hoc len|lien thong)\b",
    "cost": r"\b(tien|hoc phi|chi phi|dong|phi|ton|mien|bn tien|bao nhieu tien|tra)\b",
    "duration": r"\b(may nam|bao lau|bn lau|bao nhieu nam|bn nam|thoi gian|lau khong|lau ko|hoc lau|may thang)\b",
    "diploma": r"\b(bang|van bang|chung chi|bang gi|bang cap 3|bang thpt|thi tot nghiep)\b",
    # before "where": "khác nhau chỗ nào" asks for the difference, not a place
    "difference": r"\b(khac|khac gi|khac nhau|so sanh|hay hon|nao hon)\b",
    "where": r"\b(o dau|truong nao|cho nao|noi nao|dau day|hoc dau|o dau a|gan nha)\b",
}


def subtopic(text: Any) -> Optional[str]:
    key = fold(text or "")
    for name, pattern in SUBTOPICS.items():
        if re.search(pattern, key):
            return name
    return None


# A question, not a statement ("cháu định học trung cấp"), in folded text.
_QUESTION = re.compile(
    r"\?|\b(gi|j|nao|sao|khong|ko|k|chua|bao nhieu|bn|may|the nao|o dau|the)\s*$|\b(co|duoc|dc) .* (khong|ko|k)\b"
)

NEW_LEVEL = "trung_hoc_nghe"
_ASKS_INTAKE = re.compile(r"\b(tuyen sinh|bao gio|khi nao|nam nay|dang ky|khoa dau|bat dau)\b")
_ASKS_CONFIRM = re.compile(
    r"\b(co dung khong|dung khong|dung ko|phai khong|phai ko|co that|co phai|nghe noi)\b"
)


def asks_new_level(tracker: Tracker) -> bool:
    return NEW_LEVEL in latest_entities(tracker, "level") or "trung hoc nghe" in fold(
        tracker.latest_message.get("text") or ""
    )


def new_level_answer(session, tracker: Tracker):
    """Trung học nghề (Luật GDNN 124/2025): the catalogue's record, or an honest gap and whom to ask."""
    level = get_level(session, NEW_LEVEL)
    if level is not None:
        law = get_policy(session, "luat_123_2025_giao_duc")
        confirm = ""
        if law is not None and _ASKS_CONFIRM.search(fold(tracker.latest_message.get("text") or "")):
            confirm = f"Có, từ {vn_date(law.valid_from)} (Luật {law.legal_basis_number}). "
        lines = [
            f"{confirm}{level.name}: {level.description}",
            f"Thời gian học: {level.duration}. Vào học: {level.entry}.",
            cite(level),
            level.notes,
            confidence_words(level),
        ]
        key = fold(tracker.latest_message.get("text") or "")
        intake = [e for e in admission_calendar(session) if e.track == NEW_LEVEL]
        if intake and _ASKS_INTAKE.search(key):  # "bao giờ tuyển sinh trung học nghề": the intake first
            lines.insert(0, f"{intake[0].title}: {intake[0].description} {intake[0].notes or ''}".strip())
            return lines, [level, intake[0]]
        if mentions_nine_plus(tracker.latest_message.get("text")):  # "9+ còn không hay chuyển sang THN"
            lines.insert(
                0,
                "Lộ trình 9+ (trung cấp + văn hóa THPT) vẫn có trong dữ liệu tuyển sinh năm 2026-2027 của mình; "
                "trung học nghề là cấp học thêm mới, dữ liệu của mình chưa có văn bản nào bỏ 9+.",
            )
        return lines, [level]
    return [
        (
            "Trung học nghề là cấp học mới cho học sinh xong lớp 9 (học nghề cùng văn hóa, ngang THPT) theo luật "
            "sửa đổi; nội dung chi tiết và lịch áp dụng chưa có trong dữ liệu của mình."
        ),
        f"Bước tiếp: {you(tracker)} hỏi Sở GD&ĐT Phú Thọ hoặc trường cao đẳng, trung cấp gần nhà; trong lúc chờ, "
        "lộ trình 9+ (trung cấp + văn hóa THPT) vẫn đang tuyển sinh.",
    ], []


def sources_event(records: List[Any]) -> SlotSet:
    return SlotSet("last_sources", [record_key(r) for r in records if r is not None])


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# ------------------------------------------------------------------ levels


def level_line(level) -> str:
    return f"• {level.name}: thời gian: {level.duration}; vào học: {level.entry}; học xong: {level.after}."


NEW_LAWS = ("luat_124_2025_gdnn", "luat_123_2025_giao_duc")
_ASKS_LAW = re.compile(r"\b(luat|123/2025|124/2025|qh15|hieu luc)\b")


def laws_answer(session, tracker: Tracker):
    """(lines, cited) for "luật GDNN mới là luật số mấy, hiệu lực khi nào": the laws in force
    since 1/1/2026, what they change for a grade-9 student, and what is not settled."""
    lines: List[str] = []
    cited: List[Any] = []
    for law in filter(None, (get_policy(session, i) for i in NEW_LAWS)):
        since = f", hiệu lực từ {vn_date(law.valid_from)}" if law.valid_from else ""
        lines.append(f"{law.title} (số {law.legal_basis_number}{since}): {law.conditions}")
        cited.append(law)
    if not lines:
        return [
            "Các luật mới về giáo dục nghề nghiệp chưa có trong dữ liệu của mình; hỏi Sở GD&ĐT Phú Thọ."
        ], []
    lines += [law.notes for law in cited if law.notes]
    return lines, cited


class ActionVocationalLevels(CatalogAction):
    def name(self) -> Text:
        return "action_vocational_levels"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        wanted = [v for v in latest_entities(tracker, "level") if v in LEVEL_IDS]
        text = tracker.latest_message.get("text") or ""
        topic = subtopic(text)
        # after a tuition answer, "cháu định học trung cấp" / "vậy học trung cấp thì sao?" asks the same
        # question for that level (not one about duration, diplomas, places or the difference)
        after_support = tracker.get_slot("last_topic") == "support_policy" and (
            topic is None or not _QUESTION.search(fold(text))
        )
        if len(wanted) == 1 and (topic == "cost" or after_support):
            # "trung cấp học phí bao nhiêu", or "cháu định học trung cấp" told after a tuition answer
            texts, buttons, cited = support_policy_answer(session, tracker)
            say(dispatcher, texts, buttons)
            return [SlotSet("last_topic", "support_policy"), sources_event(cited)]
        if _ASKS_LAW.search(fold(tracker.latest_message.get("text") or "")) and not wanted:
            lines, cited = laws_answer(session, tracker)
            say(
                dispatcher,
                lines,
                [
                    {
                        "title": "Trung học nghề là gì",
                        "payload": '/ask_vocational_levels{"level":"trung_hoc_nghe"}',
                    },
                    SOURCES_BUTTON,
                ],
            )
            return [SlotSet("last_topic", "vocational_levels"), sources_event(cited)]
        if asks_new_level(tracker) and len(wanted) <= 1:
            lines, cited = new_level_answer(session, tracker)
            say(
                dispatcher,
                lines,
                [
                    {"title": "Lộ trình 9+", "payload": "/ask_combined_route"},
                    {"title": "Gặp tư vấn viên", "payload": "/request_human"},
                    SOURCES_BUTTON,
                ],
            )
            return [SlotSet("last_topic", "vocational_levels"), sources_event(cited)]
        levels = [l for l in (get_level(session, i) for i in (wanted or LEVEL_IDS)) if l]
        lines: List[str] = []
        levels.sort(key=lambda l: l.rank)
        if len(levels) == 1:
            level = levels[0]
            if topic == "duration":
                lines.append(f"Thời gian học {level.name.lower()}: {level.duration}.")
            lines.append(f"{level.name}: {level.description}")
            if topic != "duration":
                lines.append(f"Thời gian học: {level.duration}.")
            lines.append(f"Vào học: {level.entry}. Học xong: {level.after}.")
        else:
            header = "Giáo dục nghề nghiệp có các trình độ (thấp đến cao):"
            lines.append(header)
            lines += [level_line(l) for l in levels]
        lines.append(cite(levels[0]))
        words = {confidence_words(l) for l in levels} - {""}
        lines += sorted(words)[:1]
        say(
            dispatcher,
            lines,
            [
                {"title": "Học phí, hỗ trợ", "payload": "/ask_support_policy"},
                {"title": "Lộ trình 9+", "payload": "/ask_combined_route"},
                {"title": "Tìm trường, nghề", "payload": "/find_programme"},
                SOURCES_BUTTON,
            ],
        )
        return [SlotSet("last_topic", "vocational_levels"), sources_event(levels)]


# ------------------------------------------------------------------ 9+


def route_duration(level) -> str:
    """ "khoảng 3 năm" from the trung cấp record's duration (which describes 9+), else the whole text."""
    match = re.search(r"khoảng\s+\d+(?:[,.]\d+)?\s+năm", level.duration or "")
    return match.group(0) if match else (level.duration or "chưa có trong dữ liệu của mình")


def other_duration(level) -> str:
    """The rest of the duration text after the 9+ part ("thời gian học trung cấp theo luật mới …")."""
    rest = (level.duration or "").split(";", 1)[1:] or [""]
    return rest[0].strip()


def combined_route_answer(session, tracker: Tracker):
    """(bubbles, buttons, cited records) for the sub-topic the user asked about."""
    level = get_level(session, COMBINED_ROUTE_LEVEL)
    area_id = slot_value(tracker, "area")
    area = lookup_area(session, area_id) if area_id else None
    text = tracker.latest_message.get("text")
    topic = subtopic(text)
    if topic is None and tracker.get_slot("last_topic") == "support_policy":
        topic = "cost"  # "thế còn phần văn hóa thì sao" after a tuition answer
    if topic is None and latest_entities(tracker, "area"):
        topic = "where"  # "học 9+ ở Vĩnh Tường được không"
    who = learner(tracker)
    if asks_new_level(tracker):
        lines, cited = new_level_answer(session, tracker)
        return (
            bubbles(lines),
            [{"title": "Lộ trình 9+", "payload": "/ask_combined_route"}, SOURCES_BUTTON],
            cited,
        )
    lines: List[str] = []
    cited: List[Any] = [level]
    if is_worried(text):
        lines.append(reassurance(tracker))
    if level is None:
        return (
            [
                f"Thông tin về lộ trình 9+ chưa có trong dữ liệu của mình; {you(tracker)} hỏi Sở GD&ĐT Phú Thọ nhé."
            ],
            [],
            [],
        )
    if topic == "university":
        lines.append(
            f"Có, nếu {who} có bằng tốt nghiệp THPT: học 9+ gồm cả văn hóa THPT (GDTX), thi đỗ tốt nghiệp THPT "
            "thì được xét tuyển, thi vào đại học như học sinh THPT."
        )
        lines.append(f"Học xong trung cấp: {level.after}.")
    elif topic == "cost":
        in_force = applicable_policies(session, level=COMBINED_ROUTE_LEVEL, on=today())
        main = next(
            (
                p
                for p in in_force
                if p.benefit_kind == "mien_hoc_phi"
                and p.percent == 100
                and p.required_diploma == "thcs"
                and not p.is_unverified
                and not p.group_ids
            ),
            None,
        )
        if main is not None:
            lines.append(
                f"Phần học nghề trung cấp của 9+: miễn 100% học phí cho học sinh xong lớp 9. {cite(main)}"
            )
            cited.append(main)
        culture = next(
            (
                p
                for p in in_force
                if p.benefit_kind == "mien_hoc_phi" and "GDTX" in p.title and not p.group_ids
            ),
            None,
        )
        if culture is not None and not culture.is_unverified:
            lines.append(f"Phần văn hóa THPT (GDTX) ở cơ sở công lập: miễn học phí. {cite(culture)}")
            cited.append(culture)
        elif culture is not None:
            lines.append(
                "Phần văn hóa THPT (GDTX) ở cơ sở công lập: thường cũng được miễn, nhưng điều này chưa được "
                "xác nhận, cần hỏi lại trường."
            )
            cited.append(culture)
        lines.append("Ngoài học phí, gia đình vẫn lo tiền ăn, ở, đi lại, đồ dùng và bảo hiểm y tế học sinh.")
    elif topic == "duration":
        lines.append(
            f"Lộ trình 9+ học {route_duration(level)}: học nghề trung cấp cùng lúc với văn hóa THPT (GDTX)."
        )
        if other_duration(level):
            lines.append(capital(other_duration(level)) + ".")
    elif topic == "diploma":
        if re.search(r"\b(phai thi|thi tot nghiep|co thi)\b", fold(text or "")):
            lines.append(
                "Có, nếu muốn có bằng tốt nghiệp THPT: học sinh 9+ học văn hóa GDTX và thi tốt nghiệp THPT."
            )
        lines.append(
            "Học 9+ có thể được hai bằng: bằng tốt nghiệp trung cấp (học xong nghề) và bằng tốt nghiệp THPT "
            "(nếu thi đỗ tốt nghiệp THPT phần văn hóa)."
        )
        lines.append(f"Học xong: {level.after}.")
    elif topic == "where":
        where, schools = combined_route_places(session, tracker, area)
        lines += where
        cited += schools
    else:
        lines.append(
            f"9+ là lộ trình cho học sinh xong lớp 9: học một nghề trình độ trung cấp cùng lúc với văn hóa "
            f"THPT (GDTX), khoảng {route_duration(level).replace('khoảng ', '')}."
        )
        lines.append(
            "Học xong có bằng trung cấp; thi đỗ tốt nghiệp THPT thì có thêm bằng THPT để học tiếp cao đẳng, đại học."
        )
        new_level = get_level(session, "trung_hoc_nghe")
        if new_level is not None:
            lines.append(
                f"Từ 1/1/2026 có thêm {new_level.name.lower()} ({new_level.description[0].lower()}"
                f"{new_level.description[1:].rstrip('.')}); 9+ chuyển sang cấp mới thế nào thì chưa có "
                f"hướng dẫn trong dữ liệu của mình, {you(tracker)} hỏi trường hoặc Sở GD&ĐT Phú Thọ."
            )
            cited.append(new_level)
    words = confidence_words(level)
    if words and topic not in ("cost", "where"):
        lines.append(words)
    buttons = [
        b
        for b, t in (
            ({"title": "Học phí 9+", "payload": '/ask_combined_route{"level":"trung_cap"}'}, "cost"),
            ({"title": "Học mấy năm", "payload": "/ask_combined_route"}, "duration"),
            ({"title": "Thi đại học được không", "payload": "/ask_further_study"}, "university"),
            ({"title": "Học 9+ ở đâu", "payload": "/find_programme"}, "where"),
        )
        if t != topic
    ][:3]
    buttons.append(SOURCES_BUTTON)
    return bubbles(lines), buttons, cited


class ActionCombinedRoute(CatalogAction):
    def name(self) -> Text:
        return "action_combined_route"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        texts, buttons, cited = combined_route_answer(session, tracker)
        say(dispatcher, texts, buttons)
        return [SlotSet("last_topic", "combined_route"), sources_event(cited)]


# ------------------------------------------------------------------ schools


_ASKS_ROUTE_AT_SCHOOL = re.compile(r"\b(van hoa|cap 3|thpt|9|gdtx)\b")
PATHWAY_RULE = "lien_thong_trung_cap_cao_dang"  # the THPT-culture condition for moving up to cao đẳng
_DECISION = re.compile(r"QĐ\s*\d+/QĐ-[A-ZĐ&]+")


def status_change_line(session, school) -> str:
    """ "Trường CĐ Kinh tế - Kỹ thuật Vĩnh Phúc nay là Trường CĐ Kỹ thuật - Công nghệ Vĩnh Phúc:
    đổi tên và nhận sáp nhập Trường CĐ Nghề Vĩnh Phúc theo QĐ 1974/QĐ-BLĐTBXH ngày 29/11/2024." """
    successor = school.successor
    decision = _DECISION.search(school.citation or "")
    basis = f" theo {decision.group(0)}" if decision else ""
    since = f" ngày {vn_date(school.status_since)}" if school.status_since else ""
    if school.is_renamed:
        absorbed = [
            other.name
            for other in all_records(session, "institutions")
            if other.successor_id == successor.id and other.status == "merged_into"
        ]
        merged = f" và nhận sáp nhập {', '.join(absorbed)}" if absorbed else ""
        return f"{school.name} nay là {successor.name}: cùng một trường, đổi tên{merged}{basis}{since}."
    return f"{school.name} đã sáp nhập vào {successor.name}{basis}{since}."


def school_answer(session, tracker: Tracker, school_value: Optional[str]):
    school = lookup_institution(session, school_value) if school_value else None
    if school is None:
        buttons = [
            {"title": s.name.replace("Trường ", "")[:60], "payload": f'/ask_school_info{{"school":"{s.id}"}}'}
            for s in institutions_teaching(session, limit=5)
        ]
        active = [i for i in all_records(session, "institutions") if i.is_active]
        colleges = [i for i in active if i.type == "cao_dang"]
        centres = [i for i in active if i.type != "cao_dang"]
        lines = [f"Trường, trung tâm dạy nghề có trong dữ liệu của mình ({len(active)}):"]
        if colleges:
            lines.append("• Cao đẳng: " + "; ".join(i.name.replace("Trường ", "") for i in colleges) + ".")
        if centres:
            lines.append("• Trung tâm (thường dạy 9+): " + "; ".join(i.name for i in centres) + ".")
        lines.append(f"{you(tracker, True)} muốn hỏi trường nào? Chọn bên dưới hoặc gõ tên trường, tên xã.")
        return (bubbles(lines), buttons, None, [])
    lines: List[str] = []
    cited = [school]
    if not school.is_active and school.successor is not None:
        lines.append(status_change_line(session, school))
        school = school.successor
        cited.append(school)
    levels = [get_level(session, l) for l in (school.level_ids or [])]
    level_names = ", ".join(l.name.lower() for l in levels if l) or "chưa có trong dữ liệu của mình"
    lines.append(f"{school.name}: {contact_text(school)}.")
    lines.append(f"Trình độ đào tạo: {level_names}.")
    route = {
        True: "có dạy văn hóa THPT (lộ trình 9+)",
        False: "không dạy lộ trình 9+",
        None: "chưa rõ có dạy 9+ không (hỏi trường)",
    }
    if _ASKS_ROUTE_AT_SCHOOL.search(fold(tracker.latest_message.get("text") or "")):
        lead = {True: "Có", False: "Không", None: "Chưa rõ"}[school.runs_combined_route]
        lines.insert(0, f"{lead}: {school.name} {route[school.runs_combined_route]}.")
    else:
        lines.append(f"Lộ trình 9+: {route[school.runs_combined_route]}.")
    occupations = occupations_taught(session, institution=school.id)
    if occupations:
        lines.append("Nghề có trong dữ liệu của mình: " + ", ".join(o.name for o in occupations) + ".")
    asked = asked_school_detail(tracker, school, occupations)
    if asked:
        lines.insert(0, asked)  # the detail asked first, then what the catalogue has
    lines.append(confidence_words(school))
    if not (school.phone or school.website):
        lines.append(next_step(tracker))
    buttons = [
        {"title": "Tuyển sinh, hồ sơ", "payload": "/ask_admission"},
        {"title": "Gặp tư vấn viên", "payload": "/request_human"},
        SOURCES_BUTTON,
    ]
    return bubbles(lines), buttons, school.id, cited


# Details of a school families ask about that the catalogue may not hold (folded text).
_SCHOOL_DETAILS = (
    (
        "trades",
        r"\b(nghe gi|nghe j|nganh gi|nganh j|nhung nghe nao|nghe nao|nhung nganh nao|day gi|day j)\b",
        "Nghề",
    ),
    ("phone", r"\b(so dien thoai|dien thoai|sdt|so dt|hotline|lien lac)\b", "Số điện thoại"),
    ("dorm", r"\b(ky tuc|ki tuc|ktx|noi tru|cho o|o lai)\b", "Ký túc xá, chỗ ở"),
    ("score", r"\b(diem chuan|diem dau vao|bao nhieu diem|lay diem)\b", "Điểm chuẩn"),
    ("quota", r"\b(chi tieu|tuyen bao nhieu)\b", "Chỉ tiêu tuyển sinh năm nay"),
)


def asked_school_detail(tracker: Tracker, school, occupations) -> str:
    """The answer to a detail asked about a school: the trades it teaches, its sourced phone,
    or the detail said as missing from our data with the school's phone / website as the next
    step; "" if none asked."""
    key = fold(tracker.latest_message.get("text") or "")
    found = next(((kind, label) for kind, pattern, label in _SCHOOL_DETAILS if re.search(pattern, key)), None)
    if found is None:
        return ""
    kind, label = found
    if kind == "trades" and occupations:
        return f"{school.name} dạy (trong dữ liệu của mình): " + ", ".join(o.name for o in occupations) + "."
    if kind == "phone" and school.phone:
        return f"Số điện thoại của {school.name}: {school.phone}."
    reach = " hoặc ".join(
        x for x in (school.phone and f"gọi {school.phone}", school.website and f"xem {school.website}") if x
    )
    return (
        f"{label} của {school.name}: chưa có trong dữ liệu của mình; {you(tracker)} "
        + (reach if reach else "hỏi trực tiếp trường hoặc Sở GD&ĐT Phú Thọ")
        + "."
    )


class ActionSchoolInfo(CatalogAction):
    def name(self) -> Text:
        return "action_school_info"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        school_value = (latest_entities(tracker, "school") or [None])[-1] or slot_value(tracker, "school")
        texts, buttons, school_id, cited = school_answer(session, tracker, school_value)
        say(dispatcher, texts, buttons)
        events = [SlotSet("last_topic", "school_info"), sources_event(cited)]
        if school_id:
            events.append(SlotSet("school", school_id))
        return events


# ------------------------------------------------------------------ admission, prospects, further study, compare


_ASKS_GRADE_10 = re.compile(
    r"\b(lop 10|cap 3|cap ba|thpt cong lap|thi vao 10|vao 10|thi 10|thi chuyen|nguyen vong|nv ?[12])\b"
)
# What a grade-10 question is about, so that the record answering it leads the reply.
_ADMISSION_FOCUS = (
    ("nguyen_vong", re.compile(r"\b(nguyen vong|nv ?[12]?|may truong|dang ky (may|bao nhieu))\b")),
    ("thi", re.compile(r"\b(mon|phut|bao lau|trac nghiem|tu luan|de thi|lam bai|thi gi|thi nhung)\b")),
    ("ngay", re.compile(r"\b(ngay nao|ngay may|bao gio|khi nao|thang may|lich thi|hom nao|luc nao)\b")),
)
_VOCATIONAL = re.compile(r"\b(hoc nghe|truong nghe|trung cap|cao dang|so cap|9 ?cong|trung hoc nghe|gdnn)\b")


def asks_grade_10(tracker: Tracker, text: str) -> bool:
    """A grade-10 admission question, or a follow-up ("thi vào ngày nào") to one."""
    if _ASKS_GRADE_10.search(text):
        return True
    if latest_entities(tracker, "level") or _VOCATIONAL.search(text) or mentions_nine_plus(text):
        return False
    return tracker.get_slot("last_topic") == "admission_lop_10"


def _when(event, on) -> str:
    if event.date_from:
        until = f"-{vn_date(event.date_to)}" if event.date_to and event.date_to != event.date_from else ""
        return f" ({vn_date(event.date_from)}{until}{', đã qua' if event.has_passed(on) else ''})"
    if event.date_to:
        return f" (trước {vn_date(event.date_to)}{', đã qua' if event.has_passed(on) else ''})"
    return ""


def calendar_lines(session, tracker: Tracker, text: str, grade_10: bool = False):
    """(lines, events): the latest admission calendar in the catalogue, the grade-10 exam when
    asked about it, else the vocational intake; the record answering the question (number of
    nguyện vọng, subjects and minutes, dates) first with its details, the others by title;
    past dates said as past, the next year's as missing."""
    events = admission_calendar(session)
    if not events:
        return ["Lịch tuyển sinh chưa có trong dữ liệu của mình."], []
    on = today()
    tracks = ("lop_10", "chung") if grade_10 else ("9plus", "trung_cap", "trung_hoc_nghe")
    chosen = [e for e in events if e.track in tracks]
    focus = next((key for key, pattern in _ADMISSION_FOCUS if pattern.search(text)), None)
    if grade_10 and focus:
        record = "thi" if focus == "ngay" else focus  # the dates asked are the exam's
        chosen.sort(key=lambda e: not e.id.endswith(f"_{record}"))
    year = events[0].school_year
    lines = [f"Lịch tuyển sinh năm học {year} (năm gần nhất có trong dữ liệu của mình):"]
    for index, event in enumerate(chosen[:5]):
        detailed = event.track == "lop_10" and (
            index == 0 and focus not in (None, "ngay") or not focus and event.id.endswith("_thi")
        )
        extra = f" {event.description}" if event.description and detailed else ""
        line = f"• {event.title}{_when(event, on)}.{extra} {confidence_words(event)}".rstrip()
        if index == 0 and focus:
            lines.insert(0, line.lstrip("• "))
        else:
            lines.append(line)
    if any(e.has_passed(on) for e in chosen):
        plan = next((e for e in events if e.track == "chung" and e.date_from), None)
        issued = f" (kế hoạch năm học {year} được ban hành ngày {vn_date(plan.date_from)})" if plan else ""
        lines.append(
            f"Lịch của năm học sau chưa có trong dữ liệu của mình{issued}; {you(tracker)} hỏi trường THCS "
            "hoặc Sở GD&ĐT Phú Thọ."
        )
    return lines, chosen


class ActionAdmission(CatalogAction):
    def name(self) -> Text:
        return "action_admission"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        level_ids = [v for v in latest_entities(tracker, "level") if v in LEVEL_IDS] or (
            [slot_value(tracker, "level")] if slot_value(tracker, "level") else ["trung_cap"]
        )
        levels = sorted((l for l in (get_level(session, i) for i in level_ids) if l), key=lambda l: l.rank)
        lines = [f"Vào học {l.name.lower()}: {l.entry}." for l in levels]
        school_value = (latest_entities(tracker, "school") or [None])[-1] or slot_value(tracker, "school")
        school = lookup_institution(session, school_value) if school_value else None
        if school is not None and not school.is_active and school.successor is not None:
            school = school.successor
        text = fold(tracker.latest_message.get("text") or "")
        grade_10 = asks_grade_10(tracker, text)
        calendar, events = calendar_lines(session, tracker, text, grade_10)
        lines = calendar if grade_10 else lines + calendar
        law = get_policy(session, "luat_123_2025_giao_duc")
        if law is not None and law.notes and not grade_10:
            lines.append(f"Giấy tờ: {law.notes} {cite(law)}")
        lines.append(
            "Hồ sơ chi tiết, hạn nộp và chỉ tiêu của từng trường năm nay chưa có trong dữ liệu của mình."
        )
        lines.append(next_step(tracker, school))
        say(
            dispatcher,
            lines,
            [
                {"title": "Tìm trường", "payload": "/find_programme"},
                {"title": "Gặp tư vấn viên", "payload": "/request_human"},
                SOURCES_BUTTON,
            ],
        )
        return [
            SlotSet("last_topic", "admission_lop_10" if grade_10 else "admission"),
            sources_event(levels + events + ([law] if law else []) + ([school] if school else [])),
        ]


class ActionCareerProspects(CatalogAction):
    def name(self) -> Text:
        return "action_career_prospects"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        value = (latest_entities(tracker, "occupation") or [None])[-1] or slot_value(tracker, "occupation")
        occupation = lookup_occupation(session, value) if value else None
        tiers = {"quoc_te": "quốc tế", "asean": "ASEAN", "quoc_gia": "quốc gia"}
        lines: List[str] = []
        cited: List[Any] = []
        if occupation is None:
            lines.append("Số liệu việc làm, mức lương theo nghề chưa có trong dữ liệu của mình.")
        else:
            cited.append(occupation)
            lines.append(
                f"Nghề {occupation.name}: số liệu việc làm, mức lương đã kiểm chứng chưa có trong dữ liệu của mình."
            )
            if occupation.key_tier:
                lines.append(
                    f"Đây là nghề trọng điểm cấp {tiers.get(occupation.key_tier, occupation.key_tier)}."
                )
            schools = sorted(i.name for i in institutions_teaching(session, occupation=occupation.id))
            if schools:
                lines.append("Nơi dạy trong tỉnh: " + ", ".join(schools) + ".")
        lines.append(
            f"Cách hỏi nhanh nhất: {you(tracker)} hỏi nhà trường tỉ lệ có việc làm của khóa trước và các doanh "
            "nghiệp liên kết, hoặc nhờ thầy cô tư vấn gọi lại."
        )
        say(
            dispatcher,
            lines,
            [
                {"title": "Tìm trường dạy nghề", "payload": "/find_programme"},
                {"title": "Gặp tư vấn viên", "payload": "/request_human"},
            ],
        )
        return [SlotSet("last_topic", "career_prospects"), sources_event(cited)]


class ActionFurtherStudy(CatalogAction):
    def name(self) -> Text:
        return "action_further_study"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        if mentions_nine_plus(tracker.latest_message.get("text")):
            # "học 9+ xong có thi đại học được không": the 9+ route's own answer
            texts, buttons, cited = combined_route_answer(session, tracker)
            say(dispatcher, texts, buttons)
            return [SlotSet("last_topic", "combined_route"), sources_event(cited)]
        trung_cap = get_level(session, "trung_cap")
        cao_dang = get_level(session, "cao_dang")
        lines: List[str] = []
        cited_rules: List[Any] = []
        text = fold(tracker.latest_message.get("text") or "")
        if trung_cap is not None:
            if re.search(r"\b(bang cap 3|bang thpt|bang tot nghiep thpt)\b", text):
                lines.append(
                    "Không tự động: học trung cấp chỉ cho bằng trung cấp. Muốn có bằng THPT, "
                    f"{learner(tracker)} học thêm văn hóa THPT (GDTX, lộ trình 9+) và thi đỗ tốt nghiệp THPT."
                )
            lines.append(
                "Có, nếu có bằng tốt nghiệp THPT (hoặc đủ khối lượng văn hóa THPT): học xong trung cấp có thể "
                f"học lên cao đẳng, rồi đại học. Cụ thể: {trung_cap.after}."
            )
            rule = get_policy(session, PATHWAY_RULE)
            if rule is not None:
                basis = (rule.citation or "").split(" (")[0]
                lines.append(
                    f"Căn cứ: {basis}. {rule.conditions} {rule.notes or ''}".strip()
                    + (f" {confidence_words(rule)}" if confidence_words(rule) else "")
                )
                cited_rules.append(rule)
        if cao_dang is not None:
            lines.append(f"Vào cao đẳng: {cao_dang.entry}. Sau cao đẳng: {cao_dang.after}.")
        if not lines:
            lines.append("Thông tin liên thông chưa có trong dữ liệu của mình.")
        lines.append(f"Điều kiện cụ thể của từng trường, {you(tracker)} hỏi phòng đào tạo của trường nhé.")
        levels = [l for l in (trung_cap, cao_dang) if l]
        words = {confidence_words(l) for l in levels} - {""}
        lines += sorted(words)[:1]
        say(
            dispatcher,
            lines,
            [
                {"title": "Lộ trình 9+", "payload": "/ask_combined_route"},
                {"title": "Tìm trường", "payload": "/find_programme"},
                SOURCES_BUTTON,
            ],
        )
        return [SlotSet("last_topic", "further_study"), sources_event(levels + cited_rules)]


class ActionComparePaths(CatalogAction):
    def name(self) -> Text:
        return "action_compare_paths"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        level = get_level(session, COMBINED_ROUTE_LEVEL)
        lines: List[str] = []
        if is_worried(tracker.latest_message.get("text")):
            lines.append(reassurance(tracker))
        lines.append("Tùy sở thích, học lực và điều kiện gia đình. Sau lớp 9 có hai hướng chính:")
        lines.append(
            "1) Thi vào lớp 10 THPT: hợp nếu muốn học tiếp đại học theo đường phổ thông. Chỉ tiêu, điểm chuẩn "
            f"lớp 10 chưa có trong dữ liệu của mình; {you(tracker)} hỏi trường THCS."
        )
        cited: List[Any] = []
        if level is not None:
            cited.append(level)
            lines.append(
                f"2) Học nghề trung cấp, hoặc 9+ ({route_duration(level)}) vừa học nghề vừa học văn hóa THPT: "
                "có nghề sớm, vẫn học tiếp cao đẳng, đại học được."
            )
        exemptions = [
            p
            for p in applicable_policies(session, level=COMBINED_ROUTE_LEVEL, on=today())
            if p.benefit_kind == "mien_hoc_phi"
            and p.required_diploma == "thcs"
            and not p.is_unverified
            and not p.group_ids
        ]
        for policy in exemptions[:1]:
            lines.append(f"Học trung cấp sau lớp 9 được miễn 100% học phí. {cite(policy)}")
            cited.append(policy)
        say(
            dispatcher,
            lines,
            [
                {"title": "Làm trắc nghiệm sở thích", "payload": "/start_interest_quiz"},
                {"title": "Lộ trình 9+", "payload": "/ask_combined_route"},
                {"title": "Gặp tư vấn viên", "payload": "/request_human"},
            ],
        )
        return [SlotSet("last_topic", "compare_paths"), sources_event(cited)] + ask_lean(dispatcher, tracker)
