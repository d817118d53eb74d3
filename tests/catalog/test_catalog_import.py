"""Import/export: round trip, mirroring, and one test per validation error kind."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.catalog import tables
from bot.catalog.commands import export_catalog, import_catalog
from bot.catalog.models import Programme
from bot.catalog.names import get_policy
from bot.catalog.schema import CatalogValidationError, load_catalog
from bot.db import session_scope

from .conftest import SEED_DIR


def _fingerprints(url):
    with session_scope(url) as session:
        return tables.table_fingerprints(session)


def _copy_seed(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(SEED_DIR, target)
    return target


def _edit(directory: Path, table: str, record_id: str, **changes):
    path = directory / f"{table}.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for record in document[table]:
        if record["id"] == record_id:
            for key, value in changes.items():
                if value is _DELETE:
                    del record[key]
                else:
                    record[key] = value
            break
    else:
        raise AssertionError(f"{record_id} not in {table}")
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")


_DELETE = object()


def test_seed_imports_and_counts(seeded_url):
    with session_scope(seeded_url) as session:
        counts = tables.count_rows(session)
    expected = load_catalog(SEED_DIR)
    assert counts == {name: len(rows) for name, rows in expected.tables.items()}
    assert counts["areas"] >= 12 and counts["policies"] >= 20


def test_import_is_idempotent(seeded_url):
    before = _fingerprints(seeded_url)
    import_catalog(SEED_DIR, seeded_url)
    assert _fingerprints(seeded_url) == before


def test_export_then_import_round_trips(seeded_url, tmp_path):
    before = _fingerprints(seeded_url)
    export_catalog(tmp_path / "out", seeded_url)
    import_catalog(tmp_path / "out", seeded_url)
    assert _fingerprints(seeded_url) == before
    # and the exported files themselves validate to the same rows as the seed
    assert load_catalog(tmp_path / "out").count() == load_catalog(SEED_DIR).count()


def test_import_mirrors_files_deleting_absent_records(seeded_url, tmp_path):
    directory = _copy_seed(tmp_path)
    path = directory / "programmes.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    removed = document["programmes"].pop()["id"]
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    _edit(directory, "policies", "nq_36_2025_pt_ho_tro_hang_thang", notes="đã sửa")
    import_catalog(directory, seeded_url)
    with session_scope(seeded_url) as session:
        assert session.get(Programme, removed) is None
        assert get_policy(session, "nq_36_2025_pt_ho_tro_hang_thang").notes == "đã sửa"
    import_catalog(SEED_DIR, seeded_url)
    with session_scope(seeded_url) as session:
        assert session.get(Programme, removed) is not None


# Each case: (table, record id, changes, field named in the message)
BAD_FILES = {
    "unknown_field": ("institutions", "cd_vinh_phuc", {"hotline": "0123"}, "hotline"),
    "wrong_type": ("policies", "nq_19_2021_vp_trung_cap", {"amount_vnd": "300.000 đồng"}, "amount_vnd"),
    "unknown_area": ("institutions", "cd_vinh_phuc", {"area": "ha_noi"}, "area"),
    "unknown_occupation": (
        "programmes",
        "cd_ktcn_vinh_phuc__han__cao_dang",
        {"occupation": "phi_cong"},
        "occupation",
    ),
    "unknown_institution": (
        "programmes",
        "cd_ktcn_vinh_phuc__han__cao_dang",
        {"institution": "truong_khong_co"},
        "institution",
    ),
    "date_range": ("policies", "nq_36_2025_pt_ho_tro_hang_thang", {"valid_to": "2025-12-31"}, "valid_to"),
    "bad_confidence": ("levels", "trung_cap", {"confidence": "X"}, "confidence"),
    "missing_checked_on": ("occupations", "han", {"checked_on": _DELETE}, "checked_on"),
    "unknown_policy_group": ("policies", "qd_46_2015_can_ngheo", {"groups": ["nguoi_giau"]}, "groups[0]"),
    # provenance: V/P need a public URL; URLs must be http(s); research notes stay internal
    "verified_without_url": ("policies", "nd_238_2025_mo_coi", {"source_url": None}, "source_url"),
    "partly_verified_without_url": ("areas", "binh_nguyen", {"source_url": []}, "source_url"),
    "url_not_public": (
        "institutions",
        "cd_co_khi_nong_nghiep",
        {"source_url": "file:///home/notes.html"},
        "source_url[0]",
    ),
    "internal_note_in_notes": ("levels", "trung_cap", {"notes": "domain-facts §2 [11]"}, "notes"),
    "internal_note_in_citation": (
        "policies",
        "kh_220_2023_vp",
        {"citation": "tài liệu nguồn của dự án"},
        "citation",
    ),
    "succession_without_url": (
        "areas",
        "tan_phu",
        {
            "successors": [
                {"area": "vinh_thanh", "citation": "x", "confidence": "V", "checked_on": "2026-12-01"}
            ]
        },
        "successors[0].source_url",
    ),
    "pay_without_date": ("occupations", "han", {"pay": "8 triệu đồng/tháng"}, "pay_as_of"),
    "coordinates_without_source": ("areas", "yen_lac", {"centre_source": None}, "centre_source"),
    "former_district_not_district": (
        "areas",
        "tam_son",
        {"former_districts": ["xa_song_lo"]},
        "former_districts[0]",
    ),
    "calendar_year": ("calendar", "lop10_2026_thi", {"school_year": "2026-2028"}, "school_year"),
    "calendar_unknown_area": ("calendar", "lop10_2026_thi", {"area": "ha_noi"}, "area"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_is_rejected_and_database_unchanged(case, seeded_url, tmp_path):
    table, record_id, changes, field = BAD_FILES[case]
    directory = _copy_seed(tmp_path)
    # a valid change elsewhere, which must not be written either
    _edit(directory, "areas", "vinh_yen", notes="thay đổi không được ghi")
    _edit(directory, table, record_id, **changes)
    before = _fingerprints(seeded_url)
    with pytest.raises(CatalogValidationError) as info:
        import_catalog(directory, seeded_url)
    message = str(info.value)
    assert f"{table}.yml" in message
    assert f"'{record_id}'" in message
    assert f"field '{field}'" in message
    assert "\n" not in message
    assert (info.value.record, info.value.field) == (record_id, field)
    assert _fingerprints(seeded_url) == before


def test_cli_rejects_bad_file_with_exit_code(seeded_url, tmp_path, capsys):
    from bot.cli import main

    directory = _copy_seed(tmp_path)
    _edit(directory, "institutions", "cd_vinh_phuc", area="ha_noi")
    before = _fingerprints(seeded_url)
    code = main(["catalog", "import", str(directory), "--url", seeded_url])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err.count("\n") == 0 and "institutions.yml" in err and "cd_vinh_phuc" in err and "'area'" in err
    assert _fingerprints(seeded_url) == before
    assert main(["catalog", "import", str(SEED_DIR), "--url", seeded_url]) == 0


def test_cli_export_writes_all_files(seeded_url, tmp_path):
    from bot.cli import main

    assert main(["catalog", "export", str(tmp_path / "x"), "--url", seeded_url]) == 0
    assert sorted(p.name for p in (tmp_path / "x").glob("*.yml")) == sorted(
        p.name for p in SEED_DIR.glob("*.yml")
    )


def test_failure_during_write_rolls_back(seeded_url, monkeypatch):
    """A database error half-way through the sync leaves every table as it was."""
    before = _fingerprints(seeded_url)
    original = tables.sync_catalog

    def failing(session, rows):
        original(session, {**rows, "programmes": [], "policies": rows["policies"][3:]})
        session.flush()
        raise RuntimeError("disk full")

    monkeypatch.setattr(tables, "sync_catalog", failing)
    with pytest.raises(RuntimeError):
        import_catalog(SEED_DIR, seeded_url)
    assert _fingerprints(seeded_url) == before
