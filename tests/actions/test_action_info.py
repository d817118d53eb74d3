"""Levels, 9+ route, schools, admission, prospects, liên thông, paths: every
fact in a reply is looked up in the catalogue by the test as well."""
from __future__ import annotations

import datetime as dt

from actions.info import (
    ActionAdmission,
    ActionCareerProspects,
    ActionCombinedRoute,
    ActionComparePaths,
    ActionFurtherStudy,
    ActionSchoolInfo,
    ActionVocationalLevels,
)
from bot.catalog import queries
from tests.actions.helpers import entity, make_tracker, run_action, texts

LEVELS = ("so_cap", "trung_cap", "cao_dang")


def test_levels_all_three_with_duration_entry_after_and_citation(session):
    messages, events = run_action(ActionVocationalLevels(), make_tracker(intent="ask_vocational_levels"))
    text = texts(messages)
    for level_id in LEVELS:
        level = queries.get_level(session, level_id)
        for fact in (level.name, level.duration, level.entry, level.after, level.source_url):
            assert fact in text, fact
    assert text.count("kiểm tra " + dt.date(2026, 11, 27).strftime("%d/%m/%Y")) >= 1 or "kiểm tra" in text


def test_levels_only_the_ones_asked(session):
    tracker = make_tracker(intent="ask_vocational_levels", entities=[entity("level", "so_cap")])
    text = texts(run_action(ActionVocationalLevels(), tracker)[0])
    assert queries.get_level(session, "so_cap").duration in text
    assert queries.get_level(session, "cao_dang").name not in text


def test_combined_route_duration_diplomas_upcoming_level_and_places_nearest_first(session):
    tracker = make_tracker({"area": "vinh_tuong", "user_role": "student"}, intent="ask_combined_route")
    messages, _ = run_action(ActionCombinedRoute(), tracker)
    text = texts(messages)
    level = queries.get_level(session, "trung_cap")
    assert level.duration in text and level.after in text and level.notes in text
    assert "trung học nghề" in text and "bằng trung cấp" in text and "không thi hoặc chưa đỗ" in text
    schools = queries.institutions_with_combined_route(session, area="vinh_tuong")
    assert schools
    # the reply is cut to one message; the schools it does show come nearest first
    positions = [text.index(s.name) for s in schools[:5] if s.name in text]
    assert len(positions) >= 2 and positions == sorted(positions)
    assert schools[0].name in text
    assert messages[0]["buttons"]


def test_school_info_merged_school_points_to_successor(session):
    tracker = make_tracker(intent="ask_school_info", entities=[entity("school", "cd_nghe_vinh_phuc")])
    messages, events = run_action(ActionSchoolInfo(), tracker)
    text = texts(messages)
    old = queries.get_institution(session, "cd_nghe_vinh_phuc")
    assert old.status == "merged_into"
    assert old.successor.name in text and "sáp nhập" in text
    assert old.successor.address in text
    assert {"event": "slot", "timestamp": None, "name": "school", "value": old.successor.id} in events


def test_school_info_unverified_school_is_flagged(session):
    school = next(i for i in (queries.get_institution(session, x) for x in
                              ("cd_cong_nghiep_phuc_yen", "cd_co_khi_nong_nghiep")) if i and i.is_unverified)
    tracker = make_tracker({"user_role": "parent"}, intent="ask_school_info", entities=[entity("school", school.id)])
    text = texts(run_action(ActionSchoolInfo(), tracker)[0])
    assert school.name in text and "CHƯA KIỂM CHỨNG" in text and "anh/chị" in text
    assert "ĐT: chưa có số có nguồn" in text  # no phone is invented


def test_school_info_without_a_school_offers_buttons():
    messages, _ = run_action(ActionSchoolInfo(), make_tracker(intent="ask_school_info"))
    assert messages[0]["buttons"] and all(b["payload"].startswith("/ask_school_info") for b in messages[0]["buttons"])


def test_admission_gives_entry_conditions_and_admits_what_is_missing(session):
    tracker = make_tracker(intent="ask_admission", entities=[entity("level", "trung_cap")])
    text = texts(run_action(ActionAdmission(), tracker)[0])
    assert queries.get_level(session, "trung_cap").entry in text
    assert "chưa có thông tin" in text and "Sở GD&ĐT" in text


def test_career_prospects_never_invents_pay(session):
    tracker = make_tracker(intent="ask_career_prospects", entities=[entity("occupation", "han")])
    text = texts(run_action(ActionCareerProspects(), tracker)[0])
    assert queries.get_occupation(session, "han").name in text
    assert "chưa có số liệu" in text
    assert "triệu" not in text and "đ/tháng" not in text


def test_further_study_cites_levels(session):
    text = texts(run_action(ActionFurtherStudy(), make_tracker(intent="ask_further_study"))[0])
    for level_id in ("trung_cap", "cao_dang"):
        assert queries.get_level(session, level_id).after in text


def test_compare_paths_names_the_exemption_and_does_not_invent_grade_10_figures(session):
    text = texts(run_action(ActionComparePaths(), make_tracker(intent="compare_paths"))[0])
    assert "238/2025/NĐ-CP" in text
    assert "không có chỉ tiêu" in text
