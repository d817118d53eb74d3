"""Fixtures for the catalogue tests: a migrated database, optionally seeded.

`seeded_url` is a fresh seeded database per test (for tests that write);
`session` reads from one seeded database per module and backend, because the
query tests never write and seeding per test would dominate the run time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.db import dispose_engines
from bot.migrations import runner
from tests.services import fresh_postgres_database

SEED_DIR = Path(__file__).resolve().parents[2] / "data" / "catalog"


@pytest.fixture
def migrated_url(database_url) -> str:
    runner.upgrade(database_url)
    return database_url


@pytest.fixture
def seeded_url(migrated_url) -> str:
    from bot.catalog.commands import import_catalog

    import_catalog(SEED_DIR, migrated_url)
    return migrated_url


def _seed(url: str) -> str:
    from bot.catalog.commands import import_catalog

    runner.upgrade(url)
    import_catalog(SEED_DIR, url)
    return url


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_seeded_url(request, tmp_path_factory):
    if request.param == "postgresql":
        with fresh_postgres_database() as url:
            yield _seed(url)
        return
    try:
        yield _seed(f"sqlite:///{tmp_path_factory.mktemp('catalog') / 'queries.db'}")
    finally:
        dispose_engines()


@pytest.fixture
def session(shared_seeded_url):
    from bot.db import session_scope

    with session_scope(shared_seeded_url) as s:
        yield s
        s.rollback()
