"""Console authentication: argon2 passwords, signed session cookies, CSRF, throttling.

Cookie value = "<random token>.<HMAC-SHA256(secret, token)>"; the server keeps
SHA-256(token) in console_sessions. The CSRF token of a form is
HMAC(secret, "csrf:" + token), so it cannot be read from another origin and
dies with the session. The login form, before any session exists, uses the
same scheme with a short-lived pre-session cookie.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from typing import Optional, Tuple

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from bot.db import utcnow
from bot.web.console.store import ROLES, ConsoleSession, ConsoleUser, LoginAttempt

SESSION_COOKIE = "console_session"
PRELOGIN_COOKIE = "console_prelogin"
CSRF_FIELD = "csrf_token"

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("không-phải-mật-khẩu-thật")
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    return _hasher.hash(password)


def verify_password(password_hash: Optional[str], password: str) -> bool:
    """Constant-ish time: an unknown user still costs one argon2 verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _mac(secret: bytes, message: str) -> str:
    digest = hmac.new(secret, message.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(secret: bytes, token: str) -> str:
    return f"{token}.{_mac(secret, 'cookie:' + token)}"


def unsign(secret: bytes, value: Optional[str]) -> Optional[str]:
    if not value or "." not in value:
        return None
    token, mac = value.rsplit(".", 1)
    return token if hmac.compare_digest(mac, _mac(secret, "cookie:" + token)) else None


def csrf_for(secret: bytes, token: str) -> str:
    return _mac(secret, "csrf:" + token)


def csrf_valid(secret: bytes, token: Optional[str], submitted: Optional[str]) -> bool:
    return bool(token and submitted) and hmac.compare_digest(csrf_for(secret, token), submitted)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(
    session: Session, username: str, password: str, role: str, full_name: str = ""
) -> ConsoleUser:
    username = (username or "").strip().lower()
    if not username or len(username) > 64 or not all(ch.isalnum() or ch in "._-" for ch in username):
        raise ValueError("Tên đăng nhập chỉ gồm chữ, số, dấu chấm, gạch ngang, gạch dưới (tối đa 64 ký tự).")
    if role not in ROLES:
        raise ValueError(f"Vai trò phải là một trong: {', '.join(ROLES)}.")
    if session.execute(sa.select(ConsoleUser.id).where(ConsoleUser.username == username)).first():
        raise ValueError(f"Tên đăng nhập '{username}' đã tồn tại.")
    user = ConsoleUser(
        username=username,
        password_hash=hash_password(password),
        role=role,
        full_name=full_name.strip()[:200],
        is_active=True,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    return user


def recent_failures(session: Session, username: str, ip: str, window_minutes: int) -> int:
    since = utcnow() - dt.timedelta(minutes=window_minutes)
    last_success = session.execute(
        sa.select(sa.func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.username == username,
            LoginAttempt.ip == ip,
            LoginAttempt.success.is_(True),
            LoginAttempt.attempted_at >= since,
        )
    ).scalar()
    query = (
        sa.select(sa.func.count())
        .select_from(LoginAttempt)
        .where(
            LoginAttempt.username == username,
            LoginAttempt.ip == ip,
            LoginAttempt.success.is_(False),
            LoginAttempt.attempted_at >= (last_success or since),
        )
    )
    return int(session.execute(query).scalar_one())


def recent_failures_from_ip(session: Session, ip: str, window_minutes: int) -> int:
    """Failed logins from `ip` within the window, whatever the username (password spraying)."""
    since = utcnow() - dt.timedelta(minutes=window_minutes)
    query = (
        sa.select(sa.func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.ip == ip, LoginAttempt.success.is_(False), LoginAttempt.attempted_at >= since)
    )
    return int(session.execute(query).scalar_one())


def authenticate(
    session: Session,
    username: str,
    password: str,
    ip: str,
    *,
    max_failures: int,
    window_minutes: int,
    max_failures_per_ip: int,
) -> Tuple[Optional[ConsoleUser], str]:
    """Returns (user, "") on success, else (None, reason) with reason in {"throttled", "invalid"}.

    Throttled: `max_failures` failures for this username from this IP since its last
    success, or `max_failures_per_ip` failures from this IP for any usernames, within
    the window. A throttled attempt is refused before the password is checked.
    """
    username = (username or "").strip().lower()[:64]
    if (
        recent_failures(session, username, ip, window_minutes) >= max_failures
        or recent_failures_from_ip(session, ip, window_minutes) >= max_failures_per_ip
    ):
        session.add(LoginAttempt(username=username, ip=ip, success=False, attempted_at=utcnow()))
        return None, "throttled"
    user = session.execute(
        sa.select(ConsoleUser).where(ConsoleUser.username == username)
    ).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.is_active:
        session.add(LoginAttempt(username=username, ip=ip, success=False, attempted_at=utcnow()))
        return None, "invalid"
    session.add(LoginAttempt(username=username, ip=ip, success=True, attempted_at=utcnow()))
    user.last_login_at = utcnow()
    return user, ""


def open_session(session: Session, user: ConsoleUser, hours: int) -> str:
    token = new_token()
    now = utcnow()
    session.add(
        ConsoleSession(
            token_hash=token_hash(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + dt.timedelta(hours=hours),
        )
    )
    session.execute(sa.delete(ConsoleSession).where(ConsoleSession.expires_at < now))
    return token


def session_user(session: Session, token: str) -> Optional[ConsoleUser]:
    row = session.get(ConsoleSession, token_hash(token))
    if row is None or row.expires_at < utcnow() or not row.user.is_active:
        return None
    return row.user


def close_session(session: Session, token: str) -> None:
    session.execute(sa.delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash(token)))
