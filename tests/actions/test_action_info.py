"""Levels, 9+ route, schools, admission, prospects, liên thông, paths: every
fact in a reply is looked up in the catalogue by the test as well."""

from __future__ import annotations

import datetime as dt

from actions.common import FIRST_BUBBLE_CHARS
from actions.info import (
    ActionAdmission,
    ActionCareerProspects,
    ActionCombinedRoute,
    ActionComparePaths,
    ActionFurtherStudy,
    ActionSchoolInfo,
    ActionVocationalLevels,
    route_duration,
)
from bot.catalog.geography import area_label
from bot.catalog.names import get_institution, get_level, get_occupation, get_policy
from bot.catalog.present import confidence_phrase, short_citation
from bot.catalog.rules import applicable_policies
from bot.catalog.search import institutions_with_combined_route
from tests.actions.helpers import entity, make_tracker, run_action, texts

LEVELS = ("so_cap", "trung_cap", "cao_dang")


def test_levels_all_three_with_duration_entry_after_and_a_compact_citation(session):
    messages, events = run_action(ActionVocationalLevels(), make_tracker(intent="ask_vocational_levels"))
    text = texts(messages)
    for level_id in LEVELS:
        level = get_level(session, level_id)
        for fact in (level.name, level.duration, level.entry, level.after):
            assert fact in text, fact
        assert level.source not in text  # research provenance stays behind "Nguồn"
    assert "Căn cứ: Luật 74/2014/QH13" in text or "Nguồn" in [b["title"] for b in messages[-1]["buttons"]]
    assert len(messages[0]["text"]) <= FIRST_BUBBLE_CHARS
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert {f"level:{l}" for l in LEVELS} <= set(slots["last_sources"])


def test_a_duration_question_about_one_level_gets_the_duration_first(session):
    tracker = make_tracker(
        intent="ask_vocational_levels", entities=[entity("level", "trung_cap")], text="trung cap hoc may nam"
    )
    messages, _ = run_action(ActionVocationalLevels(), tracker)
    level = get_level(session, "trung_cap")
    assert messages[0]["text"].startswith(f"Thời gian học {level.name.lower()}: {level.duration}.")


def test_levels_only_the_ones_asked(session):
    tracker = make_tracker(intent="ask_vocational_levels", entities=[entity("level", "so_cap")])
    text = texts(run_action(ActionVocationalLevels(), tracker)[0])
    assert get_level(session, "so_cap").duration in text
    assert get_level(session, "cao_dang").name not in text


def route(text, slots=None):
    tracker = make_tracker(slots or {"user_role": "student"}, intent="ask_combined_route", text=text)
    return run_action(ActionCombinedRoute(), tracker)


def test_combined_route_questions_get_different_answers(session):
    level = get_level(session, "trung_cap")
    answers = {
        q: texts(route(q)[0])
        for q in (
            "9+ la j z ad",
            "hoc 9+ xong co dc thi dh ko",
            "the hoc 9+ mat bn tien",
            "9+ hoc may nam vay ad",
            "hoc 9+ thi duoc nhung bang gi",
        )
    }
    assert len(set(answers.values())) == len(answers)
    assert "trung cấp" in answers["9+ la j z ad"] and "văn hóa" in answers["9+ la j z ad"]
    assert answers["hoc 9+ xong co dc thi dh ko"].startswith("Có, nếu em có bằng tốt nghiệp THPT")
    assert level.after in answers["hoc 9+ xong co dc thi dh ko"]
    exemption = next(
        p
        for p in applicable_policies(session, level="trung_cap", on=dt.date.today())
        if p.benefit_kind == "mien_hoc_phi"
        and p.required_diploma == "thcs"
        and not p.is_unverified
        and not p.group_ids
    )
    assert "miễn 100% học phí" in answers["the hoc 9+ mat bn tien"]
    assert f"Căn cứ: {short_citation(exemption)}" in answers["the hoc 9+ mat bn tien"]
    culture = [
        p
        for p in applicable_policies(session, level="trung_cap", on=dt.date.today())
        if p.benefit_kind == "mien_hoc_phi" and "GDTX" in p.title and not p.group_ids
    ]
    if culture:
        assert "Phần văn hóa THPT (GDTX)" in answers["the hoc 9+ mat bn tien"]
        if culture[0].is_unverified:
            assert "chưa được xác nhận" in answers["the hoc 9+ mat bn tien"]
    assert answers["9+ hoc may nam vay ad"].startswith(f"Lộ trình 9+ học {route_duration(level)}")
    assert route_duration(level) in level.duration
    assert "bằng tốt nghiệp trung cấp" in answers["hoc 9+ thi duoc nhung bang gi"]
    for text in answers.values():
        assert "(V," not in text and "domain-facts" not in text and "§" not in text


def test_combined_route_places_nearest_first_with_a_next_step(session):
    messages, _ = route("hoc 9+ o dau", {"area": "vinh_tuong", "user_role": "student"})
    text = texts(messages)
    schools = institutions_with_combined_route(session, area="vinh_tuong")
    assert schools
    positions = [text.index(s.name) for s in schools[:4]]
    assert positions == sorted(positions)
    assert "Bước tiếp" in text and messages[-1]["buttons"]


def test_trung_hoc_nghe_is_answered_honestly(session):
    messages, _ = route("trung hoc nghe la j v ad")
    text = texts(messages)
    assert "Trung học nghề" in text
    if get_level(session, "trung_hoc_nghe") is None:
        assert "chưa có trong dữ liệu của mình" in text and "Sở GD&ĐT Phú Thọ" in text


def test_school_info_merged_school_points_to_successor(session):
    tracker = make_tracker(intent="ask_school_info", entities=[entity("school", "cd_nghe_vinh_phuc")])
    messages, events = run_action(ActionSchoolInfo(), tracker)
    text = texts(messages)
    old = get_institution(session, "cd_nghe_vinh_phuc")
    assert old.status == "merged_into"
    assert old.successor.name in text and "sáp nhập" in text
    assert old.successor.address in text
    assert {"event": "slot", "timestamp": None, "name": "school", "value": old.successor.id} in events


def test_school_info_unverified_school_is_flagged(session):
    school = next(
        i
        for i in (get_institution(session, x) for x in ("cd_cong_nghiep_phuc_yen", "cd_co_khi_nong_nghiep"))
        if i and i.is_unverified
    )
    tracker = make_tracker(
        {"user_role": "parent"}, intent="ask_school_info", entities=[entity("school", school.id)]
    )
    text = texts(run_action(ActionSchoolInfo(), tracker)[0])
    assert school.name in text and confidence_phrase(school) in text and "anh/chị" in text
    assert "ĐT:" not in text  # no phone is invented


def test_school_info_without_a_school_lists_them_and_offers_buttons(session):
    from bot.catalog.tables import all_records

    messages, _ = run_action(ActionSchoolInfo(), make_tracker(intent="ask_school_info"))
    assert messages[-1]["buttons"] and all(
        b["payload"].startswith("/ask_school_info") for b in messages[-1]["buttons"]
    )
    active = [i for i in all_records(session, "institutions") if i.is_active]
    assert all(i.name.replace("Trường ", "") in texts(messages) for i in active)


def test_admission_gives_entry_conditions_and_admits_what_is_missing(session):
    tracker = make_tracker(intent="ask_admission", entities=[entity("level", "trung_cap")])
    text = texts(run_action(ActionAdmission(), tracker)[0])
    assert get_level(session, "trung_cap").entry in text
    assert "chưa có trong dữ liệu của mình" in text and "Sở GD&ĐT" in text and "Bước tiếp" in text


def test_career_prospects_never_invents_pay(session):
    tracker = make_tracker(intent="ask_career_prospects", entities=[entity("occupation", "han")])
    text = texts(run_action(ActionCareerProspects(), tracker)[0])
    assert get_occupation(session, "han").name in text
    assert "chưa có trong dữ liệu của mình" in text and "thầy cô tư vấn gọi lại" in text
    assert "triệu" not in text and "đ/tháng" not in text


def test_further_study_cites_levels(session):
    text = texts(run_action(ActionFurtherStudy(), make_tracker(intent="ask_further_study"))[0])
    assert text.startswith("Có, nếu có bằng tốt nghiệp THPT")
    for level_id in ("trung_cap", "cao_dang"):
        assert get_level(session, level_id).after in text
    text = texts(
        run_action(
            ActionFurtherStudy(),
            make_tracker(intent="ask_further_study", text="hoc xong trung cap co bang cap 3 ko ad"),
        )[0]
    )
    assert text.startswith("Không tự động")


def test_compare_paths_names_the_exemption_and_does_not_invent_grade_10_figures(session):
    text = texts(run_action(ActionComparePaths(), make_tracker(intent="compare_paths"))[0])
    assert text.startswith("Tùy") and "Căn cứ: NĐ 238/2025/NĐ-CP" in text
    assert "chưa có trong dữ liệu của mình" in text


def test_a_worried_student_gets_reassurance_before_facts():
    messages, _ = run_action(
        ActionComparePaths(),
        make_tracker({"user_role": "student"}, intent="compare_paths", text="e so truot cap 3 bo me mang"),
    )
    assert messages[0]["text"].startswith("Em đừng lo")
    assert messages[0]["text"].index("đừng lo") < messages[0]["text"].index("Tùy")


def test_law_questions_name_the_laws_in_force_and_what_is_not_settled(session):
    laws = [get_policy(session, i) for i in ("luat_124_2025_gdnn", "luat_123_2025_giao_duc")]
    tracker = make_tracker(
        intent="ask_vocational_levels", text="luat giao duc nghe nghiep moi la luat so may"
    )
    messages, _ = run_action(ActionVocationalLevels(), tracker)
    text = texts(messages)
    for law in laws:
        assert law.legal_basis_number in text and law.notes in text
    from actions.common import vn_date

    assert vn_date(laws[0].valid_from) in messages[0]["text"]


def test_province_plan_states_the_target_from_the_record(session):
    from actions.province import ActionContactOffice, ActionProvincePlan

    plan = get_policy(session, "kh_220_2023_vp")
    messages, events = run_action(
        ActionProvincePlan(), make_tracker(intent="ask_province_plan", text="kh 220")
    )
    first = messages[0]["text"]
    assert plan.conditions in first and short_citation(plan) in first
    assert confidence_phrase(plan) in texts(messages), "a partly verified plan is said as such"
    assert any(e.get("name") == "last_sources" and "policy:kh_220_2023_vp" in e["value"] for e in events)
    messages, _ = run_action(
        ActionContactOffice(), make_tracker(intent="ask_contact_office", text="sdt so gd")
    )
    assert messages[0]["text"].startswith("Sở GD&ĐT tỉnh Phú Thọ")
    assert "chưa có trong dữ liệu của mình" in texts(messages), "a phone we do not have is said as missing"


def test_an_area_alone_gets_the_nearest_9plus_places(session):
    from actions.dialogue import ActionInformFollowup

    tracker = make_tracker(
        {"area": "te_lo", "user_role": "student"}, entities=[entity("area", "te_lo")], text="em o xa Te Lo"
    )
    messages, _ = run_action(ActionInformFollowup(), tracker)
    text = texts(messages)
    assert area_label(session, "te_lo") in text
    nearest = institutions_with_combined_route(session, area="te_lo")[0]
    assert nearest.name in text and "ghi nhận" not in text


def test_the_finder_answers_9plus_where_without_asking_a_trade(session):
    from actions.common import NO_VALUE
    from actions.programmes import ActionFindProgrammes

    tracker = make_tracker(
        {"area": "binh_nguyen", "occupation": NO_VALUE},
        intent="find_programme",
        text="hoc sinh lop 9 o xa binh nguyen muon hoc 9+ thi hoc o dau",
    )
    messages, _ = run_action(ActionFindProgrammes(), tracker)
    text = texts(messages)
    assert institutions_with_combined_route(session, area="binh_nguyen")[0].name in text
    assert "chưa chọn nghề" not in text
