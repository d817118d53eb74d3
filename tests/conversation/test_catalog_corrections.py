"""Issue 14: every correction from the catalogue audit reaches a family who asks,
through the real REST channel (stack in conftest.py). Expected facts are read from
the catalogue the action server uses, so a changed record changes the test."""

from __future__ import annotations

import pytest

from bot.catalog.geography import area_label, units_of_former_district
from bot.catalog.names import get_institution, get_policy
from tests.conversation.chat import joined, new_sender, payloads, send

pytestmark = [pytest.mark.model, pytest.mark.slow, pytest.mark.postgres]


def ask(stack, text: str) -> str:
    return joined(send(stack, new_sender(), text))


@pytest.mark.parametrize(
    "text",
    [
        "trường cao đẳng kinh tế kỹ thuật vĩnh phúc giờ còn không",
        "truong cd kinh te ky thuat vinh phuc doi ten khi nao",
    ],
)
def test_renamed_college_is_the_same_school_under_its_new_name(stack, catalog, text):
    from actions.common import vn_date

    old = get_institution(catalog, "cd_ktkt_vinh_phuc")
    absorbed = get_institution(catalog, "cd_nghe_vinh_phuc")
    assert old.is_renamed and absorbed.status == "merged_into"
    reply = ask(stack, text)
    first = reply.split("\n")[0]
    assert f"nay là {old.successor.name}" in first and "đổi tên" in first, first
    assert "1974/QĐ-BLĐTBXH" in first and vn_date(old.status_since) in first
    assert absorbed.name in first, "the rename also absorbed CĐ Nghề"
    assert "đã sáp nhập vào" not in first


def test_absorbed_college_names_its_successor_and_the_decision(stack, catalog):

    absorbed = get_institution(catalog, "cd_nghe_vinh_phuc")
    first = ask(stack, "cd nghe vinh phuc gio la truong nao").split("\n")[0]
    assert f"đã sáp nhập vào {absorbed.successor.name}" in first and "1974/QĐ-BLĐTBXH" in first


def test_nq_19_for_2025_graduates(stack, catalog):
    from actions.common import vn_money

    nq19 = get_policy(catalog, "nq_19_2021_vp_trung_cap")
    nq36 = get_policy(catalog, "nq_36_2025_pt_ho_tro_hang_thang")
    reply = ask(stack, "Con tôi tốt nghiệp THPT năm 2025 học trung cấp có được tỉnh hỗ trợ tiền không?")
    assert not reply.startswith("Có:"), (
        "the 100% exemption after grade 9 is not the answer for a THPT graduate"
    )
    assert reply.startswith("Tùy")
    assert "19/2021" in reply and "12 tháng" in reply and "2021-2025" in reply and "hết hiệu lực" in reply
    assert vn_money(nq19.amount_vnd) in reply
    assert nq36.title in reply, "today's provincial support for THPT graduates comes first"
    assert "anh/chị" in reply and " em " not in reply


def test_plan_220_target(stack, catalog):

    plan = get_policy(catalog, "kh_220_2023_vp")
    assert "40%" in plan.conditions
    for text in ("Tỉnh có mục tiêu bao nhiêu phần trăm học sinh học nghề?", "ke hoach 220 la gi v ad"):
        messages = send(stack, new_sender(), text)
        first = messages[0]["text"]
        assert "40%" in first and "220/KH-UBND" in first and "2030" in first, first
        assert "/ask_sources" in payloads(messages)


@pytest.mark.parametrize(
    "text", ["muốn hỏi về học nghề thì liên hệ cơ quan nào", "co quan nao quan ly hoc nghe"]
)
def test_the_right_office_is_named(stack, text):
    first = send(stack, new_sender(), text)[0]["text"]
    assert first.startswith("Sở GD&ĐT tỉnh Phú Thọ") and "1/3/2025" in first, first


def test_nd_238_group_2_shows_its_condition(stack, catalog):

    policy = get_policy(catalog, "nd_238_2025_nguoi_co_cong")
    reply = ask(stack, "con thương binh học nghề có được miễn học phí không")
    assert policy.conditions in reply and "238/2025/NĐ-CP" in reply


def test_qd_46_amount_needs_every_condition(stack, catalog):
    from actions.common import vn_money

    both = get_policy(catalog, "qd_46_2015_ho_ngheo_dtts")
    assert both.groups_mode == "all" and set(both.group_ids) == {"ho_ngheo", "dan_toc_thieu_so"}
    sender = new_sender()
    kinh = joined(send(stack, sender, "nhà em hộ nghèo, em học sơ cấp được hỗ trợ gì"))
    assert vn_money(both.amount_vnd) not in kinh, (
        "a poor Kinh household is not shown the amount for poor DTTS"
    )
    both_groups = joined(send(stack, sender, "nhà em còn là dân tộc thiểu số nữa"))
    assert vn_money(both.amount_vnd) in both_groups


def test_lien_thong_has_its_basis_and_condition(stack, catalog):
    reply = ask(stack, "học trung cấp xong lên cao đẳng cần điều kiện gì")
    assert reply.startswith("Có, nếu có bằng tốt nghiệp THPT")
    assert "Luật Giáo dục 2019" in reply and "văn hóa THPT" in reply


def test_district_support_as_it_was_and_as_it_is(stack, catalog):

    units = units_of_former_district(catalog, "vinh_tuong")
    assert len(units) > 1
    reply = ask(stack, "ở Vĩnh Tường có hỗ trợ gì cho học sinh học nghề")
    assert "miễn 100% học phí" in reply, "today's national support"
    assert "1/7/2025" in reply and "chưa có quyết định hỗ trợ học nghề riêng" in reply
    assert all(unit.name in reply for unit in units), "today's communes of the former district"


def test_commune_of_today_with_its_former_district(stack, catalog):

    label = area_label(catalog, "binh_nguyen")
    assert label and "Bình Xuyên" in label
    reply = ask(stack, "e o xa binh nguyen, muon hoc han o dau")
    assert "Bình Nguyên" in reply and "Hàn" in reply


def test_trung_hoc_nghe_cites_the_law_in_force(stack):
    reply = ask(stack, "trung hoc nghe la j v ad")
    assert "trung học nghề" in reply.lower() and "Luật 123/2025/QH15" in reply and "74/2014" not in reply
    assert "Chưa ngã ngũ" in reply and "Sở GD&ĐT Phú Thọ" in reply, "what is not settled, and whom to ask"
