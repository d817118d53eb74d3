"""Settings read from environment variables (secrets only ever come from here).

Nothing in this module touches a database or a file at import time; callers ask
for `get_settings()` when they need it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"


class ConfigError(RuntimeError):
    """A configuration problem the operator must fix; its message is one clear line."""


def default_database_url() -> str:
    return f"sqlite:///{VAR_DIR / 'assistant.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: Optional[str]
    action_endpoint: str
    rasa_url: str
    web_port: int
    console_secret: Optional[str]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def get_settings() -> Settings:
    env = os.environ
    return Settings(
        database_url=env.get("DATABASE_URL") or default_database_url(),
        redis_url=env.get("REDIS_URL") or None,
        action_endpoint=env.get("ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook"),
        rasa_url=env.get("RASA_URL", "http://127.0.0.1:5005"),
        web_port=int(env.get("WEB_PORT", "8000")),
        console_secret=env.get("CONSOLE_SECRET") or None,
    )
