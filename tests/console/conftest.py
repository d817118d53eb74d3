"""Console fixtures: a migrated database (SQLite and PostgreSQL) holding real
tracker-store events, and the real web app serving it."""
from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import WebApp, create_user, migrate, seed  # noqa: E402

def _postgres_database():
    from tests.conftest import POSTGRES_ADMIN_URL, require_postgres
    import sqlalchemy as sa

    require_postgres()
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    name = f"t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def console_db(request, tmp_path_factory):
    """A migrated database with seeded conversations and two accounts."""
    from bot.db import dispose_engines

    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path_factory.mktemp('console') / 'console.db'}", (lambda: None)
    else:
        url, drop = _postgres_database()
    try:
        migrate(url)
        seed(url)
        create_user(url, "admin", "admin")
        create_user(url, "cobich", "counsellor")
        yield url
    finally:
        dispose_engines()
        drop()


@pytest.fixture(scope="module")
def web(console_db):
    app = WebApp(console_db, extra_env={"CONSOLE_PAGE_SIZE": "2"})
    try:
        yield app
    finally:
        app.stop()
