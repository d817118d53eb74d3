"""The streaming view (phân luồng, issue 16): stored answers -> real sync -> figures, with
k-anonymity, the CSV, the chart and who may see it; on SQLite and PostgreSQL.

Seed (all in October 2025, Vietnam time), through Rasa's masking tracker store:
- xã Vĩnh Thành (huyện Vĩnh Tường cũ): 6 students; 5 answered "9+ hoặc trung cấp" (one of
  them named the former commune Tân Phú, merged into Vĩnh Thành), one did not answer;
  all asked where to learn welding (hàn);
- huyện Yên Lạc cũ (only the district named): 4 parents answered "THPT" (a cell of 4);
- xã Lập Thạch: 3 students answered "Chưa biết";
- no area said: 5 students, no answer.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from helpers import (
    BASE_TS,
    WebApp,
    conversation_events,
    create_user,
    login,
    make_store,
    migrate,
    save_conversation,
)

from bot import vocabulary
from tests.services import fresh_postgres_database

ROOT = Path(__file__).resolve().parents[2]
OCT = "from=2025-10&to=2025-10"


def _turns(area, role, lean, intent="compare_paths", text="nên học nghề hay thi vào cấp 3", entities=()):
    slots = {"user_role": role}
    if area:
        slots["area"] = area
    first = dict(text=text, intent=intent, confidence=0.93, slots=slots, entities=list(entities), reply="…")
    turns = [first]
    if lean:
        turns.append(
            dict(
                text=f'/tell_lean{{"lean":"{lean}"}}',
                intent="tell_lean",
                confidence=1.0,
                entities=[{"entity": "lean", "value": lean}],
                slots={"lean": lean, "lean_asked": True},
                action="action_lean_answer",
                reply="Cảm ơn em, mình ghi nhận.",
            )
        )
    return turns


WELDING = dict(
    intent="find_programme",
    text="em muốn học hàn ở đâu",
    entities=[{"entity": "occupation", "value": "han", "span": "hàn"}],
)
SEED = (
    [("vt-%d" % i, _turns("vinh_thanh", "student", "trung_cap", **WELDING)) for i in range(4)]
    + [("vt-tanphu", _turns("tan_phu", "student", "trung_cap", **WELDING))]
    + [("vt-silent", _turns("vinh_thanh", "student", None, **WELDING))]
    + [("yl-%d" % i, _turns("yen_lac", "parent", "thpt", intent="ask_support_policy")) for i in range(4)]
    + [("lt-%d" % i, _turns("xa_lap_thach", "student", "chua_biet")) for i in range(3)]
    + [("none-%d" % i, _turns(None, "student", None)) for i in range(5)]
)


def _prepare(url: str) -> str:
    from bot.catalog.commands import import_catalog
    from bot.db import get_engine
    from bot.web.console.sync import sync_events

    migrate(url)
    import_catalog(ROOT / "data" / "catalog", url)
    store = make_store(url)
    try:
        for i, (sender_id, turns) in enumerate(SEED):
            save_conversation(store, sender_id, conversation_events(turns, BASE_TS + i * 600))
    finally:
        store.engine.dispose()
    sync_events(get_engine(url))
    create_user(url, "admin", "admin")
    create_user(url, "cobich", "counsellor")
    create_user(url, "so_gddt", "province")
    return url


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def streaming_db(request, tmp_path_factory):
    from bot.db import dispose_engines

    if request.param == "postgresql":
        with fresh_postgres_database("t_stream") as url:
            yield _prepare(url)
        return
    try:
        yield _prepare(f"sqlite:///{tmp_path_factory.mktemp('streaming') / 'console.db'}")
    finally:
        dispose_engines()


@pytest.fixture(scope="module")
def app(streaming_db):
    web = WebApp(streaming_db)
    try:
        yield web
    finally:
        web.stop()


def _csv(text: str):
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def _row(rows, table, name):
    found = [r for r in rows if r[0] == table and r[1] == name]
    assert len(found) == 1, (table, name, rows)
    return dict(zip(rows[0], found[0]))


def test_figures_come_from_the_stored_answers_through_the_real_sync(streaming_db):
    from bot.db import get_engine
    from bot.web.console import streaming

    with get_engine(streaming_db).connect() as conn:
        counts = streaming.lean_counts(conn, "2025-10", "2025-10")
        rows = conn.execute(sa.select(streaming.conv_t.c.sender_id, streaming.conv_t.c.lean)).all()
    cells = {(area, role, lean): n for _, area, role, lean, n in counts}
    assert cells == {
        ("vinh_thanh", "student", "trung_cap"): 4,
        ("tan_phu", "student", "trung_cap"): 1,
        ("vinh_thanh", "student", ""): 1,
        ("yen_lac", "parent", "thpt"): 4,
        ("xa_lap_thach", "student", "chua_biet"): 3,
        ("", "student", ""): 5,
    }
    assert len(rows) == len(SEED) and dict(rows)["vt-silent"] == ""


def test_csv_figures_hide_cells_under_five(app):
    client = login(app.base, "so_gddt")
    resp = client.get(f"{app.base}/console/streaming.csv?{OCT}")
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/csv")
    assert 'filename="phan-luong-2025-10-2025-10.csv"' in resp.headers["Content-Disposition"]
    rows = _csv(resp.content.decode("utf-8"))
    assert rows[0][:3] == ["bang", "dia_ban_hoac_thang", "hoi_thoai"]
    total = _row(rows, "Toàn bộ", "Toàn bộ")
    assert (total["hoi_thoai"], total["da_tra_loi"], total["9_cong_hoac_trung_cap"]) == ("18", "12", "5")
    assert total["ty_le_hoc_nghe"] == "42%"  # 5 of the 12 answers
    assert total["thpt_lop_10"] == "< 5" and total["phu_huynh"] == "< 5"  # 4 parents, 4 THPT
    assert total["hoc_sinh"] == "ẩn"  # 14 = 18 - 4 would give the parents away
    vinh_tuong = _row(rows, "Huyện cũ", "huyện Vĩnh Tường (cũ)")
    assert (
        vinh_tuong["hoi_thoai"] == "6" and vinh_tuong["9_cong_hoac_trung_cap"] == "5"
    )  # a cell of 5 is shown
    assert vinh_tuong["ty_le_hoc_nghe"] == "100%"
    yen_lac = _row(rows, "Huyện cũ", "huyện Yên Lạc (cũ)")
    assert yen_lac["thpt_lop_10"] == "< 5" and yen_lac["hoi_thoai"] == "< 5"  # a cell of 4 is hidden
    assert yen_lac["ty_le_hoc_nghe"] == "ẩn"
    assert _row(rows, "Huyện cũ", "huyện Lập Thạch (cũ)")["chua_biet"] == "< 5"
    unknown = _row(rows, "Huyện cũ", "Chưa rõ địa bàn")
    assert (unknown["hoc_sinh"], unknown["da_tra_loi"], unknown["ty_le_hoc_nghe"]) == ("5", "0", "—")
    commune = _row(rows, "Xã, phường (nay)", "huyện Vĩnh Tường (cũ): xã Vĩnh Thành")  # Tân Phú merged in
    assert commune["9_cong_hoac_trung_cap"] == "5"
    assert _row(rows, "Tháng", "Tháng 10/2025")["hoi_thoai"] == "18"
    body = "\n".join(",".join(r) for r in rows)
    assert not re.search(r"(^|,)[1-4](,|$)", body.split("\n", 1)[1])  # no count from 1 to 4 anywhere
    assert "vinh_tuong" not in body and "yen_lac" not in body  # names, not ids


def test_topics_by_area_hide_small_counts(app):
    client = login(app.base, "cobich")
    rows = _csv(client.get(f"{app.base}/console/streaming/topics.csv?{OCT}").content.decode("utf-8"))
    assert rows[0] == ["dia_ban", "loai", "chu_de_hoac_nghe", "so_hoi_thoai"]
    assert ["huyện Vĩnh Tường (cũ)", "nghề", "Hàn", "6"] in rows and ["Toàn bộ", "nghề", "Hàn", "6"] in rows
    topic = vocabulary.labels("intents")  # intents named as in the domain's label table
    assert ["Toàn bộ", "chủ đề", topic["compare_paths"], "8"] in rows  # Lập Thạch 3 + no area 5
    assert not [r for r in rows if r[2] == topic["ask_support_policy"]]  # 4 conversations: hidden everywhere
    assert not [r for r in rows if r[2] in topic]  # names, not intent ids
    page = client.get(f"{app.base}/console/streaming?{OCT}").text
    assert "Hàn (6)" in page


def test_page_shows_the_figures_and_the_printable_chart(app):
    client = login(app.base, "so_gddt")
    page = client.get(f"{app.base}/console/streaming?{OCT}")
    assert page.status_code == 200
    html = page.text
    assert "Phân luồng sau THCS" in html and "42%" in html and "&lt; 5" in html
    assert "@media print" in html and html.count("<svg") == 1
    assert "Mục tiêu 40%" in html and "220/KH-UBND" in html  # the target, cited from the catalogue
    svg = client.get(f"{app.base}/console/streaming/chart.svg?{OCT}")
    assert svg.headers["Content-Type"].startswith("image/svg+xml") and svg.text.startswith("<svg")
    assert (
        "huyện Vĩnh Tường (cũ)" in svg.text and "100%" in svg.text and "ẩn (dưới 5 câu trả lời)" in svg.text
    )


def test_no_conversation_can_be_opened_from_the_streaming_page(app):
    counsellor = login(app.base, "cobich")
    html = counsellor.get(f"{app.base}/console/streaming?{OCT}").text
    links = re.findall(r'href="([^"]+)"', html)
    assert links and not [link for link in links if link.startswith("/console/conversations/")]
    assert not any(sender in html for sender, _ in SEED)

    province = login(app.base, "so_gddt")
    home = province.get(f"{app.base}/console/", allow_redirects=False)
    assert home.status_code == 302 and home.headers["Location"] == "/console/streaming"
    html = province.get(f"{app.base}/console/streaming?{OCT}").text
    assert not [
        link for link in re.findall(r'href="([^"]+)"', html) if link.startswith("/console/conversations")
    ]
    for path in (
        "/console/conversations",
        "/console/conversations/vt-0",
        "/console/conversations.csv",
        "/console/inbox",
        "/console/callbacks",
        "/console/analytics",
        "/console/catalog/reports",
        "/console/catalog",
        "/console/users",
    ):
        assert province.get(app.base + path, allow_redirects=False).status_code == 403, path
    assert counsellor.get(app.base + "/console/catalog", allow_redirects=False).status_code == 403
    assert requests.get(app.base + "/console/streaming", allow_redirects=False).status_code == 302


def test_exports_are_audited(app, streaming_db):
    client = login(app.base, "cobich")
    client.get(f"{app.base}/console/streaming.csv?{OCT}")
    engine = sa.create_engine(streaming_db, future=True)
    try:
        with engine.connect() as conn:
            n = conn.execute(
                sa.text(
                    "SELECT COUNT(*) FROM console_audit_log WHERE action = 'export_streaming' AND username = 'cobich'"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    assert n >= 1


# --- the data layer without HTTP ---------------------------------------------------------


def test_suppress_hides_small_cells_and_what_would_reveal_them():
    from bot.web.console.streaming import DERIVED, SMALL, suppress

    cells = {"a": 4, "b": 5, "c": 9, "t": 18, "x": 5}
    status = suppress(cells, [(["a", "b", "c"], "t")])
    assert status["a"] == SMALL and status["b"] == DERIVED and status["c"] == "" and status["t"] == ""
    assert status["x"] == ""  # a cell of 5 is shown
    status = suppress({"a": 4, "b": 3, "c": 5, "t": 12}, [(["a", "b", "c"], "t")])
    assert (status["a"], status["b"], status["c"], status["t"]) == (SMALL, SMALL, "", "")
    assert suppress({"a": 0, "b": 7, "t": 7}, [(["a", "b"], "t")]) == {"a": "", "b": "", "t": ""}


def test_every_page_equation_keeps_at_least_two_hidden_or_none(streaming_db):
    """Whatever the seed, no hidden cell can be worked out from one total on the page."""
    from bot.db import get_engine
    from bot.web.console import streaming
    from bot.web.console.streaming_views import places

    with get_engine(streaming_db).connect() as conn:
        counts = streaming.lean_counts(conn, "2025-10", "2025-10")
    report = streaming.build_report(
        counts, [], places({c[1] for c in counts}, streaming_db), "2025-10", "2025-10"
    )
    rows = [report.total, *report.districts, *report.communes, *report.months]
    for row in rows:
        for c in streaming.COLUMNS:
            if 0 < row.values[c] < streaming.K_ANONYMITY:
                assert row.hidden.get(c) == streaming.SMALL, (row.label, c)
        for parts, total in (
            (streaming.ROLE_COLUMNS, "conversations"),
            (sys.modules["bot.lean"].LEANS, "answered"),
        ):
            assert sum(1 for c in (*parts, total) if c in row.hidden) != 1, (row.label, parts)
    for c in streaming.COLUMNS:
        for group in (report.districts, report.months):
            assert sum(1 for r in (*group, report.total) if c in r.hidden) != 1, c


def test_a_conversation_moves_when_its_area_or_answer_changes_and_aggregates_outlive_it(database_url):
    from bot.db import get_engine
    from bot.web.console import streaming
    from bot.web.console.erasure import erase_conversation
    from bot.web.console.retention import purge
    from bot.web.console.sync import sync_events

    migrate(database_url)
    engine = get_engine(database_url)
    store = make_store(database_url)
    start = 1_760_000_000.0
    try:
        first = conversation_events(_turns("vinh_thanh", "student", "chua_biet", **WELDING), start)
        save_conversation(store, "mover", first)
        save_conversation(store, "stays", conversation_events(_turns("yen_lac", "parent", "thpt"), start))
        sync_events(engine)
        later = conversation_events(
            [dict(text="em ở Yên Lạc", intent="inform", slots={"area": "yen_lac", "lean": "thpt"})],
            start + 60,
        )[3:]
        save_conversation(store, "mover", first + later)
        sync_events(engine)
    finally:
        store.engine.dispose()

    def cells():
        with engine.connect() as conn:
            return (
                {
                    (a, r, lean): n
                    for _, a, r, lean, n in streaming.lean_counts(conn, "2025-01", "2025-12")
                    if n
                },
                {(a, k, v): n for a, k, v, n in streaming.topic_counts(conn, "2025-01", "2025-12")},
            )

    leans, topics = cells()
    assert leans == {("yen_lac", "student", "thpt"): 1, ("yen_lac", "parent", "thpt"): 1}
    assert topics[("yen_lac", "occupation", "han")] == 1 and ("vinh_thanh", "occupation", "han") not in topics
    with engine.begin() as conn:
        erase_conversation(conn, "mover", requested_by="family")
    purge(engine, 1, now=start + 400 * 86400)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(streaming.conv_t)).scalar_one() == 0
    assert cells() == (leans, topics)  # numbers without personal data stay, like the daily counters


def test_rebuild_counts_a_database_synced_before_the_streaming_tables(streaming_db):
    from bot.db import get_engine
    from bot.web.console import streaming

    engine = get_engine(streaming_db)

    def state():
        with engine.connect() as conn:
            return (
                sorted(streaming.lean_counts(conn, "2025-01", "2025-12")),
                sorted(streaming.topic_counts(conn, "2025-01", "2025-12")),
                sorted(conn.execute(sa.select(streaming.conv_t)).all()),
            )

    before = state()
    with engine.begin() as conn:  # as the upgrade leaves it: summaries synced, streaming tables empty
        for table in (streaming.conv_t, streaming.stat_t, streaming.topic_t):
            conn.execute(table.delete())
    assert state()[0] == []
    assert streaming.rebuild(engine, batch_size=7) == len(SEED)
    assert state() == before
