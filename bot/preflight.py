"""`python -m bot check`: verify the configuration before anything starts.

Each problem is reported as one line; the command exits 2 on the first one.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.config import ConfigError, Settings, get_settings, unknown_variables
from bot.db import check_database


def check_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except (redis.RedisError, ValueError) as exc:
        parts = urlsplit(url)
        raise ConfigError(
            f"Cannot reach Redis at REDIS_URL={parts.scheme}://{parts.hostname}:{parts.port}: {exc}"
        ) from exc


def run_checks() -> Settings:
    unknown = unknown_variables()
    if unknown:
        raise ConfigError(unknown[0])
    settings = get_settings()
    check_database(settings.database_url)
    if settings.redis_url:
        check_redis(settings.redis_url)
    return settings


def _handle(_args) -> int:
    settings = run_checks()
    print(
        "[setup] configuration OK (database reachable" + (", Redis reachable)" if settings.redis_url else ")")
    )
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("check", help="check the configuration (variables, database, Redis)")
    parser.set_defaults(handler=_handle)
