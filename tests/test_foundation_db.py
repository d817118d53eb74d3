import pytest
from sqlalchemy import text

from bot.config import ConfigError
from bot.db import check_database, session_scope


def test_database_reachable(database_url):
    check_database(database_url)
    with session_scope(database_url) as session:
        assert session.execute(text("SELECT 1 + 1")).scalar_one() == 2


def test_unreachable_database_is_one_clear_line():
    with pytest.raises(ConfigError) as info:
        check_database("postgresql://nobody@127.0.0.1:1/none")
    message = str(info.value)
    assert "Cannot reach the database" in message and "\n" not in message


def test_invalid_url_is_config_error():
    with pytest.raises(ConfigError, match="not a valid database URL"):
        check_database("not a url")
