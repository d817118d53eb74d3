"""Data honesty checks on data/catalog/*.yml (no database needed)."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from bot.catalog.schema import TABLE_FILES, load_catalog

from .conftest import SEED_DIR

NLU_FILES = ("areas", "institutions", "occupations", "levels", "beneficiary_groups")


def _records(table):
    return yaml.safe_load((SEED_DIR / f"{table}.yml").read_text(encoding="utf-8"))[table]


def test_seed_validates():
    assert load_catalog(SEED_DIR).count() > 50


@pytest.mark.parametrize("table", TABLE_FILES)
def test_every_record_is_sourced_dated_and_rated(table):
    records = _records(table)
    assert records
    for record in records:
        assert isinstance(record.get("citation"), str) and record["citation"].strip(), record["id"]
        assert record.get("confidence") in {"V", "P", "U"}, record["id"]
        assert isinstance(record.get("checked_on"), dt.date), record["id"]
        assert record["checked_on"] <= dt.date(2026, 12, 1), record["id"]
        if record["confidence"] in {"V", "P"}:
            urls = record["source_url"] if isinstance(record["source_url"], list) else [record["source_url"]]
            assert urls and all(u.startswith(("http://", "https://")) for u in urls), record["id"]
        for link in record.get("successors", []):
            assert (
                link["citation"]
                and link["confidence"] in {"V", "P", "U"}
                and isinstance(link["checked_on"], dt.date)
            )


@pytest.mark.parametrize("table", NLU_FILES)
def test_gazetteer_keys(table):
    for record in _records(table):
        assert isinstance(record["id"], str) and isinstance(record["name"], str)
        assert isinstance(record["aliases"], list) and record["aliases"]
        assert all(isinstance(a, str) and a.strip() for a in record["aliases"])


def test_required_ids_exist():
    ids = {table: {r["id"] for r in _records(table)} for table in NLU_FILES}
    assert {
        "vinh_yen",
        "phuc_yen",
        "binh_xuyen",
        "yen_lac",
        "vinh_tuong",
        "tam_duong",
        "tam_dao",
        "lap_thach",
        "song_lo",
        "vinh_phuc",
        "phu_tho",
    } <= ids["areas"]
    assert {"so_cap", "trung_hoc_nghe", "trung_cap", "cao_dang"} == ids["levels"]
    assert {"ho_ngheo", "ho_can_ngheo", "dan_toc_thieu_so", "khuyet_tat", "mo_coi", "con_thuong_binh"} <= ids[
        "beneficiary_groups"
    ]
    assert {
        "dien_cong_nghiep",
        "cong_nghe_o_to",
        "han",
        "cat_got_kim_loai",
        "cong_nghe_thong_tin",
        "ke_toan",
        "dien_tu_cong_nghiep",
        "giao_duc_mam_non",
    } <= ids["occupations"]


def test_contacts_only_from_a_read_source_and_unsourced_schools_stay_unverified():
    for record in _records("institutions"):
        if record.get("phone") or record.get("website"):
            assert record["source_url"], record["id"]
        if not record["source_url"]:
            assert record["confidence"] == "U", record["id"]
        if not record["name_verified"]:
            assert record["confidence"] == "U", record["id"]


def test_coverage_of_the_issue():
    areas = _records("areas")
    units = [a for a in areas if a["kind"] in ("commune", "ward") and a["status"] == "active"]
    assert len(units) == 36 and sum(a["kind"] == "ward" for a in units) == 4
    assert all(a["former_districts"] for a in units)
    assert len(_records("institutions")) >= 14
    described = [
        o for o in _records("occupations") if o["description"] and o["daily_work"] and o["strengths"]
    ]
    assert len(described) >= 30
    assert any(p["legal_basis_number"] == "124/2025/QH15" for p in _records("policies"))
    assert {e["school_year"] for e in _records("calendar")} == {"2026-2027"}


def test_amounts_match_their_sources():
    policies = {p["id"]: p for p in _records("policies")}
    assert policies["nq_19_2021_vp_trung_cap"]["amount_vnd"] == 300000
    assert policies["nq_19_2021_vp_cao_dang"]["amount_vnd"] == 500000
    assert policies["nq_19_2021_vp_cao_dang_clc"]["amount_vnd"] == 800000
    assert policies["nq_36_2025_pt_ho_tro_hang_thang"]["amount_vnd"] == 800000
    assert [
        policies[k]["amount_vnd"]
        for k in (
            "qd_46_2015_khuyet_tat",
            "qd_46_2015_ho_ngheo_dtts",
            "qd_46_2015_3_trieu",
            "qd_46_2015_can_ngheo",
            "qd_46_2015_2_trieu",
        )
    ] == [6000000, 4000000, 3000000, 2500000, 2000000]
    assert policies["nd_81_2021_thcs_trung_cap"]["superseded_by"] == "nd_238_2025_thcs_trung_cap"
    assert policies["nq_19_2021_vp_trung_cap"]["valid_to"] == dt.date(2025, 12, 31)
    assert policies["nq_19_2021_vp_trung_cap"]["confidence"] == "P"
    assert policies["qd_46_2015_ho_ngheo_dtts"]["groups_mode"] == "all"
    # Amounts exist only on records that cite a source document.
    for policy in policies.values():
        if policy["amount_vnd"] is not None:
            assert policy["legal_basis_number"] and policy["confidence"] in {"V", "P"}
