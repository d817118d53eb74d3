"""Routes of the counsellor console, served under /console."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import functools
import io
import json
import logging
import time
from pathlib import Path
from typing import Optional, Tuple
from urllib.parse import quote, urlencode

import sqlalchemy as sa
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Blueprint, response
from sanic.exceptions import NotFound
from sanic.request import Request
from sqlalchemy.orm import selectinload

from bot import vocabulary
from bot.db import get_engine, session_scope, utcnow
from bot.handoff import CALLBACK_STATUSES, CallbackRequest, change_callback_status
from bot.privacy import mask_pii
from bot.text import fold
from bot.web.console import auth, charts, error_reports, queries
from bot.web.console import transcript as transcripts
from bot.web.console.erasure import erase_conversation
from bot.web.console.names import Names
from bot.web.console.nlu_export import corrections_to_yaml
from bot.web.console.retention import purge
from bot.web.console.settings import VN_TZ, ConsoleSettings, get_console_settings
from bot.web.console.store import (
    ROLES,
    STAFF_ROLES,
    AuditEntry,
    ConsoleUser,
    ConversationNote,
    ConversationSummary,
    ConversationTag,
    NluInboxItem,
    audit,
)
from bot.web.console.sync import sync_events
from bot.web.console.unanswered import REASONS

logger = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent / "templates"
EXPORT_CONVERSATION_LIMIT = 5000
PAGE_SYNC_EVENTS = 20000

CALLBACK_LABELS = {"new": "Mới", "contacted": "Đã liên hệ", "closed": "Đã đóng"}
# why a message is in the NLU inbox (items from before the unanswered measure: low confidence)
REASON_LABELS = dict(REASONS, low_confidence="Độ tin cậy thấp")
ROLE_LABELS = {  # console accounts
    "admin": "Quản trị",
    "counsellor": "Tư vấn viên",
    "province": "Sở GD&ĐT (chỉ số liệu phân luồng)",
}

bp = Blueprint("console", url_prefix="/console")


def _vn_time(ts) -> str:
    if ts is None:
        return ""
    if isinstance(ts, dt.datetime):
        ts = ts.replace(tzinfo=dt.timezone.utc).timestamp()
    return dt.datetime.fromtimestamp(float(ts), VN_TZ).strftime("%d/%m/%Y %H:%M")


def _pct(value) -> str:
    return "" if value is None else f"{float(value) * 100:.0f}%"


_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["vntime"] = _vn_time
_env.filters["pct"] = _pct
_env.filters["segment"] = lambda value: quote(str(value), safe="")  # one URL path segment, "/" included
_env.globals.update(CALLBACK_LABELS=CALLBACK_LABELS, REASON_LABELS=REASON_LABELS, ROLE_LABELS=ROLE_LABELS)


def settings(request: Request) -> ConsoleSettings:
    return request.app.ctx.console_settings


def client_ip(request: Request) -> str:
    return (request.remote_addr or request.ip or "")[:64]


def render(request: Request, template: str, status: int = 200, **context) -> response.HTTPResponse:
    user = getattr(request.ctx, "user", None)
    token = getattr(request.ctx, "token", None)
    csrf = auth.csrf_for(settings(request).secret, token) if token else ""
    html = _env.get_template(template).render(
        user=user, csrf_token=csrf, path=request.path, names=Names.load(), **context
    )
    return response.html(html, status=status)


def _forbidden(request: Request) -> response.HTTPResponse:
    return render(
        request,
        "error.html",
        status=403,
        title="Không có quyền",
        message="Tài khoản của bạn không có quyền truy cập trang này.",
    )


def _session_user(token: str) -> Optional[ConsoleUser]:
    with session_scope() as session:
        user = auth.session_user(session, token)
        if user is not None:
            session.expunge(user)
        return user


def page(role: Optional[str] = None, roles: Tuple[str, ...] = STAFF_ROLES):
    """Require a logged-in user with one of `roles` (or `role`); check the CSRF token on POST.
    The default is the console's staff: a `province` account sees only the pages that name it.

    A handler that is a plain function (database work, rendering) runs in a worker
    thread, so a slow page never stalls the web app's event loop (the chat page,
    other counsellors); only the streaming CSV export stays a coroutine.
    """

    def decorator(handler):
        @functools.wraps(handler)
        async def wrapper(request: Request, *args, **kwargs):
            secret = settings(request).secret
            token = auth.unsign(secret, request.cookies.get(auth.SESSION_COOKIE))
            user = await asyncio.to_thread(_session_user, token) if token else None
            if user is None:
                if request.method == "GET":
                    return response.redirect(f"/console/login?{urlencode({'next': request.path})}")
                return response.text("Phiên đăng nhập đã hết hạn.", status=401)
            request.ctx.user, request.ctx.token = user, token
            if request.method == "POST" and not auth.csrf_valid(
                secret, token, (request.form or {}).get(auth.CSRF_FIELD)
            ):
                return render(
                    request,
                    "error.html",
                    status=403,
                    title="Yêu cầu không hợp lệ",
                    message="Mã bảo vệ biểu mẫu (CSRF) không đúng hoặc đã hết hạn. Hãy tải lại trang.",
                )
            if user.role not in ((role,) if role else roles):
                return _forbidden(request)
            try:
                if asyncio.iscoroutinefunction(handler):
                    return await handler(request, *args, **kwargs)
                return await asyncio.to_thread(handler, request, *args, **kwargs)
            except NotFound as exc:
                return render(request, "error.html", status=404, title="Không tìm thấy", message=str(exc))

        return wrapper

    return decorator


def _sync(request: Request) -> None:
    try:
        sync_events(get_engine(), max_events=PAGE_SYNC_EVENTS)
    except Exception:  # the page still shows what is already summarised
        logger.exception("console sync failed")


INT_MAX = 2**31 - 1  # INTEGER ids (users, callback requests)
BIGINT_MAX = 2**63 - 1  # BIGINT ids (events)
MAX_RETENTION_DAYS = 36500


def parse_id(text: Optional[str], maximum: int) -> Optional[int]:
    """A positive decimal integer up to `maximum`, or None ("²", "١", 23 digits, "-1", "" are not)."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    value = int(text)
    return value if 0 < value <= maximum else None


def _id_or_404(text: str, maximum: int, what: str) -> int:
    value = parse_id(text, maximum)
    if value is None:
        raise NotFound(f"Không tìm thấy {what}")
    return value


def _form(request: Request, name: str, default: str = "") -> str:
    return ((request.form or {}).get(name) or default).strip()


def _back(request: Request, fallback: str) -> response.HTTPResponse:
    target = _form(request, "next")
    if not target.startswith("/console") or target.startswith("//"):
        target = fallback
    return response.redirect(target, status=303)


COOKIE_PATH = "/console"


def _set_cookie(resp, request: Request, name: str, value: str, max_age: int) -> None:
    resp.cookies[name] = value
    cookie = resp.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Lax"
    cookie["path"] = COOKIE_PATH
    cookie["max-age"] = max_age
    if settings(request).cookie_secure:
        cookie["secure"] = True


def _delete_cookie(resp, request: Request, name: str) -> None:
    """Expire a cookie: the browser only drops it when the path matches the one it was set with."""
    _set_cookie(resp, request, name, "", 0)


# --- login / logout ---------------------------------------------------------


def _login_page(request: Request, token: str, error: str = "", status: int = 200, username: str = ""):
    nxt = (_form(request, "next") if request.method == "POST" else request.args.get("next", "")) or ""
    html = _env.get_template("login.html").render(
        user=None,
        csrf_token=auth.csrf_for(settings(request).secret, token),
        error=error,
        next=nxt if (nxt or "").startswith("/console") else "/console/",
        username=username,
    )
    resp = response.html(html, status=status)
    _set_cookie(resp, request, auth.PRELOGIN_COOKIE, auth.sign(settings(request).secret, token), 3600)
    return resp


@bp.get("/login")
async def login_form(request: Request):
    secret = settings(request).secret
    token = auth.unsign(secret, request.cookies.get(auth.PRELOGIN_COOKIE)) or auth.new_token()
    return _login_page(request, token)


def _authenticate(cfg: ConsoleSettings, username: str, password: str, ip: str):
    """(session token, "") or (None, reason); argon2 and the database, run in a worker thread."""
    with session_scope() as session:
        user, reason = auth.authenticate(
            session,
            username,
            password,
            ip,
            max_failures=cfg.login_max_failures,
            window_minutes=cfg.login_window_minutes,
            max_failures_per_ip=cfg.login_max_failures_per_ip,
        )
        if user is None:
            audit(
                session,
                "login_throttled" if reason == "throttled" else "login_failed",
                username=username[:64],
                ip=ip,
            )
            return None, reason
        token = auth.open_session(session, user, cfg.session_hours)
        audit(session, "login", user=user, ip=ip)
        return token, ""


@bp.post("/login")
async def login_submit(request: Request):
    cfg = settings(request)
    pre = auth.unsign(cfg.secret, request.cookies.get(auth.PRELOGIN_COOKIE))
    if not auth.csrf_valid(cfg.secret, pre, _form(request, auth.CSRF_FIELD)):
        return _login_page(request, auth.new_token(), "Biểu mẫu đã hết hạn, vui lòng đăng nhập lại.", 403)
    username, password, ip = (
        _form(request, "username").lower(),
        (request.form or {}).get("password") or "",
        client_ip(request),
    )
    token, reason = await asyncio.to_thread(_authenticate, cfg, username, password, ip)
    if token is None:
        if reason == "throttled":
            msg = f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {cfg.login_window_minutes} phút."
            return _login_page(request, pre, msg, 429, username)
        return _login_page(request, pre, "Tên đăng nhập hoặc mật khẩu không đúng.", 401, username)
    target = _form(request, "next")
    resp = response.redirect(
        target if target.startswith("/console") and not target.startswith("//") else "/console/", status=303
    )
    _set_cookie(resp, request, auth.SESSION_COOKIE, auth.sign(cfg.secret, token), cfg.session_hours * 3600)
    _delete_cookie(resp, request, auth.PRELOGIN_COOKIE)
    return resp


@bp.post("/logout")
@page(roles=ROLES)
def logout(request: Request):
    with session_scope() as session:
        auth.close_session(session, request.ctx.token)
        audit(session, "logout", user=request.ctx.user, ip=client_ip(request))
    resp = response.redirect("/console/login", status=303)
    _delete_cookie(resp, request, auth.SESSION_COOKIE)
    return resp


# --- conversations -----------------------------------------------------------


@bp.get("/")
@page(roles=ROLES)
def home(request: Request):
    province = request.ctx.user.role == "province"
    return response.redirect("/console/streaming" if province else "/console/conversations")


@bp.get("/conversations")
@page()
def conversation_list(request: Request):
    _sync(request)
    cfg = settings(request)
    flt = queries.ConversationFilter.from_args(request.args, cfg.low_confidence)
    started = time.perf_counter()
    with get_engine().connect() as conn:
        result = queries.list_conversations(
            conn,
            flt,
            after=request.args.get("after", ""),
            before=request.args.get("before", ""),
            page_size=cfg.page_size,
        )
        total = queries.count_conversations(conn, flt)
        options = queries.distinct_values(conn)
    with session_scope() as session:
        areas = vocabulary.area_choices(session)
    elapsed_ms = (time.perf_counter() - started) * 1000
    base_args = flt.as_args()
    return render(
        request,
        "conversations.html",
        page=result,
        total=total,
        flt=flt,
        args=base_args,
        query=urlencode(base_args),
        options=options,
        intents=vocabulary.intents() + ("nlu_fallback",),
        areas=areas,
        roles=vocabulary.slot_values("user_role"),
        elapsed_ms=elapsed_ms,
        urlencode=urlencode,
    )


def _csv_cell(value) -> str:
    text = "" if value is None else str(value)
    text = mask_pii(text)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text  # keep spreadsheets from evaluating it as a formula
    return text


@bp.get("/conversations.csv")
@page()
async def conversation_export(request: Request):
    cfg = settings(request)
    flt = queries.ConversationFilter.from_args(request.args, cfg.low_confidence)
    sender_ids = await asyncio.to_thread(_export_sender_ids, request, flt)
    stamp = dt.datetime.utcnow().strftime("%Y%m%d-%H%M")
    resp = await request.respond(
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="hoi-thoai-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer).writerow(
        [
            "ma_hoi_thoai",
            "thoi_diem",
            "kenh",
            "nguoi_noi",
            "noi_dung",
            "y_dinh",
            "do_tin_cay",
            "thuc_the",
            "chua_duoc_tra_loi",
        ]
    )
    await resp.send(buffer.getvalue())
    for i in range(0, len(sender_ids), 200):
        await resp.send(await asyncio.to_thread(_export_rows, sender_ids[i : i + 200]))
    await resp.eof()


def _export_sender_ids(request: Request, flt: queries.ConversationFilter) -> list:
    with get_engine().connect() as conn:
        sender_ids = queries.iter_filtered_sender_ids(conn, flt, EXPORT_CONVERSATION_LIMIT)
    with session_scope() as session:
        audit(
            session,
            "export_csv",
            user=request.ctx.user,
            ip=client_ip(request),
            target="conversations",
            detail=json.dumps(dict(filter=flt.as_args(), conversations=len(sender_ids)), ensure_ascii=False),
        )
    return sender_ids


def _export_rows(sender_ids: list) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    names = Names.load()
    with get_engine().connect() as conn:
        for sender_id in sender_ids:
            channel = ""
            for exchange in transcripts.exchanges(conn, sender_id):
                user = exchange.user
                if user is not None:
                    channel = user.channel or channel
                    entities = ";".join(
                        f"{names.slot(e.get('entity'))}={names.value(e.get('entity'), e.get('value'))}"
                        for e in user.entities
                    )
                    writer.writerow(
                        _csv_cell(v)
                        for v in (
                            sender_id,
                            _vn_time(user.timestamp),
                            names.channel(channel),
                            "người dùng",
                            user.tapped
                            or (f"(nút) {names.intent(user.intent)}" if user.payload else user.text),
                            names.intent(user.intent),
                            "" if user.confidence is None else f"{user.confidence:.3f}",
                            entities,
                            exchange.verdict.label,
                        )
                    )
                for bubble in exchange.bubbles:
                    text = bubble.text
                    if bubble.buttons:
                        text += "\n" + " | ".join(b.title for b in bubble.buttons)
                    writer.writerow(
                        _csv_cell(v)
                        for v in (
                            sender_id,
                            _vn_time(bubble.timestamp),
                            names.channel(channel),
                            "trợ lý",
                            text,
                        )
                    )
    return buffer.getvalue()


def conversation_path(sender_id: str) -> str:
    """The transcript's URL; every character of the id that is not unreserved is percent-encoded."""
    return "/console/conversations/" + quote(sender_id, safe="")


def _conversation_or_404(conn, sender_id: str) -> dict:
    row = queries.conversation(conn, sender_id)
    if row is None:
        raise NotFound("Không tìm thấy hội thoại")
    return row


@bp.get("/conversations/<sender_id:str>", unquote=True)
@page()
def transcript(request: Request, sender_id: str):
    _sync(request)
    with get_engine().connect() as conn:
        summary = _conversation_or_404(conn, sender_id)
        exchanges = transcripts.exchanges(conn, sender_id)
        tags = queries.tags_for(conn, [sender_id]).get(sender_id, [])
        notes = queries.notes_for(conn, sender_id)
        reports = error_reports.by_event(conn, sender_id)
    with session_scope() as session:
        audit(session, "transcript_view", user=request.ctx.user, ip=client_ip(request), target=sender_id)
    notes_by_event = {}
    for note in notes:
        notes_by_event.setdefault(note["event_id"], []).append(note)
    return render(
        request,
        "transcript.html",
        summary=summary,
        exchanges=exchanges,
        tags=tags,
        notes=notes,
        notes_by_event=notes_by_event,
        error_reports=reports,
        REPORT_STATUS_LABELS=error_reports.STATUS_LABELS,
        back=request.args.get("back", ""),
    )


@bp.post("/conversations/<sender_id:str>/tags", unquote=True)
@page()
def add_tag(request: Request, sender_id: str):
    tag = " ".join(_form(request, "tag").split())[:64]
    if tag:
        with session_scope() as session:
            if session.get(ConversationSummary, sender_id) is None:
                raise NotFound("Không tìm thấy hội thoại")
            exists = session.execute(
                sa.select(ConversationTag.id).where(
                    ConversationTag.sender_id == sender_id, ConversationTag.tag == tag
                )
            ).first()
            if not exists:
                session.add(
                    ConversationTag(sender_id=sender_id, tag=tag, created_by=request.ctx.user.username)
                )
    return _back(request, conversation_path(sender_id))


@bp.post("/conversations/<sender_id:str>/tags/delete", unquote=True)
@page()
def remove_tag(request: Request, sender_id: str):
    with session_scope() as session:
        session.execute(
            sa.delete(ConversationTag).where(
                ConversationTag.sender_id == sender_id, ConversationTag.tag == _form(request, "tag")
            )
        )
    return _back(request, conversation_path(sender_id))


@bp.post("/conversations/<sender_id:str>/notes", unquote=True)
@page()
def add_note(request: Request, sender_id: str):
    body = _form(request, "body")[:4000]
    event_id = _form(request, "event_id")
    if body:
        with session_scope() as session:
            if session.get(ConversationSummary, sender_id) is None:
                raise NotFound("Không tìm thấy hội thoại")
            session.add(
                ConversationNote(
                    sender_id=sender_id,
                    body=mask_pii(body),
                    author=request.ctx.user.username,
                    event_id=parse_id(event_id, BIGINT_MAX),
                )
            )
    return _back(request, conversation_path(sender_id))


@bp.post("/conversations/<sender_id:str>/review", unquote=True)
@page()
def mark_review(request: Request, sender_id: str):
    with session_scope() as session:
        summary = session.get(ConversationSummary, sender_id)
        if summary is None:
            raise NotFound("Không tìm thấy hội thoại")
        summary.reviewed = _form(request, "reviewed") == "1"
        summary.flagged = _form(request, "flagged") == "1"
        summary.reviewed_by = request.ctx.user.username
        summary.reviewed_at = utcnow()
    return _back(request, conversation_path(sender_id))


@bp.get("/conversations/<sender_id:str>/delete", unquote=True)
@page()
def erase_confirm(request: Request, sender_id: str):
    with get_engine().connect() as conn:
        summary = _conversation_or_404(conn, sender_id)
        callbacks = conn.execute(
            sa.select(sa.func.count())
            .select_from(CallbackRequest.__table__)
            .where(CallbackRequest.sender_id == sender_id)
        ).scalar_one()
    return render(request, "erase.html", summary=summary, callbacks=callbacks, done=False)


@bp.post("/conversations/<sender_id:str>/delete", unquote=True)
@page()
def erase(request: Request, sender_id: str):
    """A family asked a counsellor to delete its data (Nghị định 13/2023/NĐ-CP): everything goes, after confirmation."""
    if _form(request, "confirm") != "1":
        return response.redirect(conversation_path(sender_id) + "/delete", status=303)
    user = request.ctx.user
    with get_engine().begin() as conn:
        if queries.conversation(conn, sender_id) is None:
            raise NotFound("Không tìm thấy hội thoại")
        result = erase_conversation(
            conn,
            sender_id,
            requested_by="counsellor",
            username=user.username,
            user_id=user.id,
            ip=client_ip(request),
        )
    return render(request, "erase.html", summary=None, callbacks=result.callbacks, done=True, result=result)


# --- NLU inbox ---------------------------------------------------------------


INBOX_PAGE_GROUPS = 50
INBOX_STATUSES = ("open", "corrected", "out_of_scope")


@bp.get("/inbox")
@page()
def inbox(request: Request):
    """Unanswered messages grouped by what they say, the most frequent first."""
    _sync(request)
    status = request.args.get("status", "open")
    status = status if status in INBOX_STATUSES else "open"
    page_no = parse_id(request.args.get("page", ""), 10_000) or 1
    with get_engine().connect() as conn:
        groups = queries.inbox_groups(
            conn, status, limit=INBOX_PAGE_GROUPS, offset=(page_no - 1) * INBOX_PAGE_GROUPS
        )
        counts = queries.inbox_counts(conn)
    names = Names.load()
    return render(
        request,
        "inbox.html",
        groups=groups,
        counts=counts,
        current=status,
        page_no=page_no,
        more=len(groups) == INBOX_PAGE_GROUPS,
        intents=names.intent_choices(vocabulary.intents()),
        entities=[(e, names.slot(e)) for e in vocabulary.entities()],
        value_names=sorted({n for table in names.catalogue.values() for n in table.values()}),
    )


def _entity_value(entity: str, typed: str) -> str:
    """What a counsellor typed as an entity's value: a catalogue name ("Vĩnh Tường") or id."""
    table = Names.load().catalogue.get(entity, {})
    if typed in table:
        return typed
    folded = fold(typed)
    for value_id, name in table.items():
        if fold(name) == folded or fold(name.split(" (")[0]) == folded:
            return value_id
    return typed


def _entities_from_form(request: Request, text: str) -> list:
    entities = []
    for i in range(3):
        name, surface, value = (
            _form(request, f"entity_{i}"),
            _form(request, f"span_{i}"),
            _form(request, f"value_{i}"),
        )
        if name not in vocabulary.entities() or not surface:
            continue
        start = text.find(surface)
        if start < 0:
            continue
        entity = {"entity": name, "start": start, "end": start + len(surface)}
        value = _entity_value(name, value) if value else ""
        if value and value != surface:
            entity["value"] = value[:255]
        entities.append(entity)
    return entities


@bp.post("/inbox/<event_id:str>")
@page()
def inbox_correct(request: Request, event_id: str):
    """Decide for the whole group of `event_id` (the messages that say the same)."""
    event_id = _id_or_404(event_id, BIGINT_MAX, "câu cần xử lý")
    action = _form(request, "action")
    intent = _form(request, "intent")
    if action == "correct" and intent not in vocabulary.intents():
        return render(
            request,
            "error.html",
            status=400,
            title="Ý định không hợp lệ",
            message="Hãy chọn một ý định trong danh sách.",
        )
    with get_engine().connect() as conn:
        members = [m["event_id"] for m in queries.inbox_group_items(conn, event_id)]
    if not members:
        raise NotFound("Không tìm thấy câu cần xử lý")
    with session_scope() as session:
        for item in session.execute(
            sa.select(NluInboxItem).where(NluInboxItem.event_id.in_(members))
        ).scalars():
            if action == "out_of_scope":
                item.status, item.corrected_intent, item.corrected_entities = (
                    "out_of_scope",
                    "out_of_scope",
                    "[]",
                )
            elif action == "reopen":
                item.status, item.corrected_intent, item.corrected_entities = "open", None, None
            else:
                item.status, item.corrected_intent = "corrected", intent
                item.corrected_entities = json.dumps(
                    _entities_from_form(request, item.text), ensure_ascii=False
                )
            item.corrected_by, item.corrected_at = request.ctx.user.username, utcnow()
    return _back(request, "/console/inbox")


@bp.get("/inbox/export.yml")
@page()
def inbox_export(request: Request):
    with get_engine().connect() as conn:
        items = queries.corrected_examples(conn)
    with session_scope() as session:
        audit(
            session,
            "export_nlu",
            user=request.ctx.user,
            ip=client_ip(request),
            target="nlu_inbox",
            detail=json.dumps({"examples": len(items)}),
        )
    return response.text(
        corrections_to_yaml(items),
        content_type="application/x-yaml; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="console_corrections.yml"'},
    )


# --- callbacks -------------------------------------------------------------------


@bp.get("/callbacks")
@page()
def callbacks(request: Request):
    status = request.args.get("status", "open")
    with session_scope() as session:
        query = (
            sa.select(CallbackRequest)
            .options(selectinload(CallbackRequest.history))
            .order_by(CallbackRequest.created_at.desc())
            .limit(200)
        )
        if status == "open":
            query = query.where(CallbackRequest.status.in_(("new", "contacted")))
        elif status in CALLBACK_STATUSES:
            query = query.where(CallbackRequest.status == status)
        rows = session.execute(query).scalars().all()
        session.expunge_all()
        audit(session, "callbacks_view", user=request.ctx.user, ip=client_ip(request), detail=status)
    with get_engine().connect() as conn:
        asked = transcripts.family_questions(
            conn,
            [(row.sender_id, row.created_at.replace(tzinfo=dt.timezone.utc).timestamp()) for row in rows],
        )
    questions = {row.id: question for row, question in zip(rows, asked)}
    return render(
        request, "callbacks.html", rows=rows, questions=questions, current=status, statuses=CALLBACK_STATUSES
    )


@bp.post("/callbacks/<request_id:str>/status")
@page()
def callback_status(request: Request, request_id: str):
    request_id = _id_or_404(request_id, INT_MAX, "yêu cầu gọi lại")
    status = _form(request, "status")
    if status not in CALLBACK_STATUSES:
        return render(request, "error.html", status=400, title="Trạng thái không hợp lệ", message="")
    with session_scope() as session:
        row = session.get(CallbackRequest, request_id)
        if row is None:
            raise NotFound("Không tìm thấy yêu cầu gọi lại")
        if row.status != status:
            change_callback_status(
                session,
                row,
                status,
                by=request.ctx.user.username,
                comment=mask_pii(_form(request, "comment"))[:1000],
            )
            audit(
                session,
                "callback_status",
                user=request.ctx.user,
                ip=client_ip(request),
                target=str(request_id),
                detail=status,
            )
    return _back(request, "/console/callbacks")


# --- analytics --------------------------------------------------------------------


MAX_ANALYTICS_DAYS = 366


class RangeTooLong(ValueError):
    pass


def _analytics_range(request: Request):
    """(from, to), at most MAX_ANALYTICS_DAYS days; RangeTooLong otherwise. Unreadable dates: the last 30 days."""
    today = dt.datetime.now(VN_TZ).date()
    try:
        day_to = dt.date.fromisoformat(request.args.get("to", "")) if request.args.get("to") else today
        day_from = (
            dt.date.fromisoformat(request.args.get("from", ""))
            if request.args.get("from")
            else day_to - dt.timedelta(days=29)
        )
    except ValueError:
        day_to, day_from = today, today - dt.timedelta(days=29)
    except OverflowError:  # "to" in year 1: no 30 days before it
        raise RangeTooLong() from None
    if day_from > day_to:
        day_from, day_to = day_to, day_from
    if (day_to - day_from).days + 1 > MAX_ANALYTICS_DAYS:
        raise RangeTooLong()
    return day_from, day_to


def _range_too_long(request: Request) -> response.HTTPResponse:
    return render(
        request,
        "error.html",
        status=400,
        title="Khoảng thời gian quá dài",
        message=f"Thống kê chỉ xem được tối đa {MAX_ANALYTICS_DAYS} ngày mỗi lần. "
        "Hãy chọn ngày bắt đầu và ngày kết thúc gần nhau hơn.",
    )


def _rate(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _analytics_data(conn, day_from: dt.date, day_to: dt.date) -> dict:
    first, last = day_from.isoformat(), day_to.isoformat()
    series = queries.daily_series(conn, first, last)
    by_day = {row["day"]: row for row in series}
    days = [(day_from + dt.timedelta(days=i)).isoformat() for i in range((day_to - day_from).days + 1)]
    daily = [by_day.get(d, dict(day=d, conversations=0, messages=0, fallbacks=0, unanswered=0)) for d in days]
    channels = queries.by_channel(conn, first, last)
    for row in daily + channels:
        row["fallback_rate"] = _rate(row["fallbacks"], row["messages"])
        row["unanswered_rate"] = _rate(row["unanswered"], row["messages"])
    names = Names.load()
    return {
        "daily": daily,
        "intents": [(names.intent(v), n) for v, n in queries.facet_counts(conn, "intent", first, last)],
        "areas": [(names.area(v), n) for v, n in queries.facet_counts(conn, "area", first, last)],
        "channels": [dict(row, name=names.channel(row["channel"])) for row in channels],
    }


CHART_COLUMNS = {
    "daily": (
        "ngay",
        "hoi_thoai",
        "tin_nhan",
        "chua_duoc_tra_loi",
        "ty_le_chua_duoc_tra_loi_phan_tram",
        "fallback",
        "ty_le_fallback_phan_tram",
    ),
    "intents": ("y_dinh", "so_hoi_thoai"),
    "areas": ("dia_ban", "so_hoi_thoai"),
    "channels": (
        "kenh",
        "hoi_thoai",
        "tin_nhan",
        "chua_duoc_tra_loi",
        "ty_le_chua_duoc_tra_loi_phan_tram",
        "fallback",
        "ty_le_fallback_phan_tram",
    ),
}


def _chart_rows(name: str, data: dict):
    if name in ("intents", "areas"):
        return data[name]
    rows = data["daily"] if name == "daily" else data["channels"]
    label = "day" if name == "daily" else "name"
    return [
        (
            r[label],
            r["conversations"],
            r["messages"],
            r["unanswered"],
            r["unanswered_rate"],
            r["fallbacks"],
            r["fallback_rate"],
        )
        for r in rows
    ]


@bp.get("/analytics")
@page()
def analytics(request: Request):
    try:
        day_from, day_to = _analytics_range(request)
    except RangeTooLong:
        return _range_too_long(request)
    _sync(request)
    with get_engine().connect() as conn:
        data = _analytics_data(conn, day_from, day_to)
    days = [r["day"] for r in data["daily"]]
    svg = {
        "volume": charts.line_chart(
            days,
            [
                ("Hội thoại", [r["conversations"] for r in data["daily"]]),
                ("Tin nhắn", [r["messages"] for r in data["daily"]]),
            ],
            "Hội thoại và tin nhắn theo ngày",
        ),
        "unanswered": charts.line_chart(
            days,
            [
                ("Chưa được trả lời (%)", [r["unanswered_rate"] for r in data["daily"]]),
                ("Fallback của Rasa (%)", [r["fallback_rate"] for r in data["daily"]]),
            ],
            "Tỷ lệ tin nhắn chưa được trả lời theo ngày",
            unit="%",
        ),
        "intents": charts.hbar_chart(data["intents"], "Ý định phổ biến (số hội thoại)"),
        "areas": charts.hbar_chart(data["areas"], "Hội thoại theo địa bàn"),
        "channels": charts.hbar_chart(
            [(r["name"], r["messages"]) for r in data["channels"]], "Tin nhắn theo kênh"
        ),
    }
    total_msgs = sum(r["messages"] for r in data["daily"])
    total_unanswered = sum(r["unanswered"] for r in data["daily"])
    summary = dict(
        conversations=sum(r["conversations"] for r in data["daily"]),
        messages=total_msgs,
        unanswered=total_unanswered,
        unanswered_rate=_rate(total_unanswered, total_msgs),
        fallback_rate=_rate(sum(r["fallbacks"] for r in data["daily"]), total_msgs),
    )
    query = urlencode({"from": day_from.isoformat(), "to": day_to.isoformat()})
    return render(
        request,
        "analytics.html",
        svg=svg,
        data=data,
        day_from=day_from,
        day_to=day_to,
        query=query,
        summary=summary,
    )


@bp.get("/analytics/<filename:str>")
@page()
def analytics_csv(request: Request, filename: str):
    name = filename[:-4] if filename.endswith(".csv") else ""
    if name not in CHART_COLUMNS:
        raise NotFound("Không có biểu đồ này")
    try:
        day_from, day_to = _analytics_range(request)
    except RangeTooLong:
        return _range_too_long(request)
    with get_engine().connect() as conn:
        data = _analytics_data(conn, day_from, day_to)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(CHART_COLUMNS[name])
    for row in _chart_rows(name, data):
        writer.writerow([_csv_cell(v) for v in row])
    with session_scope() as session:
        audit(
            session,
            "export_chart",
            user=request.ctx.user,
            ip=client_ip(request),
            target=name,
            detail=f"{day_from}..{day_to}",
        )
    return response.text(
        buffer.getvalue(),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="thong-ke-{name}-{day_from}-{day_to}.csv"'},
    )


# --- administration ----------------------------------------------------------------


@bp.get("/users")
@page(role="admin")
def users(request: Request):
    with session_scope() as session:
        rows = session.execute(sa.select(ConsoleUser).order_by(ConsoleUser.username)).scalars().all()
        session.expunge_all()
    return render(
        request,
        "users.html",
        rows=rows,
        roles=ROLES,
        error=request.args.get("error", ""),
        done=request.args.get("done", ""),
    )


@bp.post("/users")
@page(role="admin")
def users_create(request: Request):
    try:
        with session_scope() as session:
            user = auth.create_user(
                session,
                _form(request, "username"),
                (request.form or {}).get("password") or "",
                _form(request, "role"),
                _form(request, "full_name"),
            )
            audit(
                session,
                "user_create",
                user=request.ctx.user,
                ip=client_ip(request),
                target=user.username,
                detail=user.role,
            )
    except ValueError as exc:
        return response.redirect("/console/users?" + urlencode({"error": str(exc)}), status=303)
    return response.redirect("/console/users?" + urlencode({"done": "Đã tạo tài khoản."}), status=303)


@bp.post("/users/<user_id:str>")
@page(role="admin")
def users_update(request: Request, user_id: str):
    user_id = _id_or_404(user_id, INT_MAX, "tài khoản")
    try:
        with session_scope() as session:
            user = session.get(ConsoleUser, user_id)
            if user is None:
                raise NotFound("Không tìm thấy tài khoản")
            action = _form(request, "action")
            if action == "toggle_active":
                if user.id == request.ctx.user.id:
                    raise ValueError("Không thể tự khóa tài khoản của chính mình.")
                user.is_active = not user.is_active
            elif action == "role" and _form(request, "role") in ROLES:
                if user.id == request.ctx.user.id:
                    raise ValueError("Không thể tự đổi vai trò của chính mình.")
                user.role = _form(request, "role")
            elif action == "password":
                user.password_hash = auth.hash_password((request.form or {}).get("password") or "")
            audit(
                session,
                "user_update",
                user=request.ctx.user,
                ip=client_ip(request),
                target=user.username,
                detail=action,
            )
    except ValueError as exc:
        return response.redirect("/console/users?" + urlencode({"error": str(exc)}), status=303)
    return response.redirect("/console/users?" + urlencode({"done": "Đã cập nhật."}), status=303)


@bp.get("/audit")
@page(role="admin")
def audit_log(request: Request):
    with session_scope() as session:
        rows = (
            session.execute(sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(300)).scalars().all()
        )
        session.expunge_all()
    names = Names.load()
    return render(
        request, "audit.html", rows=[(row, _audit_detail(row, names)) for row in rows], labels=AUDIT_LABELS
    )


AUDIT_LABELS = {
    "login": "Đăng nhập",
    "login_failed": "Đăng nhập sai",
    "login_throttled": "Đăng nhập bị chặn tạm thời",
    "logout": "Đăng xuất",
    "transcript_view": "Xem hội thoại",
    "export_csv": "Xuất CSV hội thoại",
    "export_nlu": "Tải dữ liệu huấn luyện",
    "export_chart": "Tải CSV thống kê",
    "callbacks_view": "Xem yêu cầu gọi lại",
    "callback_status": "Đổi trạng thái gọi lại",
    "user_create": "Tạo tài khoản",
    "user_update": "Sửa tài khoản",
    "purge": "Xóa dữ liệu cũ",
    "conversation_erased": "Xóa dữ liệu theo yêu cầu",
}
_AUDIT_KEYS = {
    "filter": "bộ lọc",
    "conversations": "hội thoại",
    "examples": "câu",
    "events": "sự kiện",
    "callbacks": "yêu cầu gọi lại",
    "days": "số ngày",
    "requested_by": "người yêu cầu",
    "channel": "kênh",
    "intent": "ý định",
    "area": "địa bàn",
    "role": "người nhắn",
    "tags": "nhãn",
    "notes": "ghi chú",
}
_AUDIT_VALUES = {
    "family": "gia đình",
    "counsellor": "tư vấn viên",
    "admin": "quản trị",
    "toggle_active": "khóa / mở khóa",
    "role": "đổi vai trò",
    "password": "đổi mật khẩu",
    **CALLBACK_LABELS,
    "open": "đang mở",
    "all": "tất cả",
}


def _audit_detail(entry: AuditEntry, names: Names) -> str:
    """An audit entry's detail (JSON or a word) in words, with names instead of ids."""

    def word(key: str, value) -> str:
        if isinstance(value, dict):
            return ", ".join(f"{_AUDIT_KEYS.get(k, k)}: {word(k, v)}" for k, v in value.items())
        text = str(value)
        if key == "intent":
            return names.intent(text)
        if key == "area":
            return names.area(text)
        if key == "channel":
            return names.channel(text)
        if key == "role" and text in ("student", "parent"):
            return names.role(text)
        return _AUDIT_VALUES.get(text, text)

    try:
        detail = json.loads(entry.detail) if entry.detail.startswith("{") else entry.detail
    except ValueError:
        detail = entry.detail
    return word("", detail)


@bp.get("/retention")
@page(role="admin")
def retention_page(request: Request):
    return render(
        request,
        "retention.html",
        days=settings(request).retention_days,
        result=request.args.get("result", ""),
    )


@bp.post("/retention")
@page(role="admin")
def retention_run(request: Request):
    days = parse_id(_form(request, "days"), MAX_RETENTION_DAYS)
    if days is None:
        return render(
            request,
            "error.html",
            status=400,
            title="Số ngày không hợp lệ",
            message=f"Số ngày lưu giữ phải là số nguyên từ 1 đến {MAX_RETENTION_DAYS}.",
        )
    result = purge(get_engine(), days)
    with session_scope() as session:
        audit(
            session,
            "purge",
            user=request.ctx.user,
            ip=client_ip(request),
            detail=json.dumps(result.__dict__ | {"days": days}),
        )
    summary = f"Đã xóa {result.conversations} hội thoại ({result.events} sự kiện), {result.callbacks} yêu cầu gọi lại đã đóng."
    return response.redirect("/console/retention?" + urlencode({"result": summary}), status=303)


def register(app) -> None:
    """Attach the console to the web app (called from bot.web.app.create_app)."""
    from bot.web.console import catalog_views, streaming_views  # noqa: F401  (their routes join bp)

    app.ctx.console_settings = get_console_settings()
    app.blueprint(bp)
