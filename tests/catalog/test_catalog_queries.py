"""Queries on the seed catalogue, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from bot.catalog.admissions import admission_calendar, latest_school_year
from bot.catalog.geography import (
    area_label,
    area_meanings,
    current_units,
    former_district,
    former_districts_of,
    successors_of_former_commune,
    units_of_former_district,
)
from bot.catalog.names import (
    get_area,
    get_group,
    get_institution,
    get_level,
    get_occupation,
    get_policy,
    lookup_area,
    lookup_group,
    lookup_institution,
    lookup_level,
    lookup_occupation,
)
from bot.catalog.present import confidence_phrase, short_citation, sources_of, user_facing_texts
from bot.catalog.rules import applicable_policies, area_specific_policies, district_support
from bot.catalog.search import (
    find_programmes,
    institutions_teaching,
    institutions_with_combined_route,
    occupations_by_riasec,
    occupations_taught,
)
from bot.catalog.tables import all_records

TODAY = dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    "text",
    [
        "vinh tuong",
        "Vĩnh Tường",
        "VINH TUONG",
        "h vinh tuong",
        "h. Vĩnh Tường",
        "huyện Vĩnh Tường",
        "huyen vinh tuong",
        unicodedata.normalize("NFD", "Vĩnh Tường"),
        "VT",
        "vinh_tuong",
        "vinh tuong cu",
        "vinh tuongg",
        "Vinh Tưong",
    ],
)
def test_lookup_area_spellings(session, text):
    area = lookup_area(session, text)
    assert area is not None and area.id == "vinh_tuong"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("TP Vĩnh Yên", "vinh_yen"),
        ("thành phố Phúc Yên", "phuc_yen"),
        ("tp phuc yen", "phuc_yen"),
        ("xã Vĩnh Thành", "vinh_thanh"),
        ("Lũng Hoà", "lung_hoa"),
        ("tam dao", "tam_dao"),
        ("tam duong", "tam_duong"),
        ("Phú Thọ", "phu_tho"),
        ("tỉnh Vĩnh Phúc", "vinh_phuc"),
    ],
)
def test_lookup_area_other_units(session, text, expected):
    assert lookup_area(session, text).id == expected


def test_lookup_area_rejects_unknown_and_short_noise(session):
    assert lookup_area(session, "Hà Nội") is None
    assert lookup_area(session, "") is None
    assert lookup_area(session, "XY") is None


@pytest.mark.parametrize(
    "text,expected",
    [
        ("điện CN", "dien_cong_nghiep"),
        ("dien cong nghiep", "dien_cong_nghiep"),
        ("Điện công nghệp", "dien_cong_nghiep"),
        ("ô tô", "cong_nghe_o_to"),
        ("IT", "cong_nghe_thong_tin"),
        ("tin học", "cong_nghe_thong_tin"),
        ("nghề hàn", "han"),
        ("mầm non", "giao_duc_mam_non"),
    ],
)
def test_lookup_occupation(session, text, expected):
    assert lookup_occupation(session, text).id == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("sơ cấp", "so_cap"),
        ("sc", "so_cap"),
        ("TC", "trung_cap"),
        ("trung cap", "trung_cap"),
        ("cao dang", "cao_dang"),
        ("CĐ", "cao_dang"),
        ("hệ cao đẳng", "cao_dang"),
    ],
)
def test_lookup_level(session, text, expected):
    assert lookup_level(session, text).id == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("hộ nghèo", "ho_ngheo"),
        ("nha ngheo", "ho_ngheo"),
        ("cận nghèo", "ho_can_ngheo"),
        ("dân tộc", "dan_toc_thieu_so"),
        ("khuyết tật", "khuyet_tat"),
        ("mồ côi", "mo_coi"),
    ],
)
def test_lookup_group(session, text, expected):
    assert lookup_group(session, text).id == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("trường cao đẳng kỹ thuật công nghệ vĩnh phúc", "cd_ktcn_vinh_phuc"),
        ("CĐ KTCN VP", "cd_ktcn_vinh_phuc"),
        ("cao dang nghe viet duc", "cd_nghe_vinh_phuc"),
        ("Cao đẳng Vĩnh Phúc", "cd_vinh_phuc"),
    ],
)
def test_lookup_institution(session, text, expected):
    assert lookup_institution(session, text).id == expected


def test_current_units_and_former_district(session):
    assert [a.id for a in current_units(session, "vinh_tuong")] == [
        "tho_tang",
        "vinh_an",
        "vinh_hung",
        "vinh_phu",
        "vinh_thanh",
        "xa_vinh_tuong",
    ]
    assert [a.id for a in current_units(session, "yen_lac")] == [
        "lien_chau",
        "nguyet_duc",
        "tam_hong",
        "te_lo",
        "xa_yen_lac",
    ]
    assert [a.id for a in current_units(session, "lung_hoa")] == ["vinh_thanh"]
    assert [a.id for a in current_units(session, "vinh_thanh")] == ["vinh_thanh"]
    assert [a.id for a in current_units(session, "vinh_phuc")] == ["phu_tho"]
    assert former_district(session, "vinh_thanh").id == "vinh_tuong"
    assert former_district(session, "tan_phu").id == "vinh_tuong"
    assert former_district(session, "yen_lac").id == "yen_lac"
    assert former_district(session, "phu_tho") is None
    assert former_district(session, "xã Bình Nguyên").id == "binh_xuyen"


def test_every_former_district_has_its_units_of_today(session):
    units = {
        d: [a.id for a in units_of_former_district(session, d)]
        for d in (
            "vinh_yen",
            "phuc_yen",
            "binh_xuyen",
            "yen_lac",
            "vinh_tuong",
            "tam_duong",
            "tam_dao",
            "lap_thach",
            "song_lo",
        )
    }
    assert all(units.values()), units
    assert sum(len(v) for v in units.values()) == 36
    assert units["tam_duong"] == ["hoang_an", "hoi_thinh", "tam_duong_bac", "xa_tam_duong"]
    assert units_of_former_district(session, "Hà Nội") == []


@pytest.mark.parametrize(
    "text,expected",
    [
        ("xã Vĩnh Tường", "xa_vinh_tuong"),
        ("xa vinh tuong", "xa_vinh_tuong"),
        ("Vĩnh Tường", "vinh_tuong"),
        ("huyện Vĩnh Tường", "vinh_tuong"),
        ("phường Vĩnh Yên", "phuong_vinh_yen"),
        ("p. vĩnh yên", "phuong_vinh_yen"),
        ("Vĩnh Yên", "vinh_yen"),
        ("xã Bình Xuyên", "xa_binh_xuyen"),
        ("Bình Xuyên", "binh_xuyen"),
        ("phường Vĩnh Phúc", "phuong_vinh_phuc"),
        ("Vĩnh Phúc", "vinh_phuc"),
        ("xa binh nguyen", "binh_nguyen"),
        ("p. xuân hòa", "xuan_hoa"),
        ("P. Xuân Hoà", "xuan_hoa"),
        ("xã Hợp Lý", "hop_ly"),
    ],
)
def test_shared_names_keep_commune_and_former_district_apart(session, text, expected):
    assert lookup_area(session, text).id == expected


def test_area_meanings_label_and_former_communes(session):
    assert [a.id for a in area_meanings(session, "Vĩnh Tường")] == ["vinh_tuong", "xa_vinh_tuong"]
    assert [a.id for a in area_meanings(session, "xã Vĩnh Tường")] == ["xa_vinh_tuong", "vinh_tuong"]
    assert [a.id for a in area_meanings(session, "Bình Nguyên")] == ["binh_nguyen"]
    assert area_meanings(session, "Hà Nội") == []
    assert area_label(session, "binh_nguyen") == "xã Bình Nguyên (huyện Bình Xuyên cũ)"
    assert area_label(session, "vinh_tuong") == "huyện Vĩnh Tường (cũ)"
    assert area_label(session, "nowhere") is None
    assert [a.id for a in successors_of_former_commune(session, "thị trấn Tam Sơn")] == ["tam_son"]
    assert [a.id for a in successors_of_former_commune(session, "xa duc bac")] == ["xa_song_lo"]
    assert [a.id for a in successors_of_former_commune(session, "Lũng Hòa")] == ["vinh_thanh"]
    assert successors_of_former_commune(session, "Hương Canh") == []  # no source read for it
    assert [a.id for a in former_districts_of(session, "son_dong")] == ["lap_thach"]


def test_policy_dates_nq19_expired_today_in_force_2023(session):
    today = {p.id for p in applicable_policies(session, level="trung_cap", area="vinh_tuong", on=TODAY)}
    assert "nq_19_2021_vp_trung_cap" not in today
    in_2023 = {
        p.id
        for p in applicable_policies(session, level="trung_cap", area="vinh_tuong", on=dt.date(2023, 6, 1))
    }
    assert "nq_19_2021_vp_trung_cap" in in_2023
    assert "nd_81_2021_thcs_trung_cap" in in_2023 and "nd_81_2021_thcs_trung_cap" not in today
    assert "nd_238_2025_thcs_trung_cap" in today and "nd_238_2025_thcs_trung_cap" not in in_2023


def test_policy_dates_nq36_from_2026(session):
    before = {
        p.id
        for p in applicable_policies(session, level="cao_dang", area="vinh_yen", on=dt.date(2025, 12, 31))
    }
    after = {
        p.id for p in applicable_policies(session, level="cao_dang", area="vinh_yen", on=dt.date(2026, 1, 1))
    }
    assert "nq_36_2025_pt_ho_tro_hang_thang" not in before
    assert "nq_36_2025_pt_ho_tro_hang_thang" in after
    # reached through a new commune too (vinh_thanh -> phu_tho)
    via_commune = {
        p.id for p in applicable_policies(session, level="trung_cap", area="xã Vĩnh Thành", on=TODAY)
    }
    assert "nq_36_2025_pt_ho_tro_hang_thang" in via_commune


def test_policies_filter_by_level_and_group(session):
    poor = {p.id for p in applicable_policies(session, level="so_cap", groups=["ho_ngheo"], on=TODAY)}
    assert "qd_46_2015_3_trieu" in poor
    # QĐ 46: the 4-million group needs poor AND ethnic minority (all conditions)
    assert "qd_46_2015_ho_ngheo_dtts" not in poor
    poor_dtts = {
        p.id
        for p in applicable_policies(
            session, level="so_cap", groups=["ho_ngheo", "dan_toc_thieu_so"], on=TODAY
        )
    }
    assert {"qd_46_2015_3_trieu", "qd_46_2015_ho_ngheo_dtts"} <= poor_dtts
    assert "qd_46_2015_can_ngheo" not in poor and "qd_46_2015_khuyet_tat" not in poor
    no_group = {p.id for p in applicable_policies(session, level="so_cap", on=TODAY)}
    assert "qd_46_2015_3_trieu" not in no_group  # group-restricted
    assert "qd_46_2015_tien_an" in no_group  # no group restriction
    tc = {p.id for p in applicable_policies(session, level="trung_cap", on=TODAY)}
    assert not any(p.startswith("qd_46") for p in tc)
    plans = {
        p.id
        for p in applicable_policies(session, on=dt.date(2024, 1, 1), area="vinh_phuc", include_plans=True)
    }
    assert "kh_137_2019_vp_huong_nghiep" in plans
    assert "kh_137_2019_vp_huong_nghiep" not in {
        p.id for p in applicable_policies(session, on=dt.date(2024, 1, 1), area="vinh_phuc")
    }


def test_no_district_specific_policy_recorded(session):
    for area in ("vinh_tuong", "vinh_thanh", "yen_lac"):
        assert area_specific_policies(session, area, on=TODAY) == []


def test_nd_238_group_2_and_orphans(session):
    merit = {
        p.id for p in applicable_policies(session, level="trung_cap", groups=["con_thuong_binh"], on=TODAY)
    }
    assert "nd_238_2025_nguoi_co_cong" in merit
    orphan = get_policy(session, "nd_238_2025_mo_coi")
    assert "cả cha lẫn mẹ" in orphan.title and "không nơi nương tựa" in orphan.conditions


def test_district_support_past_today_and_successor(session):
    support = district_support(session, "Vĩnh Tường", level="trung_cap", on=TODAY)
    assert support.area.id == "vinh_tuong" and [d.id for d in support.former_districts] == ["vinh_tuong"]
    assert support.past == []  # no district decision found in any public source
    assert "het_cap_huyen_2025_vp" in {p.id for p in support.notices}
    assert "vinh_thanh" in {a.id for a in support.units_today}
    current = {p.id for p in support.current}
    assert "nd_238_2025_thcs_trung_cap" in current and "nq_19_2021_vp_trung_cap" not in current
    commune = district_support(session, "xã Vĩnh Thành", on=TODAY)
    assert [a.id for a in commune.units_today] == ["vinh_thanh"] and [
        d.id for d in commune.former_districts
    ] == ["vinh_tuong"]
    assert district_support(session, "Hà Nội") is None


def test_admission_calendar(session):
    events = admission_calendar(session)
    assert latest_school_year(session) == "2026-2027"
    assert {e.school_year for e in events} == {"2026-2027"}
    exam = next(e for e in events if e.id == "lop10_2026_thi")
    assert (exam.date_from, exam.date_to) == (dt.date(2026, 6, 1), dt.date(2026, 6, 2))
    assert exam.has_passed(TODAY) and not exam.has_passed(dt.date(2026, 6, 2))
    dated = [e.date_from for e in events if e.date_from]
    assert dated == sorted(dated)
    assert [e.id for e in admission_calendar(session, track="trung_hoc_nghe")] == [
        "trung_hoc_nghe_2026_tuyen_sinh"
    ]
    assert admission_calendar(session, school_year="2030-2031") == []


def test_presentation_helpers(session):
    nd238 = get_policy(session, "nd_238_2025_mo_coi")
    assert short_citation(nd238) == "NĐ 238/2025/NĐ-CP"
    assert short_citation(get_policy(session, "qd_46_2015_khuyet_tat")) == "QĐ 46/2015/QĐ-TTg"
    assert short_citation(get_policy(session, "luat_124_2025_gdnn")) == "Luật 124/2025/QH15"
    assert short_citation(get_policy(session, "nq_36_2025_pt_ho_tro_hang_thang")) == "NQ 36/2025/NQ-HĐND"
    assert short_citation(get_policy(session, "kh_220_2023_vp")) == "KH 220/KH-UBND"
    sources = sources_of(nd238)
    assert [s.url for s in sources] == nd238.source_urls and all(
        s.url.startswith("https://") for s in sources
    )
    assert sources[0].title.startswith("NĐ 238/2025/NĐ-CP: ") and sources[0].issuer == "Chính phủ"
    assert sources[0].date == dt.date(2025, 9, 3) and sources[0].checked_on == dt.date(2026, 12, 1)
    unsourced = sources_of(get_institution(session, "cd_nghe_so_2_bqp"))
    assert len(unsourced) == 1 and unsourced[0].url is None
    assert confidence_phrase(nd238) is None
    assert "một phần" in confidence_phrase(get_level(session, "trung_cap"))
    assert "chưa được kiểm chứng" in confidence_phrase(get_institution(session, "cd_nghe_so_2_bqp"))
    texts = user_facing_texts(get_institution(session, "cd_ktcn_vinh_phuc"))
    assert any("QĐ 1974" in t for t in texts) and not any("bản kiểm tra" in t for t in texts)


def test_programmes_ranked_by_distance(session):
    from_phuc_yen = find_programmes(session, area="phuc_yen", limit=20)
    assert (
        from_phuc_yen[0].institution.area_id in ("phuong_phuc_yen", "xuan_hoa")
        and from_phuc_yen[0].distance_km == 0.0
    )
    distances = [h.distance_km for h in from_phuc_yen]
    assert distances == sorted(distances)
    from_vinh_yen = find_programmes(session, area="vinh_yen", limit=20)
    assert from_vinh_yen[0].institution.id == "cd_ktcn_vinh_phuc"
    assert from_vinh_yen[0].distance_km < from_vinh_yen[-1].distance_km
    # a new commune without coordinates uses its former district's centre
    from_commune = find_programmes(session, occupation="han", area="vinh_thanh")
    from_district = find_programmes(session, occupation="han", area="vinh_tuong")
    assert from_commune[0].distance_km == from_district[0].distance_km is not None
    assert len(find_programmes(session, area="phuc_yen", limit=2)) == 2


def test_programme_filters(session):
    hits = find_programmes(session, occupation="dien_cong_nghiep", level="cao_dang")
    assert [h.institution.id for h in hits] == ["cd_ktcn_vinh_phuc", "cd_nghe_viet_xo_so_1"] or {
        h.institution.id for h in hits
    } == {"cd_ktcn_vinh_phuc", "cd_nghe_viet_xo_so_1"}
    assert hits[0].distance_km is None
    assert (
        find_programmes(session, occupation="dien_cong_nghiep", level="cao_dang", combined_route=True) == []
    )
    assert find_programmes(session, occupation="giao_duc_mam_non", level="trung_cap") == []
    assert find_programmes(session, occupation="giao_duc_mam_non", combined_route=True) == []
    assert [h.programme.id for h in find_programmes(session, occupation="mầm non", level="CĐ")] == [
        "cd_vinh_phuc__giao_duc_mam_non__cao_dang"
    ]
    assert find_programmes(session, occupation="phi công") == []
    # merged schools are never offered
    assert all(h.institution.status == "active" for h in find_programmes(session, limit=50))


def test_distinct_schools_and_occupations_follow_the_search(session):
    hits = find_programmes(session, limit=None)
    schools = institutions_teaching(session, limit=None)
    assert [s.id for s in schools] == list(dict.fromkeys(h.institution.id for h in hits))
    assert len(hits) > len(schools) > 2  # some schools teach several programmes
    assert institutions_teaching(session, limit=2) == schools[:2]
    occupations = occupations_taught(session)
    assert [o.id for o in occupations] == list(dict.fromkeys(h.programme.occupation_id for h in hits))
    school = schools[0]
    assert [o.id for o in occupations_taught(session, institution=school.name)] == list(
        dict.fromkeys(h.programme.occupation_id for h in hits if h.institution.id == school.id)
    )
    assert occupations_taught(session, institution="nowhere") == []
    welders = institutions_teaching(session, occupation="han")
    assert welders and {s.id for s in welders} == {
        h.institution.id for h in find_programmes(session, occupation="han", limit=None)
    }


def test_riasec_and_combined_route_institutions(session):
    realistic = [o.id for o in occupations_by_riasec(session, "RI", limit=3)]
    assert "giao_duc_mam_non" not in realistic and len(realistic) == 3
    assert occupations_by_riasec(session, ["S"], limit=1)[0].id == "giao_duc_mam_non"
    assert occupations_by_riasec(session, "") == []
    nine_plus = [i.id for i in institutions_with_combined_route(session, area="vinh_tuong")]
    assert (
        nine_plus[0] == "tt_gdnn_gdtx_vinh_tuong"
        and "cd_ktcn_vinh_phuc" in nine_plus
        and "ttgdtx_vinh_phuc" in nine_plus
    )


def test_get_by_id_and_confidence_helpers(session):
    policy = get_policy(session, "nq_36_2025_pt_ho_tro_hang_thang")
    assert (
        policy.amount_vnd == 800000
        and policy.unit == "đồng/người/tháng"
        and policy.issuer == "HĐND tỉnh Phú Thọ"
    )
    assert policy.valid_from == dt.date(2026, 1, 1) and policy.is_verified and not policy.is_unverified
    assert get_policy(session, "nd_238_2025_van_hoa_9plus_cong_lap").confidence == "P"
    assert get_policy(session, "nd_81_2021_thcs_trung_cap").superseded_by_id == "nd_238_2025_thcs_trung_cap"
    assert get_institution(session, "cd_nghe_vinh_phuc").successor_id == "cd_ktcn_vinh_phuc"
    renamed = get_institution(session, "cd_ktkt_vinh_phuc")
    assert (
        renamed.is_renamed
        and renamed.successor_id == "cd_ktcn_vinh_phuc"
        and renamed.status_since == dt.date(2024, 11, 29)
    )
    assert get_institution(session, "cd_co_khi_nong_nghiep").has_contact
    assert get_area(session, "vinh_tuong").abolished_on == dt.date(2025, 7, 1)
    assert get_level(session, "so_cap").confidence_label == "kiểm chứng một phần"
    assert get_group(session, "nobody") is None and get_occupation(session, "han").name == "Hàn"


def test_no_internal_note_in_any_user_facing_text(session):
    from bot.catalog.schema import INTERNAL_MARKERS, TABLE_FILES

    checked = 0
    for table in TABLE_FILES:
        for record in all_records(session, table):
            texts = user_facing_texts(record)
            assert not [t for t in texts if INTERNAL_MARKERS.search(t)], (table, record.id)
            if record.internal_notes:
                assert all(record.internal_notes not in t for t in texts), (table, record.id)
            checked += 1
    assert checked > 150
