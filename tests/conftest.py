"""Shared fixtures.

`database_url` runs a test on SQLite (a fresh file) and on PostgreSQL (a fresh
database on 127.0.0.1:5432). Services are required through tests/services.py:
skipped with the reason on a developer machine, mandatory under CI=true.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from bot.db import dispose_engines
from tests.services import REDIS_TEST_URL, fresh_postgres_database, require_redis


@pytest.fixture
def sqlite_url(tmp_path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'test.db'}"
    dispose_engines()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request) -> str:
    """The same test against SQLite and PostgreSQL."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


@pytest.fixture
def redis_url() -> str:
    require_redis()
    return REDIS_TEST_URL
