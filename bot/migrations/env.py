"""Alembic environment. Each subsystem keeps its tables on its own branch
(branch label = subsystem name, down_revision None at its root), so the
catalogue, channel and console schemas evolve independently; `upgrade heads`
applies them all."""

from __future__ import annotations

from alembic import context

# The modules that declare tables on bot.db.Base, imported so autogenerate sees them.
import bot.catalog.models  # noqa: F401
import bot.channels.store  # noqa: F401
import bot.handoff  # noqa: F401
import bot.web.console.store  # noqa: F401
from bot.db import Base, get_engine

target_metadata = Base.metadata


def run_migrations() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    with get_engine(url).connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a SQLite table (copy, drop, rename); with foreign keys
            # enforced, dropping a table other rows point at fails on a database that
            # holds data. SQLite ignores this pragma inside a transaction: set it first.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
            conn.commit()
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")


run_migrations()
