"""Support policies: facts checked against the catalogue, never against strings
typed into the test."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest

from actions.common import NO_VALUE
from actions.policies import ActionSupportPolicy, ValidateSupportPolicyForm
from bot.catalog import queries
from tests.actions.helpers import load_tracker, make_tracker, run_action, texts

TODAY = dt.date.today()


def answer(slots):
    messages, events = run_action(ActionSupportPolicy(), make_tracker(slots, intent="ask_support_policy"))
    return texts(messages), messages, events


def test_acceptance_parent_trung_cap_gets_national_exemption_with_legal_basis(session):
    messages, events = run_action(ActionSupportPolicy(), load_tracker("parent_trung_cap_exemption"))
    text = texts(messages)
    exemptions = [p for p in queries.applicable_policies(session, level="trung_cap", on=TODAY)
                  if p.benefit_kind == "mien_hoc_phi" and p.required_diploma == "thcs" and not p.is_unverified]
    assert exemptions, "the seed catalogue must hold the THCS -> trung cấp exemption"
    main = exemptions[0]
    assert main.legal_basis_number == "238/2025/NĐ-CP"
    assert main.title in text and main.legal_basis_number in text
    replaced = queries.policies_superseded_by(session, main.id)
    assert replaced and all(f"Thay thế {p.legal_basis_number}" in text for p in replaced)
    assert main.checked_on.strftime("%d/%m/%Y") in text and (main.source_url or main.source) in text
    assert "anh/chị" in text.lower()
    assert {"event": "slot", "timestamp": None, "name": "last_topic", "value": "support_policy"} in events


def test_acceptance_student_vinh_tuong_learns_no_district_policy_and_whom_to_ask(session):
    messages, _ = run_action(ActionSupportPolicy(), load_tracker("student_vinh_tuong_allowance"))
    text = texts(messages)
    area = queries.get_area(session, "vinh_tuong")
    assert queries.area_specific_policies(session, "vinh_tuong", on=TODAY) == []
    assert f"Không có chính sách riêng nào của {area.name}" in text
    assert area.abolished_on.strftime("%d/%m/%Y") in text
    assert "UBND xã/phường" in text and "Sở GD&ĐT" in text
    assert "em" in text.split() and "anh/chị" not in text
    # the provincial allowance in force is named with its condition (THPT diploma)
    allowances = [p for p in queries.applicable_policies(session, level="trung_cap", area="vinh_tuong", on=TODAY)
                  if p.benefit_kind == "ho_tro_hang_thang"]
    for policy in allowances:
        assert policy.legal_basis_number in text
        if policy.required_diploma == "thpt":
            assert "bằng tốt nghiệp THPT" in text


@pytest.mark.parametrize("level", ["so_cap", "trung_cap", "cao_dang", NO_VALUE])
def test_expired_nq_19_2021_is_never_offered_as_current(session, level):
    expired = [p for p in queries.applicable_policies(session, area="vinh_phuc", on=dt.date(2024, 6, 1))
               if p.legal_basis_number and p.legal_basis_number.startswith("19/2021")]
    assert expired and all(p.valid_to < TODAY for p in expired), "seed: NQ 19/2021 exists and has expired"
    areas = ["vinh_phuc", "vinh_tuong", "vinh_yen", "phu_tho", "vinh_thanh", NO_VALUE]
    groups = [["none"], ["ho_ngheo"], ["khuyet_tat", "mo_coi"]]
    for area, group in itertools.product(areas, groups):
        text, _, _ = answer({"level": level, "area": area, "beneficiary_group": group})
        assert "19/2021" not in text, (area, group)


def test_answers_follow_the_date_policy_in_force_then(session, monkeypatch):
    """On a date when NQ 19/2021 was in force and NĐ 238 did not exist, the answer changes."""
    monkeypatch.setenv("BOT_TODAY", "2024-06-01")
    text, _, _ = answer({"level": "cao_dang", "area": "vinh_yen", "beneficiary_group": ["none"]})
    assert "19/2021/NQ-HĐND" in text and "238/2025" not in text and "01/06/2024" in text


def test_unverified_policies_are_flagged(session):
    policies = queries.applicable_policies(session, level="trung_cap", on=TODAY)
    assert any(p.is_unverified for p in policies), "seed: an unverified policy applies to trung cấp"
    text, _, _ = answer({"level": "trung_cap", "area": NO_VALUE, "beneficiary_group": ["none"]})
    for policy in policies:
        if policy.is_unverified and policy.title in text:
            block = text[text.index(policy.title):].split("\n")[0]
            assert "CHƯA KIỂM CHỨNG" in block and "chưa kiểm chứng" in block


def test_group_specific_amounts_come_from_the_catalogue(session):
    text, _, _ = answer({"level": "so_cap", "area": NO_VALUE, "beneficiary_group": ["ho_can_ngheo"]})
    policies = queries.applicable_policies(session, level="so_cap", groups=["ho_can_ngheo"], on=TODAY)
    with_amount = [p for p in policies if p.amount_vnd][:2]
    assert with_amount
    for policy in with_amount:
        if policy.title in text:
            assert f"{policy.amount_vnd:,}".replace(",", ".") in text


def test_validation_maps_typed_names_to_ids_and_rejects_unknown():
    form = ValidateSupportPolicyForm()
    tracker = make_tracker({"user_role": "student"})
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    assert form.validate_area("Vĩnh Tường", dispatcher, tracker, {}) == {"area": "vinh_tuong"}
    assert form.validate_area("vinh tuong", dispatcher, tracker, {}) == {"area": "vinh_tuong"}
    assert form.validate_area(NO_VALUE, dispatcher, tracker, {}) == {"area": NO_VALUE}
    assert form.validate_level("tc", dispatcher, tracker, {}) == {"level": "trung_cap"}
    assert dispatcher.messages == []
    assert form.validate_area("Hà Giang xa xôi", dispatcher, tracker, {}) == {"area": None}
    assert "chưa tìm thấy" in texts(dispatcher.messages)
    assert form.validate_beneficiary_group(["none"], dispatcher, tracker, {}) == {"beneficiary_group": ["none"]}
