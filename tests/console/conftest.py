"""Console fixtures: a migrated database (SQLite and PostgreSQL) holding real
tracker-store events, and the real web app serving it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import WebApp, create_user, migrate, seed  # noqa: E402

from tests.services import fresh_postgres_database  # noqa: E402


def _prepare(url: str) -> str:
    migrate(url)
    seed(url)
    create_user(url, "admin", "admin")
    create_user(url, "cobich", "counsellor")
    return url


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def console_db(request, tmp_path_factory):
    """A migrated database with seeded conversations and two accounts."""
    from bot.db import dispose_engines

    if request.param == "postgresql":
        with fresh_postgres_database() as url:
            yield _prepare(url)
        return
    try:
        yield _prepare(f"sqlite:///{tmp_path_factory.mktemp('console') / 'console.db'}")
    finally:
        dispose_engines()


@pytest.fixture(scope="module")
def web(console_db):
    app = WebApp(console_db, extra_env={"CONSOLE_PAGE_SIZE": "2"})
    try:
        yield app
    finally:
        app.stop()
