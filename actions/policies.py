"""Support policies: the form that asks only for what is missing, and the answer.

The answer lists the policies in force TODAY for the learner's level, area and
groups (bot.catalog.queries.applicable_policies), each with its benefit, legal
basis, source and checked-on date. When the area has no district/commune
policy of its own, the answer says so plainly, explains that districts no
longer exist, and names whom to ask.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.common import (
    NO_VALUE,
    WHOM_TO_ASK,
    CatalogAction,
    CatalogUnavailable,
    catalog_session,
    cite,
    join_lines,
    learner,
    slot_list,
    slot_value,
    today,
    vn_date,
    vn_money,
    you,
)
from bot.catalog import queries

logger = logging.getLogger(__name__)

MAX_POLICIES = 4
# Exemptions first: they are what a grade-9 leaver actually gets.
BENEFIT_ORDER = {"mien_hoc_phi": 0, "ho_tro_hang_thang": 1, "giam_hoc_phi": 2, "ho_tro_dao_tao": 3,
                 "tien_an": 4, "di_lai": 5, "noi_tru": 6}
DIPLOMA_NAMES = {"thcs": "hoàn thành THCS", "thpt": "bằng tốt nghiệp THPT"}


def benefit_text(policy) -> str:
    if policy.percent is not None and policy.benefit_kind in ("mien_hoc_phi", "giam_hoc_phi"):
        verb = "miễn" if policy.percent == 100 else "giảm"
        return f"{verb} {policy.percent}% học phí"
    if policy.amount_vnd is not None:
        prefix = "tối đa " if policy.cap == "tối đa" else ""
        return f"{prefix}{vn_money(policy.amount_vnd)} ({policy.unit or 'mức theo văn bản'})"
    return "mức hưởng chưa có trong dữ liệu"


def legal_basis(policy) -> str:
    parts = [policy.legal_basis_number or "số hiệu chưa rõ"]
    if policy.issuer:
        parts.append(policy.issuer)
    if policy.legal_basis_date:
        parts.append(f"ngày {vn_date(policy.legal_basis_date)}")
    return ", ".join(parts)


def describe_policy(session, policy, tracker: Tracker) -> str:
    line = f"• {policy.title}: {benefit_text(policy)}. Căn cứ: {legal_basis(policy)}."
    replaced = [p.legal_basis_number for p in queries.policies_superseded_by(session, policy.id) if p.legal_basis_number]
    if replaced:
        line += f" (Thay thế {', '.join(sorted(set(replaced)))}.)"
    if policy.required_diploma == "thpt":
        line += " Cần bằng tốt nghiệp THPT: học sinh mới xong lớp 9 chưa hưởng ngay."
    if policy.max_age is not None:
        line += f" Tuổi khi nhập học: đến {policy.max_age}."
    if policy.is_unverified:
        line += f" ⚠️ CHƯA KIỂM CHỨNG: {you(tracker)} nên hỏi nhà trường hoặc Sở GD&ĐT Phú Thọ."
    elif policy.confidence == "P":
        line += " (Cần đối chiếu văn bản gốc.)"
    return f"{line} {cite(policy)}"


def no_local_policy_text(session, area, tracker: Tracker) -> str:
    """What to say when the area has no policy of its own (the usual case)."""
    units = [u for u in queries.current_units(session, area.id) if u.id != area.id]
    lines = [f"Không có chính sách riêng nào của {area.name} được ghi nhận trong dữ liệu."]
    if area.status == "abolished" and area.abolished_on:
        district = queries.former_district(session, area.id)
        if district is not None and district.abolished_on:
            lines.append(
                f"Từ {vn_date(district.abolished_on)} cấp huyện không còn, nên không còn chế độ riêng của huyện; "
                f"{district.name} nay thuộc tỉnh Phú Thọ."
            )
        else:
            lines.append(f"{area.name} không còn là đơn vị hành chính từ {vn_date(area.abolished_on)}.")
    if units:
        lines.append("Xã/phường kế thừa có trong dữ liệu (có thể chưa đầy đủ, chưa kiểm chứng): "
                     + ", ".join(u.name for u in units[:4]) + ".")
    lines.append(f"Muốn biết hỗ trợ riêng của địa phương, {you(tracker)} hỏi {WHOM_TO_ASK}. {cite(area)}")
    return " ".join(lines)


def support_policy_answer(session, tracker: Tracker) -> List[str]:
    """One or two messages: the policies in force, then (for a district or
    commune) the plain statement that it has no policy of its own."""
    level_id = slot_value(tracker, "level")
    area_id = slot_value(tracker, "area")
    groups = slot_list(tracker, "beneficiary_group")
    on = today()
    level = queries.get_level(session, level_id) if level_id else None
    area = queries.lookup_area(session, area_id) if area_id else None
    policies = queries.applicable_policies(
        session, level=level.id if level else None, area=area.id if area else None, groups=groups, on=on
    )
    policies.sort(key=lambda p: (BENEFIT_ORDER.get(p.benefit_kind, 9), p.confidence == "U",
                                 {"national": 0, "province": 1}.get(p.scope, 2), p.id))
    who = learner(tracker)
    where = f" ở {area.name}" if area else ""
    what = f" học {level.name.lower()}" if level else " học nghề"
    header = f"Chính sách đang áp dụng hôm nay ({vn_date(on)}) khi {who}{what}{where}:"
    lines: List[str] = [header]
    if not policies:
        lines.append(f"Dữ liệu chưa ghi nhận chính sách nào phù hợp. {you(tracker, True)} hỏi {WHOM_TO_ASK}.")
    for policy in policies[:MAX_POLICIES]:
        lines.append(describe_policy(session, policy, tracker))
    if len(policies) > MAX_POLICIES:
        lines.append(f"(Còn {len(policies) - MAX_POLICIES} chính sách khác; {you(tracker)} hỏi cụ thể hơn nhé.)")
    messages = [join_lines(lines)]
    if area is not None and area.kind not in ("province",):
        if not queries.area_specific_policies(session, area.id, on=on):
            messages.append(no_local_policy_text(session, area, tracker))
    return messages


class ActionSupportPolicy(CatalogAction):
    def name(self) -> Text:
        return "action_support_policy"

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        # Separate messages keep each one under the length limit.
        for text in support_policy_answer(session, tracker):
            dispatcher.utter_message(text=text)
        dispatcher.utter_message(
            text=f"{you(tracker, True)} muốn xem tiếp nội dung nào?",
            buttons=[
                {"title": "Tìm trường gần nhà", "payload": "/find_programme"},
                {"title": "Lộ trình 9+", "payload": "/ask_combined_route"},
                {"title": "Gặp tư vấn viên", "payload": "/request_human"},
            ],
        )
        return [SlotSet("last_topic", "support_policy")]


class ValidateSupportPolicyForm(FormValidationAction):
    """Area and level must be known to the catalogue; groups are asked once."""

    def name(self) -> Text:
        return "validate_support_policy_form"

    def validate_area(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return {"area": _validated(value, "area", dispatcher, tracker)}

    def validate_level(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return {"level": _validated(value, "level", dispatcher, tracker)}

    def validate_beneficiary_group(self, value: Any, dispatcher, tracker, domain) -> Dict[Text, Any]:
        values = value if isinstance(value, list) else [value]
        values = [v for v in values if v]
        return {"beneficiary_group": values or None}


def _validated(value: Any, kind: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[str]:
    """The canonical id for an area / level, NO_VALUE kept, None (ask again) when unknown."""
    if isinstance(value, list):
        value = value[-1] if value else None
    if value in (None, ""):
        return None
    if value == NO_VALUE:
        return NO_VALUE
    try:
        with catalog_session() as session:
            found = queries.lookup_area(session, value) if kind == "area" else queries.lookup_level(session, value)
            if found is None:
                what = "địa bàn" if kind == "area" else "trình độ"
                dispatcher.utter_message(
                    text=f"Mình chưa tìm thấy {what} \"{str(value)[:60]}\" trong dữ liệu, {you(tracker)} nói lại giúp mình nhé."
                )
                return None
            return found.id
    except CatalogUnavailable as exc:
        logger.error("validate %s: catalogue unavailable: %s", kind, exc)
        return str(value)  # keep the answer; the final action apologises if the catalogue is still down
