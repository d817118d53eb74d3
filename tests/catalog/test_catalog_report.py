"""`python -m bot catalog report`: what it counts and lists, and its exit code."""

from __future__ import annotations

import datetime as dt
import shutil

import yaml

from bot.catalog.report import build_report
from bot.cli import main

from .conftest import SEED_DIR

TODAY = dt.date(2026, 12, 1)


def _copy(tmp_path):
    target = tmp_path / "catalog"
    shutil.copytree(SEED_DIR, target)
    return target


def _edit(directory, table, record_id, **changes):
    path = directory / f"{table}.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    record = next(r for r in document[table] if r["id"] == record_id)
    record.update(changes)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_seed_report_meets_the_issue():
    report = build_report(SEED_DIR, TODAY)
    assert report.units_of_today == (32, 4)
    assert sum(report.counts["institutions"].values()) >= 14
    assert report.occupations_described >= 30
    assert "trung_hoc_nghe" in report.level_ids
    assert report.without_url == [] and report.internal_in_user_fields == []
    assert report.stale == []
    # NQ 19 ended on 31/12/2025 without a successor: listed for the maintainer
    assert any(item.startswith("policies:nq_19_2021_vp_trung_cap ") for item in report.expired_linked)
    assert "institutions:cd_co_khi_nong_nghiep (Trường Cao đẳng Cơ khí Nông nghiệp)" not in report.no_contact
    assert any(item.startswith("institutions:ttgdtx_vinh_phuc ") for item in report.no_contact)
    lines = report.lines()
    assert (
        "V/P records without a public URL: 0" in lines and "Internal notes in user-facing fields: 0" in lines
    )


def test_report_lists_stale_expiring_and_expired_links(tmp_path):
    directory = _copy(tmp_path)
    _edit(directory, "occupations", "han", checked_on=dt.date(2026, 1, 2))
    _edit(directory, "policies", "nq_36_2025_pt_ho_tro_hang_thang", valid_to=dt.date(2027, 2, 1))
    # a policy replaced by one that has itself expired
    _edit(directory, "policies", "nd_81_2021_nghe_kho_tuyen", superseded_by="nq_19_2021_vp_cao_dang")
    report = build_report(directory, TODAY)
    assert report.stale == ["occupations:han (checked 2026-01-02)"]
    assert report.expiring == ["policies:nq_36_2025_pt_ho_tro_hang_thang (valid to 2027-02-01)"]
    assert (
        "policies:nq_19_2021_vp_cao_dang (expired 2025-12-31, named as successor of nd_81_2021_nghe_kho_tuyen)"
        in report.expired_linked
    )
    # 180 days is the limit: checked exactly 180 days ago is not stale
    assert build_report(directory, dt.date(2026, 1, 2) + dt.timedelta(days=180)).stale == []


def test_cli_report_prints_and_exits_zero(capsys):
    assert main(["catalog", "report", str(SEED_DIR), "--today", "2026-12-01"]) == 0
    out = capsys.readouterr().out
    assert "Communes/wards of today in the former Vĩnh Phúc: 36 (32 xã, 4 phường)" in out
    assert "Levels: so_cap, trung_hoc_nghe, trung_cap, cao_dang" in out


def test_cli_report_exits_non_zero_on_validation_failure(tmp_path, capsys):
    directory = _copy(tmp_path)
    _edit(directory, "policies", "nd_238_2025_mo_coi", source_url=None)
    assert main(["catalog", "report", str(directory), "--today", "2026-12-01"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert (
        "nd_238_2025_mo_coi" in captured.err
        and "source_url" in captured.err
        and captured.err.count("\n") == 1
    )
