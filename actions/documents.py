"""Questions about a legal document named by its number ("NQ 19 còn áp dụng không",
"kh 220 là gì", "Nghị định 81/2021 còn áp dụng không"): answered from the catalogue's
records of that document, whatever intent the NLU gave the message (such questions are
rare and worded every way, and the number names the document exactly).

`named_documents(session, text)` finds the documents; `document_answer` says, for each,
whether it is in force, expired or replaced (and by what), and what it provides.

Two rules are asked about by what they say rather than by number, and NLU spreads those
questions over several intents, so they are answered here too: the end of the THCS
diploma ("còn được cấp bằng cấp 2 không": Luật 123/2025, the học bạ instead), and the
province's monthly support for THPT graduates ("800 nghìn một tháng", "tốt nghiệp năm
2025 có được nhận tiền của tỉnh không": NQ 36/2025 of Phú Thọ in force, NQ 19/2021 of
the former Vĩnh Phúc expired)."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Tracker

from actions.common import (
    SOURCES_BUTTON,
    CatalogUnavailable,
    catalog_session,
    cite,
    confidence_words,
    fit,
    latest_entities,
    learner,
    say,
    today,
    vn_date,
    you,
)
from actions.info import combined_route_answer, subtopic
from actions.policies import graduate_lines, support_policy_answer
from actions.programmes import interest_answer, interest_of
from bot.catalog.geography import area_label, current_units
from bot.catalog.models import Area, Policy
from bot.catalog.present import period, short_citation
from bot.catalog.tables import all_records
from bot.text import fold

# How people name each kind of document, by the suffix of its number (folded words).
KIND_WORDS = {
    "NQ": ("nq", "nghi quyet"),
    "NĐ": ("nd", "nghi dinh"),
    "QĐ": ("qd", "quyet dinh"),
    "KH": ("kh", "ke hoach"),
    "QH": ("luat",),
}
# The message asks about the document itself, not a benefit for someone.
_ABOUT_DOCUMENT = re.compile(
    r"\b(con ap dung|con hieu luc|het hieu luc|hieu luc|con dung|con khong|con ko|con k|la gi|la j|"
    r"noi gi|noi ve gi|quy dinh gi|quy dinh ve|ap dung tu|ap dung den|thay the|bi thay|moi nhat)\b"
)


TUITION_RULE = "nd_238_2025_thcs_trung_cap"  # the tuition decree in force (catalogue id)
_KIND_NAMES = {
    "nq": "NQ", "nghi quyet": "NQ", "nd": "NĐ", "nghi dinh": "NĐ", "qd": "QĐ", "quyet dinh": "QĐ", "kh": "KH",
    "ke hoach": "KH", "luat": "Luật", "thong tu": "Thông tư", "tt": "Thông tư", "cv": "Công văn", "cong van": "Công văn",
}  # fmt: skip
# A document named by kind and number ("nghị quyết 1676", "cv 1676", "tt 05/2024"), folded.
_DOCUMENT_NUMBER = re.compile(
    r"\b(nq|nghi quyet|nd|nghi dinh|qd|quyet dinh|kh|ke hoach|luat|thong tu|tt|cv|cong van) ?\d{1,5}(/\d{4})?\b"
)


def _patterns(number: str) -> List[str]:
    """Folded ways of writing a document number: "19/2021/NQ-HĐND" -> "19/2021", "nq 19",
    "nghi quyet 19"; "124/2025/QH15" -> "124/2025", "luat 124"."""
    parts = number.split("/")
    head = parts[0]
    kind = next((k for k in KIND_WORDS if any(p.upper().startswith(k) for p in parts[1:])), None)
    found = [fold(f"{head}/{parts[1]}")] if len(parts) > 2 and parts[1].isdigit() else []
    for word in KIND_WORDS.get(kind, ()):
        found.append(f"{word} {head}")
    return found


def named_documents(session, text: Any) -> List[Tuple[str, List[Policy]]]:
    """(number, records) for every catalogue document the text names, in catalogue order."""
    key = fold(text) if isinstance(text, str) else ""
    if not key:
        return []
    by_number: Dict[str, List[Policy]] = {}
    for policy in all_records(session, "policies"):
        if policy.legal_basis_number:
            by_number.setdefault(policy.legal_basis_number, []).append(policy)
    named = []
    for number, records in by_number.items():
        if any(re.search(rf"(?<![\w/]){re.escape(p)}(?![\w/])", key) for p in _patterns(number)):
            named.append((number, records))
    return named


def _status(records: List[Policy], on) -> Tuple[str, Optional[Policy]]:
    """("in_force" | "expired" | "replaced" | "not_yet", the replacing record)."""
    replacement = next((r.superseded_by for r in records if r.superseded_by is not None), None)
    if replacement is not None:
        return "replaced", replacement
    if all(r.valid_to is not None and r.valid_to < on for r in records):
        return "expired", None
    if all(r.valid_from is not None and r.valid_from > on for r in records):
        return "not_yet", None
    return "in_force", None


_THCS_DIPLOMA = re.compile(
    r"\bbang (tot nghiep |tn )?(thcs|cap 2|cap hai|c2|lop 9|trung hoc co so)\b|\bbang (thcs|c2)\b"
    r"|\bhoc ba\b.*\b(thay|thi|du|dang ky|nop)\b"
)
_MONTHLY_SUPPORT = re.compile(
    r"\b(800|500|300) ?(nghin|ngan|k|000)\b|\b(800|500|300)\.000\b"
    r"|\b(hang|moi|1|mot) thang\b.*\b(ho tro|tien)\b|\b(ho tro|tien)\b.*\b(hang|moi|1|mot) thang\b"
    r"|\b(tot nghiep|ra truong)\b.*\b(nam )?(2022|2023|2024|2025|nam ngoai|nam roi)\b.*\b(ho tro|tien)\b"
)
_GRADUATED = re.compile(
    r"\b(tot nghiep|ra truong|hoc xong) (trung cap|cao dang|nam 20|20\d\d|nam ngoai)|\b20(22|23|24|25)\b"
)


def thcs_diploma_answer(session, tracker: Tracker):
    law = session.get(Policy, "luat_123_2025_giao_duc")
    if law is None:
        return None
    lines = [
        "Từ 1/1/2026 không còn cấp bằng tốt nghiệp THCS: hiệu trưởng xác nhận hoàn thành chương trình THCS "
        f"trên học bạ, và học bạ đó dùng để đăng ký học tiếp (lớp 10, học nghề). {cite(law)}"
    ]
    lines += [law.notes] if law.notes else []
    lines.append(f"Văn bản gốc: {you(tracker)} bấm Nguồn.")
    return lines, [SOURCES_BUTTON], [law]


def monthly_support_answer(session, tracker: Tracker, text: str):
    """The province's monthly support is for THPT graduates (actions.policies.graduate_lines):
    a graduate of 2022-2025 hears about the expired NQ 19/2021 first, a grade-9 family that
    it is not for them yet, and what they get instead."""
    lines, cited = graduate_lines(session, tracker)
    if not lines:
        return None
    if _GRADUATED.search(text):
        lines = lines[::-1]  # the expired rule they studied under, then today's
        lines[0] = f"Tùy điều kiện: {lines[0]}"
    else:
        lines.insert(
            0,
            f"Chưa, nếu {learner(tracker)} mới học xong lớp 9: khoản hỗ trợ hằng tháng của tỉnh chỉ dành cho "
            "người đã có bằng tốt nghiệp THPT học trung cấp, cao đẳng. Học trung cấp ngay sau lớp 9 thì được "
            "miễn 100% học phí (NĐ 238/2025/NĐ-CP).",
        )
    lines.append(f"Văn bản gốc: {you(tracker)} bấm Nguồn.")
    return lines, [SOURCES_BUTTON], cited


_ASKS_TODAYS_UNIT = re.compile(
    r"\b(thuoc (xa|phuong) nao|la (xa|phuong) nao|gio (la|thuoc)|bay gio (la|thuoc)|nay (la|thuoc)|sap nhap|"
    r"nhap vao|nhap voi|ten moi|doi ten)\b"
)


def todays_unit_answer(session, tracker: Tracker):
    """ "Lũng Hòa giờ thuộc xã nào": the commune a former one became part of, or a former
    district's communes of today (1/7/2025)."""
    areas = [a for a in (session.get(Area, v) for v in latest_entities(tracker, "area")) if a is not None]
    if not areas:
        return None
    lines: List[str] = []
    for area in areas[:2]:
        units = [u for u in current_units(session, area.id) if u.id != area.id]
        if area.kind in ("commune", "ward"):
            label = area_label(session, area.id) or area.name
            lines.append(f"{label[0].upper()}{label[1:]}.")
        elif units and area.status != "active":
            lines.append(f"Từ 1/7/2025 {area.name} gồm: " + ", ".join(u.name for u in units) + ".")
        else:
            lines.append(f"{area.name}: đơn vị hành chính đang có.")
    lines.append(
        "Không còn cấp huyện (từ 1/7/2025); giấy tờ ở địa phương nay làm tại UBND xã/phường mới. "
        f"Nguồn tra cứu: {you(tracker)} bấm Nguồn."
    )
    return lines, [SOURCES_BUTTON], areas[:2]


def rule_answer(session, tracker: Tracker) -> Optional[Tuple[List[str], List[Dict[str, str]], List[Any]]]:
    """The THCS diploma, the monthly support or today's commune, asked by what the rule
    says; None otherwise."""
    key = fold(tracker.latest_message.get("text") or "")
    if _THCS_DIPLOMA.search(key):
        return thcs_diploma_answer(session, tracker)
    if _MONTHLY_SUPPORT.search(key):
        return monthly_support_answer(session, tracker, key)
    if _ASKS_TODAYS_UNIT.search(key):
        return todays_unit_answer(session, tracker)
    return None


def document_answer(session, tracker: Tracker) -> Optional[Tuple[List[str], List[Dict[str, str]], List[Any]]]:
    """(lines, buttons, cited) when the latest message asks about documents the catalogue
    names by number, or about one of the rules `rule_answer` knows; None otherwise."""
    text = tracker.latest_message.get("text")
    about = bool(_ABOUT_DOCUMENT.search(fold(text or "")))
    named = named_documents(session, text) if about else []
    if not named:
        unknown = _DOCUMENT_NUMBER.search(fold(text or "")) if about else None
        if unknown is not None:  # a document we hold nothing about: said so, and whom to ask
            lines = [
                f"Văn bản {_KIND_NAMES[unknown.group(1)]} {unknown.group(0)[len(unknown.group(1)) :].strip()} "
                "chưa có trong dữ liệu của mình, nên mình chưa nói được nó "
                f"quy định gì. {you(tracker, True)} có thể tra cứu trên thuvienphapluat.vn hoặc "
                "vbpl.vn, hoặc hỏi Sở GD&ĐT Phú Thọ.",
            ]
            cited: List[Any] = []
            tuition = session.get(Policy, TUITION_RULE)
            if tuition is not None and re.search(r"\b(hoc phi|mien|giam)\b", fold(text or "")):
                since = f" (từ {vn_date(tuition.valid_from)})" if tuition.valid_from else ""
                lines.append(
                    f"Về học phí, văn bản đang áp dụng trong dữ liệu của mình: {short_citation(tuition)}{since}."
                )
                cited.append(tuition)
            return lines, [{"title": "Gặp tư vấn viên", "payload": "/request_human"}], cited
        return rule_answer(session, tracker)
    on = today()
    lines: List[str] = []
    cited: List[Any] = []
    for number, records in named[:2]:
        first = records[0]
        name = short_citation(first)
        status, replacement = _status(records, on)
        if status == "replaced":
            lines.append(
                f"Không còn áp dụng: {name} đã được thay bằng {short_citation(replacement)}"
                f"{' từ ' + vn_date(replacement.valid_from) if replacement.valid_from else ''}. {cite(replacement)}"
            )
            cited.append(replacement)
        elif status == "expired":
            last = max(r.valid_to for r in records)
            lines.append(
                f"Không còn áp dụng: {name} (chính sách giai đoạn {period(first)}) hết hiệu lực sau {vn_date(last)}."
            )
        elif status == "not_yet":
            start = min(r.valid_from for r in records)
            lines.append(f"{name} có hiệu lực từ {vn_date(start)}.")
        else:
            since = min((r.valid_from for r in records if r.valid_from), default=None)
            lines.append(f"Còn hiệu lực: {name}{' (từ ' + vn_date(since) + ')' if since else ''}.")
        for record in records[:3]:
            detail = f" {record.conditions}" if record.conditions and len(records) == 1 else ""
            lines.append(f"• {record.title}.{detail}")
        lines += [r.notes for r in records[:1] if r.notes]
        words = {confidence_words(r) for r in records} - {""}
        lines += sorted(words)[:1]
        cited += records[:3]
    lines.append(f"Văn bản gốc và nơi đăng: {you(tracker)} bấm Nguồn.")
    return lines, [SOURCES_BUTTON], cited


def utter_known_answer(dispatcher, tracker: Tracker) -> bool:
    """For the actions that answer without the catalogue (fallbacks, out of scope): say the
    document answer if the message asks about a named document or a rule `rule_answer`
    knows, the trade and where it is taught for an interest statement ("em thích buôn
    bán" taken for out of scope), or the cost of what was just talked about ("mất bn tiền
    ad" after a 9+ answer); True when it did."""
    try:
        with catalog_session() as session:
            found = document_answer(session, tracker)
            if found is None:
                row = interest_of(tracker.latest_message.get("text"))
                found = interest_answer(session, tracker, row) if row is not None else None
            if found is None and subtopic(tracker.latest_message.get("text")) == "cost":
                if tracker.get_slot("last_topic") == "combined_route":
                    found = combined_route_answer(session, tracker)
                elif tracker.get_slot("last_topic"):
                    found = support_policy_answer(session, tracker)
            if found is None:
                return False
            lines, buttons, _ = found
            say(dispatcher, [fit(line) for line in lines], buttons)
    except CatalogUnavailable:
        return False
    return True
