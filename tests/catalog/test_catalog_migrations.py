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
