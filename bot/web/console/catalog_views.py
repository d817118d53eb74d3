"""Catalogue health (/console/catalog, admins) and the "sai thông tin" queue
(/console/catalog/reports, staff), with the form a counsellor sends from a bot
reply in a transcript (POST /console/conversations/<id>/error-reports).

The health page is `python -m bot catalog report` (bot/catalog/report.py:
build_report on the maintained YAML files) laid out as a page.
"""

from __future__ import annotations

import datetime as dt
import re

from sanic import response
from sanic.exceptions import NotFound
from sanic.request import Request

from bot.catalog.report import CATALOG_DIR, EXPIRY_DAYS, STALE_DAYS, build_report
from bot.catalog.schema import CatalogValidationError
from bot.db import get_engine, session_scope
from bot.web.console import error_reports
from bot.web.console.store import audit
from bot.web.console.views import (
    BIGINT_MAX,
    INT_MAX,
    _back,
    _form,
    _id_or_404,
    bp,
    client_ip,
    conversation_path,
    page,
    parse_id,
    render,
)

TABLE_LABELS = {
    "levels": "Trình độ",
    "beneficiary_groups": "Nhóm đối tượng",
    "occupations": "Nghề",
    "areas": "Địa bàn",
    "institutions": "Cơ sở đào tạo",
    "programmes": "Chương trình đào tạo",
    "policies": "Chính sách",
    "calendar": "Lịch tuyển sinh",
    "area_successions": "Sáp nhập địa bàn",
}
SECTION_LABELS = {
    "without_url": "Bản ghi V/P chưa có đường dẫn công khai",
    "internal_in_user_fields": "Ghi chú nội bộ nằm trong trường hiển thị cho người dùng",
    "stale": f"Chưa kiểm tra lại quá {STALE_DAYS} ngày",
    "expiring": f"Chính sách hết hiệu lực trong {EXPIRY_DAYS} ngày tới",
    "expired_linked": "Chính sách đã hết hiệu lực nhưng vẫn được dẫn tới",
    "no_contact": "Cơ sở đào tạo chưa có số điện thoại hoặc trang web",
}
# The report's item notes (bot/catalog/report.py, English for the command line) in Vietnamese.
ITEM_PHRASES = (
    ("no successor recorded", "chưa ghi văn bản thay thế"),
    ("named as successor of", "được ghi là văn bản thay thế của"),
    ("expired ", "hết hiệu lực "),
    ("valid to ", "hiệu lực đến "),
    ("checked ", "kiểm tra lần cuối "),
)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def item_text(item: str) -> str:
    """ "policies:x (expired 2025-09-02, no successor recorded)" as the page shows it."""
    for english, vietnamese in ITEM_PHRASES:
        item = item.replace(english, vietnamese)
    return _ISO_DATE.sub(r"\3/\2/\1", item)


QUEUE_FILTERS = {"open": error_reports.OPEN_STATUSES, **{s: (s,) for s in error_reports.STATUSES}}
QUEUE_FILTERS["all"] = error_reports.STATUSES


@bp.get("/catalog")
@page(role="admin")
def catalog_health(request: Request):
    today = dt.date.today()
    try:
        report, error = build_report(CATALOG_DIR, today), ""
    except CatalogValidationError as exc:
        report, error = None, str(exc)
    with get_engine().connect() as conn:
        counts = error_reports.status_counts(conn)
    return render(
        request,
        "catalog_health.html",
        report=report,
        error=error,
        today=today,
        table_labels=TABLE_LABELS,
        section_labels=SECTION_LABELS,
        counts=counts,
        open_reports=sum(counts.get(s, 0) for s in error_reports.OPEN_STATUSES),
        STATUS_LABELS=error_reports.STATUS_LABELS,
        item_text=item_text,
    )


@bp.get("/catalog/reports")
@page()
def error_report_queue(request: Request):
    current = request.args.get("status", "open")
    current = current if current in QUEUE_FILTERS else "open"
    with get_engine().connect() as conn:
        rows = error_reports.list_reports(conn, QUEUE_FILTERS[current])
        counts = error_reports.status_counts(conn)
    return render(
        request,
        "error_reports.html",
        rows=rows,
        counts=counts,
        current=current,
        filters=list(QUEUE_FILTERS),
        statuses=error_reports.STATUSES,
        STATUS_LABELS=error_reports.STATUS_LABELS,
        open_count=sum(counts.get(s, 0) for s in error_reports.OPEN_STATUSES),
    )


@bp.post("/catalog/reports/<report_id:str>/status")
@page()
def error_report_status(request: Request, report_id: str):
    report_id = _id_or_404(report_id, INT_MAX, "báo lỗi")
    status = _form(request, "status")
    if status not in error_reports.STATUSES:
        return render(request, "error.html", status=400, title="Trạng thái không hợp lệ", message="")
    with session_scope() as session:
        report = session.get(error_reports.ErrorReport, report_id)
        if report is None:
            raise NotFound("Không tìm thấy báo lỗi")
        error_reports.change_status(
            session, report, status, by=request.ctx.user.username, resolution=_form(request, "resolution")
        )
        audit(
            session,
            "error_report_status",
            user=request.ctx.user,
            ip=client_ip(request),
            target=str(report_id),
            detail=status,
        )
    return _back(request, "/console/catalog/reports")


@bp.post("/conversations/<sender_id:str>/error-reports", unquote=True)
@page()
def error_report_create(request: Request, sender_id: str):
    event_id = parse_id(_form(request, "event_id"), BIGINT_MAX)
    with get_engine().connect() as conn:
        reply = error_reports.bot_reply(conn, sender_id, event_id) if event_id else None
    if reply is None:
        raise NotFound("Không tìm thấy câu trả lời của trợ lý trong hội thoại này")
    try:
        with session_scope() as session:
            report = error_reports.create_report(
                session,
                sender_id=sender_id,
                event_id=event_id,
                reply_text=reply,
                comment=_form(request, "comment"),
                username=request.ctx.user.username,
            )
            audit(
                session,
                "error_report_create",
                user=request.ctx.user,
                ip=client_ip(request),
                target=str(report.id),
            )
    except ValueError as exc:
        return render(request, "error.html", status=400, title="Chưa ghi nội dung", message=str(exc))
    return response.redirect(f"{conversation_path(sender_id)}#e{event_id}", status=303)
