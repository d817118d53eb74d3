"""Run Alembic programmatically (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config

from bot.config import get_settings
from bot.db import check_database

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(url: Optional[str] = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    cfg.set_main_option("sqlalchemy.url", url or get_settings().database_url)
    return cfg


def upgrade(url: Optional[str] = None, target: str = "heads") -> None:
    check_database(url)
    command.upgrade(alembic_config(url), target)


def downgrade(url: Optional[str] = None, target: str = "base") -> None:
    check_database(url)
    command.downgrade(alembic_config(url), target)
