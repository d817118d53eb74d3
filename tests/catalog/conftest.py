"""Fixtures for the catalogue tests: a migrated database, optionally seeded.

`seeded_url` is a fresh seeded database per test (for tests that write);
`session` reads from one seeded database per module and backend, because the
query tests never write and seeding per test would dominate the run time.
"""
from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest

from bot.db import dispose_engines
from bot.migrations import runner

SEED_DIR = Path(__file__).resolve().parents[2] / "data" / "catalog"
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture
def migrated_url(database_url) -> str:
    runner.upgrade(database_url)
    return database_url


@pytest.fixture
def seeded_url(migrated_url) -> str:
    from bot.catalog.commands import import_catalog

    import_catalog(SEED_DIR, migrated_url)
    return migrated_url


def _postgres_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_seeded_url(request, tmp_path_factory):
    import sqlalchemy as sa

    from bot.catalog.commands import import_catalog

    admin = name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('catalog') / 'queries.db'}"
    else:
        if not _postgres_available():
            if IN_CI:
                pytest.fail("PostgreSQL is required under CI=true but is not available", pytrace=False)
            pytest.skip("PostgreSQL on 127.0.0.1:5432 not available")
        admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
        name = f"t_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        runner.upgrade(url)
        import_catalog(SEED_DIR, url)
        yield url
    finally:
        dispose_engines()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


@pytest.fixture
def session(shared_seeded_url):
    from bot.db import session_scope

    with session_scope(shared_seeded_url) as s:
        yield s
        s.rollback()
