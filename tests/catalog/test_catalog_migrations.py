from sqlalchemy import create_engine, inspect

from bot.migrations import runner

CATALOG_TABLES = {
    "catalog_areas",
    "catalog_area_successions",
    "catalog_levels",
    "catalog_beneficiary_groups",
    "catalog_occupations",
    "catalog_institutions",
    "catalog_programmes",
    "catalog_policies",
}


def _tables(url):
    engine = create_engine(url, future=True)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_then_downgrade_then_upgrade(database_url):
    runner.upgrade(database_url)
    assert CATALOG_TABLES <= _tables(database_url)
    runner.downgrade(database_url, "catalog@base")
    assert not (CATALOG_TABLES & _tables(database_url))
    runner.upgrade(database_url)
    assert CATALOG_TABLES <= _tables(database_url)
    runner.downgrade(database_url)
    assert not (CATALOG_TABLES & _tables(database_url))


def test_cli_upgrade_and_downgrade(database_url):
    from bot.cli import main

    assert main(["db", "upgrade", "--url", database_url]) == 0
    assert CATALOG_TABLES <= _tables(database_url)
    assert main(["db", "downgrade", "--url", database_url]) == 0
    assert not (CATALOG_TABLES & _tables(database_url))


def test_upgrade_of_a_catalogue_holding_data(tmp_path):
    """catalog_0002 rebuilds tables that other rows point at (SQLite batch mode): a
    database filled by the previous release upgrades, and a second run is a no-op."""
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'old.db'}"
    runner.upgrade(url, "catalog@catalog_0001")
    engine = create_engine(url, future=True)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("PRAGMA foreign_keys=ON"))
            conn.execute(
                sa.text(
                    "INSERT INTO catalog_areas (id, name, aliases, kind, status, source, confidence, checked_on)"
                    " VALUES ('vinh_tuong', 'huyện Vĩnh Tường', '[]', 'district', 'abolished', 'x', 'P', '2026-11-27'),"
                    " ('vinh_thanh', 'xã Vĩnh Thành', '[]', 'commune', 'active', 'x', 'P', '2026-11-27')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO catalog_area_successions (predecessor_id, successor_id, source, confidence,"
                    " checked_on) VALUES ('vinh_tuong', 'vinh_thanh', 'x', 'P', '2026-11-27')"
                )
            )
    finally:
        engine.dispose()
    runner.upgrade(url)
    runner.upgrade(url)
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM catalog_area_successions")).scalar_one() == 1
            assert (
                conn.execute(sa.text("SELECT citation FROM catalog_areas WHERE id='vinh_thanh'")).scalar_one()
                == "x"
            )
    finally:
        engine.dispose()
