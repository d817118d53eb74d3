"""Fixtures for the catalogue tests: a migrated database, optionally seeded."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.migrations import runner

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


@pytest.fixture
def session(seeded_url):
    from bot.db import session_scope

    with session_scope(seeded_url) as s:
        yield s
