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
    is_worried,
    learner,
    reassurance,
    record_key,
    say,
    slot_list,
    slot_value,
    today,
    vn_money,
    you,
)
from bot.catalog.names import get_group, get_level, lookup_area
from bot.catalog.rules import applicable_policies, area_specific_policies
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
    r"bn tien|chi phi|het bao nhieu)\b"
)
_ASKS_BOARDING = re.compile(r"\b(noi tru|ky tuc xa|ktx|hoc bong|o lai truong|tien an|an o)\b")


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
    if main is not None:
        lead = "Không mất học phí" if _ASKS_TO_PAY.search(text_key) else "Có"
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
    for group in groups:
        if not any(group in (p.group_ids or []) for p in specific):
            lines.append(
                f"• Với {group_names(session, [group])}: dữ liệu của mình chưa có khoản hỗ trợ riêng khi học "
                f"{level_name}; {you(tracker)} hỏi {WHOM_TO_ASK}."
            )
    others = [
        p for p in universal if p is not main and not p.is_unverified and p.benefit_kind == "mien_hoc_phi"
    ]
    for policy in others[:1]:
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
    lines.append(OTHER_COSTS)
    if _ASKS_BOARDING.search(text_key):
        boarding = [p for p in universal if p.benefit_kind in ("noi_tru", "tien_an", "ho_tro_hang_thang")]
        for policy in boarding[:2]:
            lines.append(
                f"• {policy.title}. {confidence_words(policy) or ''} {cite(policy)}".replace("  ", " ")
            )
            cited.append(policy)
        if not boarding:
            lines.append(
                "Nội trú, học bổng của từng trường chưa có trong dữ liệu của mình; "
                f"{you(tracker)} hỏi phòng công tác học sinh của trường."
            )
    for policy in needs_thpt[:1]:
        lines.append(f"• {policy.title}: chỉ khi đã có bằng tốt nghiệp THPT. {cite(policy)}")
        cited.append(policy)
    if main is not None and main.confidence != "V":
        lines.append(confidence_words(main))
    if area is not None and area.kind != "province" and not area_specific_policies(session, area.id, on=on):
        lines.append(
            f"{area.name}: dữ liệu của mình chưa có chính sách riêng của địa phương; muốn chắc chắn, "
            f"{you(tracker)} hỏi {WHOM_TO_ASK}."
        )
        cited.append(area)
    buttons: List[Dict[str, str]] = []
    if not groups and not tracker.get_slot("beneficiary_group"):
        lines.append(f"Nhà {you(tracker)} có thuộc nhóm nào dưới đây không? Chọn để xem hỗ trợ thêm.")
        buttons = [
            {"title": title, "payload": f'/inform{{"beneficiary_group":"{gid}"}}'}
            for title, gid in GROUP_BUTTONS
        ]
    buttons.append(SOURCES_BUTTON)
    return bubbles(lines), buttons, cited


class ActionSupportPolicy(CatalogAction):
    def name(self) -> Text:
        return "action_support_policy"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        texts, buttons, cited = support_policy_answer(session, tracker)
        say(dispatcher, texts, buttons)
        return [
            SlotSet("last_topic", "support_policy"),
            SlotSet("last_sources", [record_key(r) for r in cited]),
        ]
