"""The console shows names, not ids, and takes its lists from their one source
(bot.vocabulary: domain.yml and the catalogue), not from copies."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import (  # noqa: E402
    BASE_TS,
    WebApp,
    conversation_events,
    create_user,
    login,
    make_store,
    migrate,
    save_conversation,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def catalogue_db(tmp_path_factory):
    from bot.catalog.commands import import_catalog
    from bot.db import dispose_engines

    url = f"sqlite:///{tmp_path_factory.mktemp('names') / 'names.db'}"
    migrate(url)
    import_catalog(ROOT / "data" / "catalog", url)
    create_user(url, "cohuong", "counsellor")
    store = make_store(url)
    try:
        events = conversation_events(
            [
                dict(
                    text="nhà em ở xã Bình Nguyên",
                    intent="inform",
                    confidence=0.95,
                    entities=[{"entity": "area", "value": "binh_nguyen"}],
                    slots={"area": "binh_nguyen", "user_role": "student"},
                )
            ],
            BASE_TS,
        )
        save_conversation(store, "names-1", events)
    finally:
        store.engine.dispose()
    yield url
    dispose_engines()


def test_area_choices_are_todays_36_units_with_their_former_districts(catalogue_db):
    from bot import vocabulary
    from bot.db import session_scope

    with session_scope(catalogue_db) as session:
        choices = vocabulary.area_choices(session)
    labels = {c.id: c.label for c in choices}
    units = [c for c in choices if c.label.startswith(("xã ", "phường "))]
    assert len(units) == 36
    assert labels["binh_nguyen"] == "xã Bình Nguyên (huyện Bình Xuyên cũ)"
    assert labels["xa_vinh_tuong"] == "xã Vĩnh Tường (huyện Vĩnh Tường cũ)"
    assert "vinh_tuong" in labels  # the former district stays filterable


def test_intents_and_entities_come_from_the_domain():
    import yaml

    from bot import vocabulary

    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert set(vocabulary.intents()) == {
        i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]
    }
    assert {"delete_my_data", "find_programme", "inform"} <= set(vocabulary.intents())
    assert set(vocabulary.entities()) >= {
        "area",
        "occupation",
        "level",
        "school",
        "beneficiary_group",
        "user_role",
    }
    assert vocabulary.slot_values("user_role") == ("student", "parent")
    assert not (ROOT / "bot" / "web" / "console" / "contract.py").exists()


def test_conversation_list_shows_area_names_not_ids(catalogue_db):
    app = WebApp(catalogue_db)
    try:
        client = login(app.base, "cohuong")
        page = client.get(app.base + "/console/conversations").text
    finally:
        app.stop()
    assert "xã Bình Nguyên (huyện Bình Xuyên cũ)" in page
    assert ">binh_nguyen<" not in page and ">vinh_tuong<" not in page
    assert page.count('<option value="') >= 36 + 9
