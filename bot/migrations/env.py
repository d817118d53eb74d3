"""Alembic environment. Each subsystem keeps its tables on its own branch
(branch label = subsystem name, down_revision None at its root), so the
catalogue, channel and console schemas evolve independently; `upgrade heads`
applies them all."""
from __future__ import annotations

import importlib

from alembic import context

from bot.db import Base, get_engine

# Modules that declare tables on bot.db.Base (imported for autogenerate).
MODEL_MODULES = [
    "bot.catalog.models",
    "bot.channels.store",
    "bot.web.store",
]
for name in MODEL_MODULES:
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:  # a subsystem not present in this checkout
        # exc.name may be the missing parent package (git keeps no empty dirs).
        if not (name == exc.name or name.startswith(f"{exc.name}.")):
            raise

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
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()


run_migrations()
