"""`python -m bot db upgrade|downgrade`."""

from __future__ import annotations

from bot.db import create_database_if_missing
from bot.migrations import runner


def register(subparsers) -> None:
    db = subparsers.add_parser("db", help="database schema")
    actions = db.add_subparsers(dest="db_command", required=True)
    up = actions.add_parser("upgrade", help="apply all migrations")
    up.add_argument("--url", help="database URL (default: DATABASE_URL)")
    up.set_defaults(handler=lambda a: runner.upgrade(a.url))
    down = actions.add_parser("downgrade", help="revert migrations (default: all)")
    down.add_argument("--url")
    down.add_argument("target", nargs="?", default="base")
    down.set_defaults(handler=lambda a: runner.downgrade(a.url, a.target))
    create = actions.add_parser(
        "create-if-missing", help="create the PostgreSQL database if it does not exist"
    )
    create.add_argument("--url")
    create.set_defaults(
        handler=lambda a: print("[setup] created database") if create_database_if_missing(a.url) else None
    )
