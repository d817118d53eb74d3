"""The console's view of the settings (bot.config.Settings), plus its signing secret."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.config import VAR_DIR, Settings, get_settings

SECRET_FILE = VAR_DIR / "console_secret"
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # "a day" in analytics, times on the pages: Vietnamese


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
    login_max_failures_per_ip: int


def load_secret(settings: Settings) -> bytes:
    """CONSOLE_SECRET, or in development a random secret generated once into var/console_secret."""
    if settings.console_secret:
        return settings.console_secret.encode("utf-8")
    if SECRET_FILE.exists():
        return SECRET_FILE.read_text(encoding="utf-8").strip().encode("utf-8")
    SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
    generated = secrets.token_urlsafe(48)
    fd = os.open(SECRET_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(generated)
    return generated.encode("utf-8")


def get_console_settings() -> ConsoleSettings:
    settings = get_settings()
    return ConsoleSettings(
        secret=load_secret(settings),
        cookie_secure=settings.console_secure_cookies,
        session_hours=settings.console_session_hours,
        low_confidence=settings.console_low_confidence,
        retention_days=settings.retention_days,
        page_size=settings.console_page_size,
        login_max_failures=settings.console_login_max_failures,
        login_window_minutes=settings.console_login_window_minutes,
        login_max_failures_per_ip=settings.console_login_max_failures_per_ip,
    )
