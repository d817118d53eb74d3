"""Support policies, answer first (docs/dialogue.md).

The first bubble answers for everyone: "Có: học trung cấp sau lớp 9 được miễn
100% học phí. Căn cứ: NĐ 238/2025/NĐ-CP." Then what the user's household groups
add (a group's support only when ALL its listed groups hold, where the
catalogue says so), the other costs, and the narrowing questions as buttons
(household group). Areas: one short line when the area has no policy of its
own. Full sources sit behind the "Nguồn" button (actions/sources.py).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.common import (
    SOURCES_BUTTON,
    WHOM_TO_ASK,
    CatalogAction,
    bubbles,
    cite,
    confidence_words,
    home,
    is_worried,
    latest_entities,
    learner,
    reassurance,
    record_key,
    say,
    slot_list,
    slot_value,
    today,
    vn_date,
    vn_money,
    you,
)
from bot.catalog.geography import area_label
from bot.catalog.names import get_group, get_level, lookup_area
from bot.catalog.present import period, short_citation
from bot.catalog.rules import applicable_policies, district_support
from bot.catalog.tables import all_records
from bot.text import fold

DEFAULT_LEVEL = "trung_cap"  # a grade-9 leaver's usual question
GROUP_BUTTONS = [
    ("Hộ nghèo", "ho_ngheo"),
    ("Hộ cận nghèo", "ho_can_ngheo"),
    ("Dân tộc thiểu số", "dan_toc_thieu_so"),
    ("Khuyết tật", "khuyet_tat"),
    ("Mồ côi", "mo_coi"),
]
BENEFIT_ORDER = {
    "mien_hoc_phi": 0,
    "giam_hoc_phi": 1,
    "ho_tro_hang_thang": 2,
    "ho_tro_dao_tao": 3,
    "tien_an": 4,
    "di_lai": 5,
    "noi_tru": 6,
}
OTHER_COSTS = (
    "Ngoài học phí, gia đình thường vẫn tự lo tiền ăn, ở, đi lại, đồ dùng học tập và bảo hiểm y tế "
    "học sinh; hỏi trường về ký túc xá và học bổng."
)
# "có phải đóng tiền không", "mất bao nhiêu tiền": the answer starts "Không mất học phí", not "Có".
_ASKS_TO_PAY = re.compile(
    r"\b(dong|phai tra|mat tien|mat bn|mat bao nhieu|ton tien|ton bn|ton bao nhieu|bao nhieu tien|"
    r"bn tien|chi phi|het bao nhieu|het bn|hoc phi (bao nhieu|bn|the nao|ra sao))\b"
)
_ASKS_BOARDING = re.compile(r"\b(noi tru|ky tuc xa|ktx|hoc bong|o lai truong|tien an|an o)\b")
_ASKS_TRAVEL = re.compile(r"\b(di lai|tien xe|xe buyt|xe bus|tien tau xe|xa nha|cach nha|km|ve que)\b")
# Someone who already has (or will have) the THPT diploma, or asks about NQ 19/2021 by name.
_SHORT_COURSE = re.compile(
    r"\b(ngan han|duoi 3 thang|khoa (ngan|3 thang|vai thang|mot vai thang)|hoc nghe ngan)\b"
)
_ONE_PARENT_LOST = re.compile(
    r"\b(mat|mo coi) (bo|cha|me|ba)\b|\b(bo|cha|me|ba) (em |chau )?(cung )?(mat|da mat|qua doi)\b"
)
_THPT_GRADUATE = re.compile(
    r"\b(tot nghiep (thpt|cap 3|cap ba|lop 12)|da co bang (thpt|cap 3)|co bang (thpt|cap 3)|hoc xong (lop 12|cap 3)|"
    r"nq 19|nghi quyet 19|19/2021)\b"
)


def travel_lines(
    session, tracker: Tracker, level_id: str, level_name: str, groups: List[str], cited
) -> List[str]:
    """Travel support: where the catalogue has it only for other levels (QĐ 46/2015: sơ cấp and
    courses under 3 months, 15 km or more from home), say so with the condition."""
    travel = [
        p
        for p in applicable_policies(session, groups=groups, on=today())
        if p.benefit_kind == "di_lai" and groups_hold(p, groups)
    ]
    lines = []
    for policy in travel[:2]:
        levels = ", ".join(
            (get_level(session, l).name.lower() if get_level(session, l) else l)
            for l in policy.level_ids or []
        )
        only = f" (chỉ khi học {levels})" if levels and level_id not in (policy.level_ids or []) else ""
        lines.append(
            f"• {policy.title}{only}: {benefit_text(policy)}. {policy.conditions or ''} {cite(policy)}".replace(
                "  ", " "
            )
        )
        cited.append(policy)
    if not any(level_id in (p.level_ids or [level_id]) for p in travel):
        lines.insert(
            0,
            f"Tiền đi lại khi học {level_name}: dữ liệu của mình chưa có khoản hỗ trợ chung; "
            f"{you(tracker)} hỏi trường về xe đưa đón, ký túc xá.",
        )
    return lines


def graduate_lines(session, tracker: Tracker) -> tuple:
    """For THPT graduates: the province's monthly support, in force and expired
    (NQ 19/2021 of the former Vĩnh Phúc: paid after graduation and 12 months of work)."""
    on = today()
    lines: List[str] = []
    cited: List[Any] = []
    support = [
        p
        for p in all_records(session, "policies")
        if p.required_diploma == "thpt" and p.benefit_kind == "ho_tro_hang_thang"
    ]
    support.sort(key=lambda p: (p.valid_to is not None and p.valid_to < on, -(p.amount_vnd or 0)))
    current = [p for p in support if not (p.valid_to and p.valid_to < on)]
    expired = [p for p in support if p.valid_to and p.valid_to < on]
    for policy in current[:1]:
        lines.append(f"Đã tốt nghiệp THPT: {policy.title}. {cite(policy)}")
        cited.append(policy)
    if expired:
        first = expired[0]
        amounts = ", ".join(
            f"{vn_money(p.amount_vnd)}/tháng khi học "
            + " hoặc ".join(
                (get_level(session, l).name.lower() if get_level(session, l) else l)
                for l in p.level_ids or []
            )
            + (" chất lượng cao" if "chất lượng cao" in p.title else "")
            for p in sorted(expired, key=lambda p: p.amount_vnd or 0)
        )
        lines.append(
            f"{short_citation(first)} của tỉnh Vĩnh Phúc (cũ), chính sách giai đoạn {period(first)} (áp dụng "
            f"đến {vn_date(first.valid_to)}), đã hết hiệu lực: "
            f"{amounts}, trả một lần SAU khi tốt nghiệp và đi làm đủ 12 tháng liên tục tại một doanh nghiệp "
            "trong tỉnh. Người tốt nghiệp năm 2025 có thể chỉ đủ điều kiện nhận trong năm 2026-2027; việc chi "
            f"trả sau khi sáp nhập tỉnh chưa có trong dữ liệu của mình, {you(tracker)} hỏi Sở GD&ĐT Phú Thọ. "
            + (confidence_words(first) or "")
        )
        cited.extend(expired)
    return lines, cited


def local_lines(session, tracker: Tracker, area) -> tuple:
    """ "ở Vĩnh Tường có hỗ trợ gì": the former district's own support where the catalogue
    has one, the end of district budgets on 1/7/2025, and today's communes/wards."""
    found = district_support(session, area.id, on=today())
    if found is None:
        return [], []
    lines: List[str] = []
    cited: List[Any] = [area]
    place = area_label(session, area.id) or area.name
    if found.past:
        for policy in found.past[:2]:
            until = f" (đến {vn_date(policy.valid_to)})" if policy.valid_to else ""
            lines.append(f"• {place}: {policy.title}{until}. {cite(policy)}")
            cited.append(policy)
    elif found.former_districts:
        # a commune is said back with its former district ("xã Tề Lỗ (huyện Yên Lạc cũ)")
        names = (
            place if area.kind in ("commune", "ward") else ", ".join(d.name for d in found.former_districts)
        )
        lines.append(f"• {names}: dữ liệu của mình chưa có quyết định hỗ trợ học nghề riêng của huyện.")
    ended = [p for p in found.notices if p.area_id is not None]
    if ended and found.former_districts:
        lines.append(
            "Từ 1/7/2025 không còn cấp huyện nên không còn ngân sách huyện cho khoản hỗ trợ này; "
            f"xã/phường có hỗ trợ riêng hay không, {you(tracker)} hỏi UBND xã/phường hoặc Sở GD&ĐT Phú Thọ."
        )
        cited.extend(ended[:1])
    units = [u for u in found.units_today if u.id != area.id]
    if area.kind in ("district", "city", "town") and units:
        lines.append(f"Nay {area.name} gồm: " + ", ".join(u.name for u in units) + ".")
    return lines, cited


def benefit_text(policy) -> str:
    if policy.percent is not None and policy.benefit_kind in ("mien_hoc_phi", "giam_hoc_phi"):
        verb = "miễn" if policy.percent == 100 else "giảm"
        return f"{verb} {policy.percent}% học phí"
    if policy.amount_vnd is not None:
        prefix = "tối đa " if policy.cap == "tối đa" else ""
        return f"{prefix}{vn_money(policy.amount_vnd)}" + (
            f"/{policy.unit.split('/', 1)[-1]}" if policy.unit else ""
        )
    return "mức hưởng chưa có trong dữ liệu của mình"


def groups_hold(policy, groups: List[str]) -> bool:
    """A policy for listed groups applies when one holds, or all of them when the catalogue
    marks the policy `groups_mode: all`."""
    wanted = set(policy.group_ids or [])
    if not wanted:
        return True
    held = set(groups)
    if getattr(policy, "groups_mode", "any") == "all":
        return wanted <= held
    return bool(wanted & held)


def _sort_key(policy, level_id: str):
    return (
        not (policy.level_ids and level_id in policy.level_ids),
        BENEFIT_ORDER.get(policy.benefit_kind, 9),
        policy.is_unverified,
        -(policy.percent or 0),
        policy.id,
    )


def group_names(session, groups: List[str]) -> str:
    names = []
    for group in groups:
        record = get_group(session, group)
        names.append((record.name if record else group).lower())
    return ", ".join(names)


def support_policy_answer(session, tracker: Tracker):
    """(bubbles, buttons, cited records)."""
    level_id = slot_value(tracker, "level") or DEFAULT_LEVEL
    if not latest_entities(tracker, "level") and _SHORT_COURSE.search(
        fold(tracker.latest_message.get("text") or "")
    ):
        level_id = "so_cap"  # "khóa ngắn hạn", "học nghề dưới 3 tháng": QĐ 46 covers them with sơ cấp
    level = get_level(session, level_id) or get_level(session, DEFAULT_LEVEL)
    level_id = level.id if level else DEFAULT_LEVEL
    area_id = slot_value(tracker, "area")
    area = lookup_area(session, area_id) if area_id else None
    groups = slot_list(tracker, "beneficiary_group")
    on = today()
    found = applicable_policies(session, level=level_id, area=area.id if area else None, groups=groups, on=on)
    found = [p for p in found if groups_hold(p, groups)]
    # A grade-9 leaver has no THPT diploma yet: those policies are named in one line, not listed.
    needs_thpt = [p for p in found if p.required_diploma == "thpt"]
    found = [p for p in found if p.required_diploma != "thpt"]
    universal = sorted((p for p in found if not p.group_ids), key=lambda p: _sort_key(p, level_id))
    specific = sorted((p for p in found if p.group_ids), key=lambda p: _sort_key(p, level_id))
    who = learner(tracker)
    level_name = level.name.lower() if level else "trung cấp"
    cited: List[Any] = []
    lines: List[str] = []
    text_key = fold(tracker.latest_message.get("text") or "")
    worried = is_worried(tracker.latest_message.get("text"))
    if worried:
        lines.append(reassurance(tracker))

    main = next(
        (
            p
            for p in universal
            if p.benefit_kind == "mien_hoc_phi"
            and p.percent == 100
            and p.level_ids
            and level_id in p.level_ids
            and not p.is_unverified
        ),
        None,
    )
    # travel, meals or boarding asked: that answer comes first, the exemption line reads "Về học phí: …"
    other_cost_first = bool(_ASKS_TRAVEL.search(text_key) or _ASKS_BOARDING.search(text_key))
    if _ASKS_TRAVEL.search(text_key):
        lines += travel_lines(session, tracker, level_id, level_name, groups, cited)
    if _ASKS_BOARDING.search(text_key):  # meals, boarding, scholarships
        boarding = [p for p in universal if p.benefit_kind in ("noi_tru", "tien_an", "ho_tro_hang_thang")]
        for policy in boarding[:2]:
            condition = f" {policy.conditions}" if policy.conditions and len(policy.conditions) < 300 else ""
            lines.append(
                f"• {policy.title}: {benefit_text(policy)}.{condition} {confidence_words(policy) or ''} "
                f"{cite(policy)}".replace("  ", " ")
            )
            cited.append(policy)
        if not boarding:
            lines.append(
                f"Nội trú, tiền ăn, học bổng khi học {level_name}: chưa có trong dữ liệu của mình; "
                f"{you(tracker)} hỏi phòng công tác học sinh của trường."
            )
    graduate = bool(_THPT_GRADUATE.search(text_key))
    if graduate:
        extra, extra_cited = graduate_lines(session, tracker)
        lines.append(
            f"Tùy: khoản miễn 100% học phí {level_name} dành cho người học sau lớp 9; người đã tốt nghiệp "
            "THPT thì xem hỗ trợ dưới đây." + (f" {cite(main)}" if main is not None else "")
        )
        lines += extra[:1]  # today's support now; the expired NQ 19/2021 after the group lines
        cited += extra_cited + ([main] if main is not None else [])
    elif main is not None:
        lead = (
            "Về học phí"
            if other_cost_first
            else "Không mất học phí"
            if _ASKS_TO_PAY.search(text_key)
            else "Có"
        )
        lines.append(
            f"{lead}: {who} học {level_name} sau lớp 9 được {benefit_text(main)}, ở mọi nơi. {cite(main)}"
        )
        cited.append(main)
    elif specific:
        lines.append(
            f"Tùy trường hợp: học {level_name} không có khoản miễn học phí chung trong dữ liệu của mình, "
            f"nhưng {who} có thể được hỗ trợ theo nhóm dưới đây."
        )
    else:
        lines.append(
            f"Tùy trường hợp: dữ liệu của mình chưa có khoản miễn học phí chung khi học {level_name}."
        )

    for policy in specific:
        matched = [g for g in (policy.group_ids or []) if g in groups]
        label = group_names(session, matched) or "nhóm ưu tiên"
        condition = (
            f" Điều kiện: {policy.conditions}" if policy.conditions and len(policy.conditions) < 420 else ""
        )
        lines.append(f"• Với {label}: {benefit_text(policy)}.{condition} {cite(policy)}")
        cited.append(policy)
    if graduate:
        lines += extra[1:]
    if "mo_coi" not in groups and _ONE_PARENT_LOST.search(text_key):
        # "em mất bố": the orphan rule decides, and it needs both parents lost
        orphan = [
            p
            for p in applicable_policies(session, level=level_id, groups=["mo_coi"], on=on)
            if "mo_coi" in (p.group_ids or [])
        ]
        for policy in orphan[:1]:
            lines.append(
                f"• Mồ côi: {benefit_text(policy)} chỉ khi mồ côi cả cha lẫn mẹ. Điều kiện: {policy.conditions} "
                f"{cite(policy)}"
            )
            cited.append(policy)
    for group in groups:
        if not any(group in (p.group_ids or []) for p in specific):
            lines.append(
                f"• Với {group_names(session, [group])}: dữ liệu của mình chưa có khoản hỗ trợ riêng khi học "
                f"{level_name}; {you(tracker)} hỏi {WHOM_TO_ASK}."
            )
    others = [
        p for p in universal if p is not main and not p.is_unverified and p.benefit_kind == "mien_hoc_phi"
    ]
    if level_id != DEFAULT_LEVEL:  # the GDTX culture part belongs to the 9+ route (trung cấp)
        others = [p for p in others if "GDTX" not in p.title]
    for policy in [] if graduate else others[:1]:
        lines.append(
            f"• Phần văn hóa (GDTX) ở cơ sở công lập: {benefit_text(policy)}. {cite(policy)}"
            if "GDTX" in policy.title
            else f"• {policy.title}. {cite(policy)}"
        )
        cited.append(policy)
    conditional = [
        p
        for p in universal
        if p is not main
        and p not in others[:1]
        and p.conditions
        and p.level_ids
        and level_id in p.level_ids
        and p.benefit_kind in ("mien_hoc_phi", "giam_hoc_phi")
        and not p.is_unverified
    ]
    for policy in conditional[:1]:
        lines.append(
            f"• {benefit_text(policy)[0].upper() + benefit_text(policy)[1:]} nếu: {policy.conditions} {cite(policy)}"
        )
        cited.append(policy)
    if area is not None and area.kind != "province":
        extra, extra_cited = local_lines(session, tracker, area)
        if latest_entities(tracker, "area") and not latest_entities(tracker, "level"):
            lines[:0] = extra  # "ở xã Tề Lỗ" after a tuition answer: what the place changes comes first
        else:
            lines += extra
        cited += extra_cited
    lines.append(OTHER_COSTS)
    for policy in [] if graduate else needs_thpt[:1]:
        lines.append(f"• {policy.title}: chỉ khi đã có bằng tốt nghiệp THPT. {cite(policy)}")
        cited.append(policy)
    if main is not None and main.confidence != "V":
        lines.append(confidence_words(main))
    buttons: List[Dict[str, str]] = []
    if not groups and not tracker.get_slot("beneficiary_group"):
        lines.append(f"{home(tracker)} có thuộc nhóm nào dưới đây không? Chọn để xem hỗ trợ thêm.")
        buttons = [
            {"title": title, "payload": f'/inform{{"beneficiary_group":"{gid}"}}'}
            for title, gid in GROUP_BUTTONS
        ]
    buttons.append(SOURCES_BUTTON)
    return bubbles(lines), buttons, cited


class ActionSupportPolicy(CatalogAction):
    yields_to_interests = False

    def name(self) -> Text:
        return "action_support_policy"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        texts, buttons, cited = support_policy_answer(session, tracker)
        say(dispatcher, texts, buttons)
        return [
            SlotSet("last_topic", "support_policy"),
            SlotSet("last_sources", [record_key(r) for r in cited]),
        ]
