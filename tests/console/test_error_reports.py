""" "Sai thông tin" reports and the catalogue health page (issue 16, part 5), over real HTTP
on the console fixtures (SQLite and PostgreSQL), and `python -m bot catalog report`."""

from __future__ import annotations

import re

import requests
import sqlalchemy as sa
from helpers import ROOT, login

from bot.cli import main

COMMENT = "Học phí trường này đã đổi từ năm học 2026-2027"


def _bot_event_ids(url: str, sender_id: str):
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            return [
                r[0]
                for r in conn.execute(
                    sa.text("SELECT id FROM events WHERE sender_id = :s AND type_name = 'bot' ORDER BY id"),
                    {"s": sender_id},
                )
            ]
    finally:
        engine.dispose()


def _report_output(capsys, url: str) -> str:
    assert (
        main(["catalog", "report", str(ROOT / "data" / "catalog"), "--today", "2026-12-01", "--url", url])
        == 0
    )
    return capsys.readouterr().out


def test_a_counsellor_reports_a_reply_and_the_queue_works_it(web, console_db, capsys):
    client = login(web.base, "cobich")
    transcript = client.get(web.base + "/console/conversations/c-lowconf").text
    event_id = _bot_event_ids(console_db, "c-lowconf")[0]
    assert f'name="event_id" value="{event_id}"' in transcript and "Báo sai thông tin" in transcript

    resp = client.post(
        web.base + "/console/conversations/c-lowconf/error-reports",
        data={
            "csrf_token": client.csrf,
            "event_id": str(event_id),
            "comment": COMMENT + ", gọi 0912 345 678",
        },
        allow_redirects=False,
    )
    assert (
        resp.status_code == 303
        and resp.headers["Location"] == f"/console/conversations/c-lowconf#e{event_id}"
    )
    transcript = client.get(web.base + "/console/conversations/c-lowconf").text
    assert "Đã báo sai thông tin" in transcript and COMMENT in transcript and "0912 345 678" not in transcript

    queue = client.get(web.base + "/console/catalog/reports").text
    row = re.search(r'<tr id="report-(\d+)">(.*?)</tr>', queue, re.S)
    assert row and COMMENT in row.group(2) and "Mình đã ghi nhận" in row.group(2)  # the reply, copied
    assert "[SĐT]" in row.group(2) and "Mới" in row.group(2)
    report_id = row.group(1)
    out = _report_output(capsys, console_db)
    assert "Open 'sai thông tin' reports from the console: 1" in out
    assert re.search(rf"#{report_id} \[Mới\] \d{{4}}-\d\d-\d\d cobich: {COMMENT}", out)

    admin = login(web.base, "admin")
    resp = admin.post(
        f"{web.base}/console/catalog/reports/{report_id}/status",
        data={"csrf_token": admin.csrf, "status": "in_progress", "resolution": "đang hỏi lại trường"},
        allow_redirects=False,
    )
    assert resp.status_code == 303
    assert f"#{report_id} [Đang xử lý]" in _report_output(capsys, console_db)
    admin.post(
        f"{web.base}/console/catalog/reports/{report_id}/status",
        data={"csrf_token": admin.csrf, "status": "fixed", "resolution": "đã sửa policies.yml"},
    )
    out = _report_output(capsys, console_db)
    assert "Open 'sai thông tin' reports from the console: 0" in out and f"#{report_id}" not in out
    assert f'id="report-{report_id}"' not in admin.get(web.base + "/console/catalog/reports").text
    fixed = admin.get(web.base + "/console/catalog/reports?status=fixed").text
    assert f'id="report-{report_id}"' in fixed and "đã sửa policies.yml" in fixed and "Đã sửa" in fixed


def test_reports_need_a_bot_reply_of_that_conversation_and_a_comment(web, console_db):
    client = login(web.base, "cobich")
    other = _bot_event_ids(console_db, "c-lowconf")[0]
    not_a_reply = _bot_event_ids(console_db, "c-script")[0] - 1  # the action that sent it
    for sender, event_id in (("c-script", other), ("c-script", not_a_reply), ("c-script", "abc")):
        resp = client.post(
            f"{web.base}/console/conversations/{sender}/error-reports",
            data={"csrf_token": client.csrf, "event_id": str(event_id), "comment": "sai"},
        )
        assert resp.status_code == 404
    own = _bot_event_ids(console_db, "c-script")[0]
    resp = client.post(
        web.base + "/console/conversations/c-script/error-reports",
        data={"csrf_token": client.csrf, "event_id": str(own), "comment": "   "},
    )
    assert resp.status_code == 400
    resp = client.post(
        web.base + "/console/conversations/c-script/error-reports",
        data={"event_id": str(own), "comment": "sai"},
    )
    assert resp.status_code == 403  # no CSRF token
    assert (
        requests.post(web.base + "/console/catalog/reports/1/status", data={"status": "fixed"}).status_code
        == 401
    )


def test_catalogue_health_page_shows_the_report_to_admins(web):
    from bot.catalog.report import CATALOG_DIR, build_report

    admin = login(web.base, "admin")
    html = admin.get(web.base + "/console/catalog").text
    report = build_report(CATALOG_DIR, __import__("datetime").date.today())
    assert "Số bản ghi theo mức kiểm chứng" in html
    for table, by in report.counts.items():
        assert re.search(rf"\({table}\)</span></td><td>{sum(by.values())}</td><td>{by['V']}</td>", html), (
            table
        )
    for key, _, items in report.sections():
        block = re.search(rf'id="section-{key}">\s*<strong>[^<]*: (\d+)</strong>', html)
        assert block and int(block.group(1)) == len(items), key
    for item in report.no_contact[:3]:
        assert item in html
    assert "policies:nd_81_2021_nghe_kho_tuyen (hết hiệu lực 02/09/2025, chưa ghi văn bản thay thế)" in html
    assert not re.search(r"\b(expired|successor|valid to|checked)\b", html)
    assert 'href="/console/catalog/reports"' in html
    assert login(web.base, "cobich").get(web.base + "/console/catalog").status_code == 403


def test_report_command_says_why_it_cannot_list_reports(tmp_path, capsys):
    missing = f"sqlite:///{tmp_path / 'nothing.db'}"
    out = _report_output(capsys, missing)
    assert out.strip().splitlines()[-1] == (
        f"Open 'sai thông tin' reports from the console: not listed (no database at {missing})"
    )
    assert not (tmp_path / "nothing.db").exists()
    out = _report_output(capsys, "postgresql://nobody@127.0.0.1:1/none")
    last = out.strip().splitlines()[-1]
    assert last.startswith(
        "Open 'sai thông tin' reports from the console: not listed (Cannot reach the database"
    )
    empty = tmp_path / "empty.db"
    sa.create_engine(f"sqlite:///{empty}").connect().close()
    out = _report_output(capsys, f"sqlite:///{empty}")
    assert out.strip().splitlines()[-1].endswith("missing: run `python -m bot db upgrade`)")
    assert "Catalogue report (2026-12-01)" in out  # the catalogue part never needs the database
