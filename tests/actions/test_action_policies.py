"""Support policies, answer first: facts checked against the catalogue, never
against strings typed into the test."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.common import FIRST_BUBBLE_CHARS, NO_VALUE, validated_id
from actions.dialogue import ValidateSlotMappings
from actions.policies import ActionSupportPolicy
from bot.catalog.geography import units_of_former_district
from bot.catalog.names import get_area
from bot.catalog.present import short_citation
from bot.catalog.rules import applicable_policies, area_specific_policies
from tests.actions.helpers import entity, load_tracker, make_tracker, run_action, texts

TODAY = dt.date.today()
INTERNAL = ("domain-facts", "suy luận", "nhớ lại", "OpenStreetMap", "(V,", "(P)", "§")


def answer(slots, text="học nghề có được hỗ trợ gì không"):
    messages, events = run_action(
        ActionSupportPolicy(), make_tracker(slots, intent="ask_support_policy", text=text)
    )
    return texts(messages), messages, events


def national_exemption(session):
    found = [
        p
        for p in applicable_policies(session, level="trung_cap", on=TODAY)
        if p.benefit_kind == "mien_hoc_phi"
        and p.percent == 100
        and p.required_diploma == "thcs"
        and not p.is_unverified
        and not p.group_ids
    ]
    assert found, "the seed catalogue must hold the THCS -> trung cấp exemption"
    return found[0]


def test_acceptance_parent_trung_cap_gets_the_exemption_first_with_a_compact_legal_basis(session):
    messages, events = run_action(ActionSupportPolicy(), load_tracker("parent_trung_cap_exemption"))
    main = national_exemption(session)
    first = messages[0]["text"]
    assert first.startswith("Có: con anh/chị học trung cấp sau lớp 9 được miễn 100% học phí")
    assert f"Căn cứ: {short_citation(main)}" in first and short_citation(main) == "NĐ 238/2025/NĐ-CP"
    assert len(first) <= FIRST_BUBBLE_CHARS
    text = texts(messages)
    assert "anh/chị" in text and " bạn " not in f" {text} "
    assert not any(marker in text for marker in INTERNAL)
    assert main.source not in text  # research provenance stays behind the "Nguồn" button
    assert any(b["title"] == "Nguồn" for m in messages for b in (m.get("buttons") or []))
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["last_topic"] == "support_policy" and f"policy:{main.id}" in slots["last_sources"]


def test_acceptance_student_vinh_tuong_learns_no_local_policy_and_whom_to_ask(session):
    messages, _ = run_action(ActionSupportPolicy(), load_tracker("student_vinh_tuong_allowance"))
    text = texts(messages)
    area = get_area(session, "vinh_tuong")
    assert area_specific_policies(session, "vinh_tuong", on=TODAY) == []
    assert f"{area.name}: dữ liệu của mình chưa có quyết định hỗ trợ học nghề riêng của huyện" in text
    assert "1/7/2025" in text and "UBND xã/phường" in text and "Sở GD&ĐT" in text
    assert all(unit.name in text for unit in units_of_former_district(session, "vinh_tuong"))
    assert "em" in text.split() and "anh/chị" not in text
    # a provincial allowance that needs a THPT diploma is named with that condition
    allowances = [
        p
        for p in applicable_policies(session, level="trung_cap", area="vinh_tuong", on=TODAY)
        if p.required_diploma == "thpt"
    ]
    assert allowances, "seed: an allowance for THPT graduates applies"
    assert "chỉ khi đã có bằng tốt nghiệp THPT" in text


def test_group_buttons_are_offered_only_while_no_group_is_known(session):
    _, messages, _ = answer({"user_role": "student"})
    titles = [b["title"] for m in messages for b in (m.get("buttons") or [])]
    assert "Hộ nghèo" in titles and "Dân tộc thiểu số" in titles
    _, messages, _ = answer({"user_role": "student", "beneficiary_group": ["none"]})
    titles = [b["title"] for m in messages for b in (m.get("buttons") or [])]
    assert "Hộ nghèo" not in titles and "Nguồn" in titles


def test_each_known_group_gets_its_support_or_an_honest_gap(session):
    text, _, _ = answer({"user_role": "parent", "beneficiary_group": ["ho_can_ngheo", "dan_toc_thieu_so"]})
    dtts = [
        p
        for p in applicable_policies(session, level="trung_cap", groups=["dan_toc_thieu_so"], on=TODAY)
        if "dan_toc_thieu_so" in (p.group_ids or [])
    ]
    assert dtts and f"{dtts[0].percent}% học phí" in text
    assert dtts[0].conditions in text  # the condition that decides eligibility is shown
    assert "Với hộ cận nghèo: dữ liệu của mình chưa có khoản hỗ trợ riêng" in text


@pytest.mark.parametrize("level", ["so_cap", "trung_cap", "cao_dang", NO_VALUE])
def test_expired_nq_19_2021_is_never_offered_as_current(session, level):
    expired = [
        p
        for p in applicable_policies(session, area="vinh_phuc", on=dt.date(2024, 6, 1))
        if p.legal_basis_number and p.legal_basis_number.startswith("19/2021")
    ]
    assert expired and all(p.valid_to < TODAY for p in expired), "seed: NQ 19/2021 exists and has expired"
    areas = ["vinh_phuc", "vinh_tuong", "vinh_yen", "phu_tho", "vinh_thanh", NO_VALUE]
    groups = [["none"], ["ho_ngheo"], ["khuyet_tat", "mo_coi"]]
    for area, group in itertools.product(areas, groups):
        text, messages, _ = answer({"level": level, "area": area, "beneficiary_group": group})
        assert "19/2021" not in text, (area, group)
        assert len(messages[0]["text"]) <= FIRST_BUBBLE_CHARS and all(
            len(m["text"]) <= 1500 for m in messages
        )


def test_answers_follow_the_date_policy_in_force_then(session, monkeypatch):
    """On a date when NQ 19/2021 was in force and NĐ 238 did not exist, the answer changes."""
    monkeypatch.setenv("BOT_TODAY", "2024-06-01")
    text, _, _ = answer({"level": "cao_dang", "area": "vinh_yen", "beneficiary_group": ["none"]})
    assert "19/2021/NQ-HĐND" in text and "238/2025" not in text


def test_unverified_policies_are_never_stated_as_facts(session):
    unverified = [p for p in applicable_policies(session, level="trung_cap", on=TODAY) if p.is_unverified]
    assert unverified, "seed: an unverified exemption applies to trung cấp"
    text, _, _ = answer({"level": "trung_cap", "beneficiary_group": ["none"]})
    assert not any(p.title in text for p in unverified)


def test_group_specific_amounts_come_from_the_catalogue(session):
    text, _, _ = answer({"level": "so_cap", "beneficiary_group": ["ho_can_ngheo"]})
    policies = [
        p
        for p in applicable_policies(session, level="so_cap", groups=["ho_can_ngheo"], on=TODAY)
        if p.amount_vnd and "ho_can_ngheo" in (p.group_ids or [])
    ]
    assert policies
    for policy in policies:
        assert f"{policy.amount_vnd:,}".replace(",", ".") in text


def test_typed_names_map_to_ids_and_unknown_ones_are_asked_again():
    tracker = make_tracker({"user_role": "student"})
    dispatcher = CollectingDispatcher()
    assert validated_id("Vĩnh Tường", "area", dispatcher, tracker) == "vinh_tuong"
    assert validated_id("vinh tuong", "area", dispatcher, tracker) == "vinh_tuong"
    assert validated_id(NO_VALUE, "area", dispatcher, tracker) == NO_VALUE
    assert validated_id("tc", "level", dispatcher, tracker) == "trung_cap"
    assert dispatcher.messages == []
    assert validated_id("Hà Giang xa xôi", "area", dispatcher, tracker) is None
    assert "chưa tìm thấy" in texts(dispatcher.messages) and "dữ liệu của mình" in texts(dispatcher.messages)


def test_household_groups_accumulate_and_the_register_does_not_switch():
    action = ValidateSlotMappings()
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        {"beneficiary_group": ["ho_can_ngheo"]},
        entities=[entity("beneficiary_group", "dan_toc_thieu_so")],
        text="nhà tôi còn là dân tộc thiểu số",
    )
    assert asyncio.run(action.extract_beneficiary_group(dispatcher, tracker, {})) == {
        "beneficiary_group": ["ho_can_ngheo", "dan_toc_thieu_so"]
    }
    tracker = make_tracker(
        {"beneficiary_group": ["none"]}, entities=[entity("beneficiary_group", "ho_ngheo")], text="hộ nghèo"
    )
    assert asyncio.run(action.extract_beneficiary_group(dispatcher, tracker, {})) == {
        "beneficiary_group": ["ho_ngheo"]
    }
    for text, role in (
        ("chị là mẹ cháu", "parent"),
        ("Chào em, cô muốn hỏi học phí cho con", "parent"),
        ("9+ la j z ad", "student"),
        ("phụ huynh", "parent"),
    ):
        tracker = make_tracker({}, text=text)
        assert asyncio.run(action.extract_user_role(dispatcher, tracker, {})) == {"user_role": role}, text
    # a parent who later writes "cảm ơn em" or "co" stays a parent; an explicit statement changes it
    assert (
        asyncio.run(
            action.extract_user_role(dispatcher, make_tracker({"user_role": "parent"}, text="e thich ve"), {})
        )
        == {}
    )
    assert asyncio.run(
        action.extract_user_role(dispatcher, make_tracker({"user_role": "parent"}, text="em là học sinh"), {})
    ) == {"user_role": "student"}
