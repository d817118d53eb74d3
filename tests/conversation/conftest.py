"""The running stack shared by the conversation tests: the real action server on a
PostgreSQL catalogue (migrated + seeded, so a test can take it down for real) and
the real Rasa server on a SQLite tracker store (tests/procs.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Dict, Iterator

import pytest
import sqlalchemy as sa

from tests import procs
from tests.services import fresh_postgres_database


def _bot(url: str, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=procs.ROOT,
        check=True,
        capture_output=True,
        env={**os.environ, "DATABASE_URL": url},
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Dict[str, object]]:
    """Action server on a PostgreSQL catalogue (so a test can take it down for real),
    Rasa server on a SQLite tracker store."""
    assert procs.MODEL_PATH.exists(), "run `make model` first"
    base = tmp_path_factory.mktemp("conversation")
    tracker_url = f"sqlite:///{base / 'tracker.db'}"
    with fresh_postgres_database("t_conv") as catalog_url:
        _bot(catalog_url, "db", "upgrade")
        _bot(catalog_url, "catalog", "import", str(procs.ROOT / "data" / "catalog"))
        _bot(tracker_url, "db", "upgrade")
        actions = procs.action_server(env={"DATABASE_URL": catalog_url}).start()
        try:
            rasa = procs.rasa_server(actions.url + "/webhook", env={"DATABASE_URL": tracker_url}).start()
        except Exception:
            actions.stop()
            raise
        engine = sa.create_engine(catalog_url, future=True)
        try:
            yield {
                "rasa": rasa,
                "actions": actions,
                "catalog_url": catalog_url,
                "tracker_url": tracker_url,
                "engine": engine,
            }
        finally:
            engine.dispose()
            rasa.stop()
            actions.stop()


@pytest.fixture
def catalog(stack):
    from sqlalchemy.orm import Session

    with Session(stack["engine"], future=True) as session:
        yield session
