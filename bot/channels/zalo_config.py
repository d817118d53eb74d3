"""Settings of the Zalo OA channel.

They reach the channel through `credentials.yml` (section
`bot.channels.zalo.ZaloInput`), whose `${ZALO_...}` placeholders Rasa fills
from the environment. Rasa refuses to start when a placeholder is unset, so
bot/rasa_main.py exports `ZALO_ENV_DEFAULTS` first: with the defaults the
channel is mounted but, having no OA secret, answers every webhook with 401.

Importing this module touches nothing (no network, no database, no file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Tuple

from bot.config import get_settings, zalo_env_defaults

# Environment variable -> default (declared in bot.config.Settings). Empty secrets mean "not configured".
ZALO_ENV_DEFAULTS = zalo_env_defaults()

SIGNATURE_VARIANTS = (
    "app_id+body+oa_secret",  # documented by [Z3][Z4]: the default
    "oa_id+body+oa_secret",  # [Z1] uses the OA id as first term
    "app_id+header+oa_secret",  # [Z1] takes the timestamp from a `timestamp` header
    "app_id+body+app_secret",  # one community guide uses the app secret
)

BUTTON_MODES = ("buttons", "text")
PROCESSING_MODES = ("thread", "loop")


def _text(value: Any, default: str = "") -> str:
    if value is None:
        return default
    value = str(value).strip()
    return value if value else default


def _number(value: Any, default: float, minimum: float = 0.0) -> float:
    try:
        number = float(_text(value) or default)
    except ValueError:
        raise ValueError(f"Zalo channel: expected a number, got {value!r}") from None
    return max(minimum, number)


def _flag(value: Any, default: bool = False) -> bool:
    text = _text(value).lower()
    if not text:
        return default
    return text in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class ZaloConfig:
    app_id: str = ""
    oa_id: str = ""
    oa_secret_key: str = field(default="", repr=False)
    app_secret_key: str = field(default="", repr=False)
    seed_access_token: str = field(default="", repr=False)
    seed_refresh_token: str = field(default="", repr=False)
    api_base_url: str = "https://openapi.zalo.me"
    oauth_base_url: str = "https://oauth.zaloapp.com"
    signature_variants: Tuple[str, ...] = ("app_id+body+oa_secret",)
    replay_window_seconds: float = 7200.0
    future_skew_seconds: float = 300.0
    button_mode: str = "buttons"
    max_buttons: int = 4
    text_limit: int = 2000
    workers: int = 2
    send_timeout_seconds: float = 10.0
    send_max_attempts: int = 5
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 30.0
    refresh_margin_seconds: float = 18000.0
    seed_expires_in_seconds: float = 90000.0
    max_sends_per_second: float = 15.0
    follow_payload: str = "/greet"
    reply_with_message_id: bool = False
    menu_ttl_seconds: float = 3600.0
    claim_budget_seconds: float = 0.0
    processing: str = "thread"
    lease_seconds: float = 30.0  # an unanswered event of a process silent this long is taken over
    queue_size: int = 10000
    database_url: Optional[str] = None
    redis_url: Optional[str] = None

    @classmethod
    def from_mapping(cls, values: Optional[Mapping[str, Any]]) -> "ZaloConfig":
        """Build from a credentials.yml section (strings, possibly empty)."""
        values = dict(values or {})
        variants = tuple(
            v.strip()
            for v in _text(values.get("signature_variants"), SIGNATURE_VARIANTS[0]).split(",")
            if v.strip()
        )
        unknown = [v for v in variants if v not in SIGNATURE_VARIANTS]
        if unknown:
            raise ValueError(
                f"Zalo channel: unknown signature variant(s) {unknown}; "
                f"choose from {', '.join(SIGNATURE_VARIANTS)}"
            )
        mode = _text(values.get("button_mode"), "buttons").lower()
        if mode not in BUTTON_MODES:
            raise ValueError(f"Zalo channel: button_mode must be one of {BUTTON_MODES}, got {mode!r}")
        processing = _text(values.get("processing"), "thread").lower()
        if processing not in PROCESSING_MODES:
            raise ValueError(
                f"Zalo channel: processing must be one of {PROCESSING_MODES}, got {processing!r}"
            )
        settings = get_settings()
        return cls(
            app_id=_text(values.get("app_id")),
            oa_id=_text(values.get("oa_id")),
            oa_secret_key=_text(values.get("oa_secret_key")),
            app_secret_key=_text(values.get("app_secret_key")),
            seed_access_token=_text(values.get("access_token")),
            seed_refresh_token=_text(values.get("refresh_token")),
            api_base_url=_text(values.get("api_base_url"), cls.api_base_url).rstrip("/"),
            oauth_base_url=_text(values.get("oauth_base_url"), cls.oauth_base_url).rstrip("/"),
            signature_variants=variants or (SIGNATURE_VARIANTS[0],),
            replay_window_seconds=_number(values.get("replay_window_seconds"), 7200, 1),
            button_mode=mode,
            max_buttons=int(_number(values.get("max_buttons"), 4, 0)),
            text_limit=int(_number(values.get("text_limit"), 2000, 50)),
            workers=int(_number(values.get("workers"), 2, 1)),
            send_timeout_seconds=_number(values.get("send_timeout_seconds"), 10, 0.1),
            send_max_attempts=int(_number(values.get("send_max_attempts"), 5, 1)),
            backoff_base_seconds=_number(values.get("backoff_base_seconds"), 1, 0),
            backoff_cap_seconds=_number(values.get("backoff_cap_seconds"), 30, 0),
            refresh_margin_seconds=_number(values.get("refresh_margin_seconds"), 18000, 0),
            max_sends_per_second=_number(values.get("max_sends_per_second"), 15, 0),
            follow_payload=_text(values.get("follow_payload"))
            if values.get("follow_payload") is not None
            else "/greet",
            reply_with_message_id=_flag(values.get("reply_with_message_id")),
            claim_budget_seconds=_number(values.get("claim_budget_seconds"), 0.0, 0),
            processing=processing,
            lease_seconds=_number(values.get("lease_seconds"), 30.0, 0.5),
            database_url=_text(values.get("database_url")) or settings.database_url,
            redis_url=_text(values.get("redis_url")) or settings.redis_url,
        )

    @property
    def send_url(self) -> str:
        return f"{self.api_base_url}/v3.0/oa/message/cs"

    @property
    def token_url(self) -> str:
        return f"{self.oauth_base_url}/v4/oa/access_token"

    @property
    def token_key(self) -> str:
        """Row key of the token pair: one pair per app (and OA)."""
        return self.app_id or "default"
