"""Console settings from the environment (secrets only from there or var/)."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from bot.config import VAR_DIR

SECRET_FILE = VAR_DIR / "console_secret"
VN_UTC_OFFSET = 7 * 3600  # Asia/Ho_Chi_Minh, no DST: "a day" in analytics is a Vietnamese day


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class ConsoleSettings:
    secret: bytes
    cookie_secure: bool
    session_hours: int
    low_confidence: float
    retention_days: int
    page_size: int
    login_max_failures: int
    login_window_minutes: int


def load_secret() -> bytes:
    """CONSOLE_SECRET, or in development a random secret generated once into var/console_secret."""
    value = os.environ.get("CONSOLE_SECRET")
    if value:
        return value.encode("utf-8")
    if SECRET_FILE.exists():
        return SECRET_FILE.read_text(encoding="utf-8").strip().encode("utf-8")
    SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
    generated = secrets.token_urlsafe(48)
    fd = os.open(SECRET_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(generated)
    return generated.encode("utf-8")


def low_confidence_default() -> float:
    return float(os.environ.get("CONSOLE_LOW_CONFIDENCE") or 0.6)


def retention_days_default() -> int:
    return int(os.environ.get("RETENTION_DAYS") or 180)


def get_console_settings() -> ConsoleSettings:
    env = os.environ
    return ConsoleSettings(
        secret=load_secret(),
        cookie_secure=_flag("CONSOLE_COOKIE_SECURE", False),
        session_hours=int(env.get("CONSOLE_SESSION_HOURS") or 12),
        low_confidence=low_confidence_default(),
        retention_days=retention_days_default(),
        page_size=int(env.get("CONSOLE_PAGE_SIZE") or 50),
        login_max_failures=int(env.get("CONSOLE_LOGIN_MAX_FAILURES") or 5),
        login_window_minutes=int(env.get("CONSOLE_LOGIN_WINDOW_MINUTES") or 15),
    )
