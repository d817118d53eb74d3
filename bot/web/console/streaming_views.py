"""The streaming view (phân luồng) for the province: /console/streaming (+ .csv, topics.csv, chart.svg).

Anonymous and aggregate only (bot/web/console/streaming.py): figures from the
stored answers to the streaming question, by former district, today's commune
and month, against the 40% target of KH 220/KH-UBND; cells under 5 hidden; no
link to any conversation. Open to admins, counsellors and `province` accounts
(Sở GD&ĐT), which see nothing else of the console.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from typing import Dict, Iterable, List, Optional, Tuple

from sanic import response
from sanic.request import Request

from bot import lean
from bot.catalog.geography import current_units, former_district
from bot.catalog.names import get_area, get_policy
from bot.db import get_engine, session_scope
from bot.web.console import charts, streaming
from bot.web.console.names import Names
from bot.web.console.settings import VN_TZ
from bot.web.console.store import ROLES, audit
from bot.web.console.views import _csv_cell, _sync, bp, client_ip, page, render

TARGET_POLICY = "kh_220_2023_vp"  # the catalogue's record of the plan that sets the 40% target
PLACE_TTL_SECONDS = 300  # the catalogue changes only on import
MAX_MONTHS = 60
HIDDEN_TEXT = {streaming.SMALL: "< 5", streaming.DERIVED: "ẩn"}
COLUMN_LABELS = {
    "conversations": "Hội thoại",
    "student": "Học sinh",
    "parent": "Phụ huynh",
    "role_unknown": "Chưa rõ vai trò",
    "answered": "Đã trả lời",
    **lean.LABELS,
}
CSV_COLUMNS = {
    "conversations": "hoi_thoai",
    "student": "hoc_sinh",
    "parent": "phu_huynh",
    "role_unknown": "chua_ro_vai_tro",
    "answered": "da_tra_loi",
    lean.THPT: "thpt_lop_10",
    lean.TRUNG_CAP: "9_cong_hoac_trung_cap",
    lean.HOC_NGHE: "hoc_nghe_chua_noi_cap",
    lean.SO_CAP: "so_cap_hoac_di_lam",
    lean.CHUA_BIET: "chua_biet",
}
LEVEL_LABELS = {"total": "Toàn bộ", "district": "Huyện cũ", "commune": "Xã, phường (nay)", "month": "Tháng"}


def _this_month() -> str:
    return dt.datetime.now(VN_TZ).strftime("%Y-%m")


def _month(text: str) -> Optional[str]:
    try:
        return dt.datetime.strptime((text or "").strip(), "%Y-%m").strftime("%Y-%m")
    except ValueError:
        return None


def period(args) -> Tuple[str, str]:
    """(from, to) as YYYY-MM; default: the school year so far (from September)."""
    now = _this_month()
    year, month = int(now[:4]), int(now[5:])
    school_year = f"{year if month >= 9 else year - 1:04d}-09"
    month_to = _month(args.get("to", "")) or now
    month_from = _month(args.get("from", "")) or (
        school_year if school_year <= month_to else month_to[:4] + "-01"
    )
    if month_from > month_to:
        month_from, month_to = month_to, month_from
    months = streaming.month_range(month_from, month_to)
    if len(months) > MAX_MONTHS:
        month_from = months[-MAX_MONTHS]
    return month_from, month_to


_places: Dict[Tuple[str, str], Tuple[float, Optional[streaming.Place]]] = {}


def _place(session, area_id: str) -> Optional[streaming.Place]:
    area = get_area(session, area_id)
    if area is None:
        return None
    district = former_district(session, area_id)
    commune = None
    if area.kind in ("commune", "ward"):
        units = current_units(session, area_id)
        commune = units[0] if len(units) == 1 else None
    return streaming.Place(
        district=district.id if district else streaming.UNKNOWN_AREA,
        district_name=district.name if district else "",
        commune=commune.id if commune and district else "",
        commune_name=commune.name if commune and district else "",
    )


def places(area_ids: Iterable[str], url: Optional[str] = None) -> Dict[str, streaming.Place]:
    """Area slot value -> Place, from the catalogue (cached for PLACE_TTL_SECONDS)."""
    now = time.monotonic()
    database = str(get_engine(url).url)
    wanted = {a for a in area_ids if a}
    missing = [a for a in wanted if (database, a) not in _places or _places[(database, a)][0] < now]
    if missing:
        with session_scope(url) as session:
            for area_id in missing:
                _places[(database, area_id)] = (now + PLACE_TTL_SECONDS, _place(session, area_id))
    found = {a: _places[(database, a)][1] for a in wanted}
    return {a: place for a, place in found.items() if place is not None}


def topic_label(names: Names, kind: str, value: str) -> str:
    """A topic's name: the trade's from the catalogue, the intent's from the domain's labels."""
    return names.value("occupation", value) if kind == "occupation" else names.intent(value)


def _report(request: Request) -> streaming.StreamingReport:
    month_from, month_to = period(request.args)
    with get_engine().connect() as conn:
        counts = streaming.lean_counts(conn, month_from, month_to)
        topics = streaming.topic_counts(conn, month_from, month_to)
    found = places({c[1] for c in counts} | {t[0] for t in topics})
    return streaming.build_report(counts, topics, found, month_from, month_to)


def _target_source() -> str:
    with session_scope() as session:
        plan = get_policy(session, TARGET_POLICY)
        if plan is None:
            return ""
        issued = plan.legal_basis_date.strftime("%d/%m/%Y") if plan.legal_basis_date else ""
        return f"{plan.issuer}, Kế hoạch {plan.legal_basis_number}" + (f" ngày {issued}" if issued else "")


def _cell(row: streaming.Row, column: str) -> str:
    return HIDDEN_TEXT[row.hidden[column]] if column in row.hidden else str(row.values[column])


def _share(row: streaming.Row) -> str:
    if row.share is not None:
        return f"{row.share * 100:.0f}%"
    return "ẩn" if row.share_hidden else "—"


def _chart(report: streaming.StreamingReport) -> str:
    items = []
    for row in [report.total, *report.districts]:
        note = "ẩn (dưới 5 câu trả lời)" if row.share_hidden else "chưa có câu trả lời"
        items.append((row.label, row.share, note))
    return charts.share_chart(
        items,
        f"Tỷ lệ chọn học nghề theo huyện cũ, {streaming.month_label(report.month_from).lower()} – "
        f"{streaming.month_label(report.month_to).lower()}",
        target=lean.TARGET_SHARE,
        target_label=f"Mục tiêu {lean.TARGET_SHARE * 100:.0f}%",
    )


@bp.get("/streaming")
@page(roles=ROLES)
def streaming_page(request: Request):
    _sync(request)
    report = _report(request)
    names = Names.load()
    topics: Dict[str, Dict[str, List[Tuple[str, int]]]] = {}
    for key, items in report.topics.items():
        for t in items:
            label = topic_label(names, t.kind, t.value)
            topics.setdefault(key, {}).setdefault(t.kind, []).append((label, t.conversations))
    query = f"from={report.month_from}&to={report.month_to}"
    return render(
        request,
        "streaming.html",
        report=report,
        chart=_chart(report),
        cell=_cell,
        share=_share,
        columns=streaming.COLUMNS,
        column_labels=COLUMN_LABELS,
        topics=topics,
        target=lean.TARGET_SHARE,
        target_source=_target_source(),
        query=query,
        k=streaming.K_ANONYMITY,
        vocational=[lean.LABELS[v] for v in lean.VOCATIONAL],
        month_label=streaming.month_label,
    )


def _csv_response(
    request: Request, target: str, filename: str, header: List[str], rows
) -> response.HTTPResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    with session_scope() as session:
        audit(session, "export_streaming", user=request.ctx.user, ip=client_ip(request), target=target)
    return response.text(
        buffer.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def figure_rows(report: streaming.StreamingReport) -> List[list]:
    """The CSV's rows: every table of the page, hidden cells as on the page."""
    districts = {r.key[1]: r.label for r in report.districts}
    out = []
    for row in [report.total, *report.districts, *report.communes, *report.months]:
        label = row.label
        if row.level == "commune":
            label = f"{districts.get(row.key[1], '')}: {row.label}"
        out.append([LEVEL_LABELS[row.level], label, *[_cell(row, c) for c in streaming.COLUMNS], _share(row)])
    return out


@bp.get("/streaming.csv")
@page(roles=ROLES)
def streaming_csv(request: Request):
    report = _report(request)
    header = ["bang", "dia_ban_hoac_thang", *[CSV_COLUMNS[c] for c in streaming.COLUMNS], "ty_le_hoc_nghe"]
    return _csv_response(
        request,
        "streaming",
        f"phan-luong-{report.month_from}-{report.month_to}.csv",
        header,
        figure_rows(report),
    )


@bp.get("/streaming/topics.csv")
@page(roles=ROLES)
def streaming_topics_csv(request: Request):
    report = _report(request)
    districts = {f"d:{r.key[1]}": r.label for r in report.districts}
    names = Names.load()
    rows = []
    for key, items in report.topics.items():
        where = "Toàn bộ" if key == "" else districts.get(key, "Chưa rõ địa bàn")
        for t in items:
            kind = "nghề" if t.kind == "occupation" else "chủ đề"
            rows.append([where, kind, topic_label(names, t.kind, t.value), t.conversations])
    return _csv_response(
        request,
        "streaming_topics",
        f"phan-luong-chu-de-{report.month_from}-{report.month_to}.csv",
        ["dia_ban", "loai", "chu_de_hoac_nghe", "so_hoi_thoai"],
        rows,
    )


@bp.get("/streaming/chart.svg")
@page(roles=ROLES)
def streaming_chart(request: Request):
    report = _report(request)
    return response.raw(
        _chart(report).encode("utf-8"),
        content_type="image/svg+xml; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="phan-luong-{report.month_from}-{report.month_to}.svg"'
        },
    )
