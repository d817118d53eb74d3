"""Action tests run the real actions against a real SQLite catalogue: the
schema is migrated and data/catalog imported into a temporary file once per
module, and DATABASE_URL points at it (actions read it per call)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.db import dispose_engines

ROOT = Path(__file__).resolve().parents[2]
SEED_DIR = ROOT / "data" / "catalog"


@pytest.fixture(scope="module")
def catalog_url(tmp_path_factory) -> str:
    from bot.catalog.commands import import_catalog
    from bot.migrations import runner

    url = f"sqlite:///{tmp_path_factory.mktemp('actions') / 'catalog.db'}"
    runner.upgrade(url)
    import_catalog(SEED_DIR, url)
    yield url
    dispose_engines()


@pytest.fixture(autouse=True)
def use_catalog(catalog_url, monkeypatch) -> str:
    monkeypatch.setenv("DATABASE_URL", catalog_url)
    monkeypatch.delenv("BOT_TODAY", raising=False)
    return catalog_url


@pytest.fixture
def session(catalog_url):
    from bot.db import session_scope

    with session_scope(catalog_url) as s:
        yield s
