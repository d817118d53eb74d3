"""The province's side: its streaming plan and targets (KH 220/KH-UBND), and which
office to ask about vocational education today (Sở GD&ĐT Phú Thọ since 1/3/2025,
the commune/ward UBND since the districts ended on 1/7/2025).

Every fact comes from a catalogue record (data/catalog/policies.yml) and is
said with its short citation; a partly verified record is said as such."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk.events import SlotSet

from actions.common import (
    SOURCES_BUTTON,
    CatalogAction,
    bubbles,
    cite,
    confidence_words,
    learner,
    record_key,
    say,
    vn_date,
    you,
)
from bot.catalog.names import get_policy
from bot.catalog.present import short_citation
from bot.text import fold

PLAN_2030 = "kh_220_2023_vp"
TARGET_2025 = "muc_tieu_phan_luong_vp_2025"
SECTOR_MOVE = "chuyen_gdnn_ve_nganh_giao_duc_2025"
DISTRICTS_ENDED = "het_cap_huyen_2025_vp"
CALLBACK_BUTTON = {"title": "Nhờ thầy cô gọi lại", "payload": "/request_human"}


def plan_answer(session, tracker):
    """(bubbles, buttons, cited records) for "tỉnh có mục tiêu bao nhiêu % học sinh học nghề"."""
    plan = get_policy(session, PLAN_2030)
    earlier = get_policy(session, TARGET_2025)
    lines: List[str] = []
    cited: List[Any] = []
    if plan is not None:
        lines.append(
            f"Theo {short_citation(plan)} ngày {vn_date(plan.legal_basis_date)} của UBND tỉnh "
            f"Vĩnh Phúc (cũ). {plan.conditions}"
        )
        lines.append(
            "Đây là mục tiêu của cả tỉnh, không phải yêu cầu bắt buộc với từng học sinh: "
            f"{learner(tracker)} vẫn được chọn thi lớp 10 hay học nghề. Cấp huyện đã kết thúc từ 1/7/2025. "
            + (confidence_words(plan) or "")
        )
        cited.append(plan)
    if earlier is not None:
        lines.append(f"Trước đó: {earlier.conditions} {cite(earlier)}".strip())
        cited.append(earlier)
    if not cited:
        lines.append("Kế hoạch phân luồng của tỉnh chưa có trong dữ liệu của mình; hỏi Sở GD&ĐT Phú Thọ.")
    buttons = [
        {"title": "Nên học nghề hay lớp 10?", "payload": "/compare_paths"},
        {"title": "Lộ trình 9+", "payload": "/ask_combined_route"},
        SOURCES_BUTTON,
    ]
    return bubbles(lines), buttons, cited


def contact_answer(session, tracker):
    """(bubbles, buttons, cited records) for "hỏi về học nghề thì liên hệ cơ quan nào"."""
    moved = get_policy(session, SECTOR_MOVE)
    districts = get_policy(session, DISTRICTS_ENDED)
    text = fold(tracker.latest_message.get("text") or "")
    lines: List[str] = []
    cited: List[Any] = []
    lines.append(
        "Sở GD&ĐT tỉnh Phú Thọ: từ 1/3/2025 học nghề (trường cao đẳng, trung cấp, trung tâm GDNN-GDTX) "
        "do ngành giáo dục quản lý, không còn là Sở Lao động - Thương binh và Xã hội."
        if moved is not None
        else "Sở GD&ĐT tỉnh Phú Thọ."
    )
    if moved is not None:
        cited.append(moved)
    lines.append(
        "Chế độ, giấy tờ ở nơi cư trú (hộ nghèo, cận nghèo, xác nhận đối tượng): UBND xã/phường nơi "
        "gia đình ở; từ 1/7/2025 không còn cấp huyện nên không còn phòng của huyện."
    )
    if districts is not None:
        cited.append(districts)
    if any(word in text for word in ("so dien thoai", "sdt", "hotline", "dia chi")):
        lines.append("Số điện thoại, địa chỉ của Sở chưa có trong dữ liệu của mình.")
    lines.append(
        f"Tuyển sinh, học phí của từng trường: {you(tracker)} hỏi phòng tuyển sinh của trường. "
        f'Muốn thầy cô tư vấn gọi lại cho gia đình, {you(tracker)} bấm "Nhờ thầy cô gọi lại".'
    )
    buttons = [CALLBACK_BUTTON, SOURCES_BUTTON]
    return bubbles(lines), buttons, cited


class _ProvinceAnswer(CatalogAction):
    """Says what `compose(session, tracker)` returns and remembers its records for "Nguồn"."""

    topic = ""

    @staticmethod
    def compose(session, tracker):
        raise NotImplementedError

    def answer(self, dispatcher, tracker, domain, session) -> List[Dict]:
        texts, buttons, cited = self.compose(session, tracker)
        say(dispatcher, texts, buttons)
        return [
            SlotSet("last_topic", self.topic),
            SlotSet("last_sources", [record_key(r) for r in cited]),
        ]


class ActionProvincePlan(_ProvinceAnswer):
    topic = "province_plan"
    yields_to_documents = False  # "kh 220 là gì" is this answer
    compose = staticmethod(plan_answer)

    def name(self) -> Text:
        return "action_province_plan"


class ActionContactOffice(_ProvinceAnswer):
    topic = "contact_office"
    compose = staticmethod(contact_answer)

    def name(self) -> Text:
        return "action_contact_office"
