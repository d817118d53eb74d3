"""Console fixtures: a migrated database (SQLite and PostgreSQL) holding real
tracker-store events, and the real web app serving it."""
from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import (  # noqa: E402
    WebApp,
    conversation_events,
    create_user,
    make_store,
    migrate,
    save_conversation,
)

BASE_TS = 1_760_000_000.0  # 2025-10-09 (UTC)

SEED = {
    "c-script": dict(channel="socketio", turns=[
        dict(text="<script>alert('x')</script> em muốn học điện công nghiệp ở Vĩnh Yên", intent="find_programme",
             confidence=0.91, entities=[{"entity": "area", "value": "vinh_yen", "span": "Vĩnh Yên"}],
             slots={"user_role": "student"}, reply="Em có thể học ở <b>trường</b> ..."),
    ]),
    "c-phone": dict(channel="socketio", turns=[
        dict(text="cho em gặp thầy cô tư vấn, số của mẹ em là 0912 345 678, email me.nguyen@example.com",
             intent="request_human", confidence=0.97, reply="Thầy cô sẽ gọi lại số 0912345678 nhé."),
        dict(text="CCCD của bố em 001203012345", intent="inform", confidence=0.88),
    ]),
    "c-fallback": dict(channel="socketio", turns=[
        dict(text="hôm nay trời mưa không", intent="nlu_fallback", confidence=0.3, action="action_default_fallback",
             ranking=[{"name": "nlu_fallback", "confidence": 0.3}, {"name": "out_of_scope", "confidence": 0.28}],
             reply="Xin lỗi, em nói lại được không?"),
    ]),
    "c-lowconf": dict(channel="zalo", turns=[
        dict(text="cho hỏi về học phí trung cấp ở Vĩnh Tường", intent="ask_support_policy", confidence=0.42,
             entities=[{"entity": "area", "value": "vinh_tuong", "span": "Vĩnh Tường"},
                       {"entity": "user_role", "value": "parent", "span": "cho"}],
             reply="Học sinh trung cấp được miễn học phí (nguồn: ...)."),
    ]),
    "c-parent": dict(channel="rest", turns=[
        dict(text="nên cho con học nghề hay thi vào cấp 3", intent="compare_paths", confidence=0.9,
             slots={"user_role": "parent"}),
    ]),
}


def seed(url: str) -> None:
    store = make_store(url)
    try:
        for i, (sender_id, spec) in enumerate(SEED.items()):
            events = conversation_events(spec["turns"], BASE_TS + i * 3600, channel=spec["channel"])
            save_conversation(store, sender_id, events)
    finally:
        store.engine.dispose()


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
