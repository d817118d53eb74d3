"""The one reader of environment variables: `Settings` (pydantic-settings).

Every variable the project reads is a field here, named like the variable in
lower case (`DATABASE_URL` -> `database_url`), and documented in README.md's
configuration table (the Zalo channel's in docs/zalo.md); tests/test_settings.py
checks both directions. Rasa's own `RASA_*` variables (telemetry, cache) are
Rasa's business; the few `RASA_*` names below are the project's.

Some are used outside Python: the Procfile's ports and CORS origins, the
`${...}` placeholders of credentials.yml (Zalo, REST token) that Rasa fills.
Declaring them here still matters: `python -m bot check` validates them, and the
list of what the project reads stays complete.

Nothing in this module touches a database or a file at import time; callers ask
for `get_settings()` when they need it (it reads the environment as it is then).
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"

# Prefixes that belong to this project entirely: an unknown name under them is a typo.
OWNED_PREFIXES = ("CONSOLE_", "ZALO_")
# Names an earlier version read (or documented), and the name that replaced them.
RENAMED = {"CONSOLE_COOKIE_SECURE": "CONSOLE_SECURE_COOKIES"}


class ConfigError(RuntimeError):
    """A configuration problem the operator must fix; its message is one clear line."""


def default_database_url() -> str:
    return f"sqlite:///{VAR_DIR / 'assistant.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        frozen=True, extra="ignore", env_ignore_empty=True, case_sensitive=False
    )

    # --- storage and processes
    database_url: str = Field(default_factory=default_database_url)
    redis_url: Optional[str] = None
    action_endpoint_url: str = "http://127.0.0.1:5055/webhook"
    action_port: int = Field(5055, ge=1, le=65535)  # Procfile
    rasa_port: int = Field(5005, ge=1, le=65535)  # Procfile
    web_port: int = Field(8000, ge=1, le=65535)
    rasa_public_url: str = ""  # the chat page's socket.io address; empty: page host, port 5005
    rasa_cors_origins: Optional[str] = None  # Procfile: Rasa's --cors; unset: the chat page's origins
    rest_channel_token: str = Field("", repr=False)  # credentials.yml: empty, the REST channel needs no token
    message_concurrency: int = Field(2, ge=1)
    tracker_cache_size: int = Field(500, ge=0)
    retention_days: int = Field(180, ge=1)
    rasa_replicas: int = Field(2, ge=1)  # scaled profile
    action_replicas: int = Field(2, ge=1)  # scaled profile
    bot_today: Optional[dt.date] = None  # pins "today" for date-dependent answers (tests)

    # --- counsellor console (docs/console.md)
    console_secret: Optional[str] = Field(None, repr=False)
    console_secure_cookies: bool = False
    console_session_hours: int = Field(12, ge=1)
    console_low_confidence: float = Field(0.6, ge=0.0, le=1.0)
    console_page_size: int = Field(50, ge=1, le=1000)
    console_login_max_failures: int = Field(5, ge=1)
    console_login_window_minutes: int = Field(15, ge=1)
    console_login_max_failures_per_ip: int = Field(30, ge=1)

    # --- Zalo OA channel (docs/zalo.md). Text: the values reach the channel through the
    # ${ZALO_...} placeholders of credentials.yml; bot/channels/zalo_config.py checks them.
    zalo_app_id: str = ""
    zalo_oa_id: str = ""
    zalo_oa_secret_key: str = Field("", repr=False)
    zalo_app_secret_key: str = Field("", repr=False)
    zalo_access_token: str = Field("", repr=False)
    zalo_refresh_token: str = Field("", repr=False)
    zalo_api_base_url: str = "https://openapi.zalo.me"
    zalo_oauth_base_url: str = "https://oauth.zaloapp.com"
    zalo_signature_variants: str = "app_id+body+oa_secret"
    zalo_replay_window_seconds: str = "7200"
    zalo_button_mode: str = "buttons"
    zalo_max_buttons: str = "4"
    zalo_workers: str = "2"
    zalo_send_timeout_seconds: str = "10"
    zalo_send_max_attempts: str = "5"
    zalo_backoff_base_seconds: str = "1"
    zalo_backoff_cap_seconds: str = "30"
    zalo_refresh_margin_seconds: str = "18000"
    zalo_max_sends_per_second: str = "15"
    zalo_follow_payload: str = "/greet"
    zalo_reply_with_message_id: str = "false"
    zalo_claim_budget_seconds: str = "0"
    zalo_processing: str = "thread"
    zalo_lease_seconds: str = "30"

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://") :]
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def variable_names() -> List[str]:
    """Every environment variable the project reads."""
    return sorted(name.upper() for name in Settings.model_fields)


def zalo_env_defaults() -> Dict[str, str]:
    """ZALO_* variable -> default, for the placeholders of credentials.yml."""
    return {
        name.upper(): field.default
        for name, field in Settings.model_fields.items()
        if name.startswith("zalo_")
    }


def unknown_variables(environ: Optional[Mapping[str, str]] = None) -> List[str]:
    """One line per set CONSOLE_*/ZALO_* variable that nothing reads (most likely a typo)."""
    environ = os.environ if environ is None else environ
    known = set(variable_names())
    lines = []
    for name in sorted(environ):
        upper = name.upper()
        if upper.startswith(OWNED_PREFIXES) and upper not in known:
            close = (
                [RENAMED[upper]]
                if upper in RENAMED
                else difflib.get_close_matches(upper, sorted(known), n=1, cutoff=0.6)
            )
            hint = f"; did you mean {close[0]}?" if close else ""
            lines.append(
                f"unknown variable {name} (not read by anything; see README.md, Configuration){hint}"
            )
    return lines


def _one_line(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        name = str(error["loc"][0]).upper() if error.get("loc") else "?"
        problems.append(f"{name}={error.get('input')!r}: {error['msg']}")
    return "invalid configuration: " + "; ".join(problems)


def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(_one_line(exc)) from None
