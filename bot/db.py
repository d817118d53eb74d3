"""Engine and session factory shared by the catalogue, the channels and the console.

SQLAlchemy 1.4 in 2.0 style (`future=True`). One declarative `Base` so that a
single Alembic history (bot/migrations) covers every table the project owns.
Rasa's own tracker-store table `events` lives in the same database but is
created and owned by Rasa.
"""

from __future__ import annotations

import datetime as dt
import threading
from contextlib import contextmanager
from typing import Dict, Iterator, Optional

from sqlalchemy import MetaData, create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, declarative_base, sessionmaker
from sqlalchemy.pool import QueuePool

from bot.config import ConfigError, get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))

_engines: Dict[str, Engine] = {}
_sessionmakers: Dict[str, sessionmaker] = {}
_lock = threading.Lock()


def utcnow() -> dt.datetime:
    """Naive UTC: every timestamp column of ours stores it (SQLite keeps no time zone)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def as_naive_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def configure_sqlite_connection(dbapi_connection, _record=None) -> None:
    """Every SQLite connection of the project (ours and Rasa's tracker store):
    foreign keys enforced; WAL so readers (console) never block the writer;
    synchronous=NORMAL, which in WAL mode keeps the database consistent and
    syncs at checkpoints rather than at every commit (a commit per message
    otherwise waits for the disk); a busy timeout instead of "database is locked"."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def get_engine(url: Optional[str] = None) -> Engine:
    """Return the (cached) engine for `url`, default `DATABASE_URL`."""
    url = url or get_settings().database_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            try:
                parsed = make_url(url)
            except ArgumentError as exc:
                raise ConfigError(f"DATABASE_URL is not a valid database URL: {url!r}") from exc
            kwargs = {"future": True, "pool_pre_ping": True}
            if parsed.get_backend_name() == "sqlite":
                if parsed.database:
                    from pathlib import Path

                    Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
                kwargs["connect_args"] = {"check_same_thread": False, "timeout": 15}
                if parsed.database and parsed.database != ":memory:":
                    # SQLAlchemy 1.4 gives file databases a NullPool: a new connection
                    # (and its PRAGMAs) for every session, which dominated catalogue
                    # queries (bench/catalog.py). Keep connections instead.
                    kwargs.update(poolclass=QueuePool, pool_size=5, max_overflow=10)
            else:
                kwargs["connect_args"] = {"connect_timeout": 5}
                kwargs.update(pool_size=5, max_overflow=10)
            engine = create_engine(parsed, **kwargs)
            if parsed.get_backend_name() == "sqlite":
                event.listen(engine, "connect", configure_sqlite_connection)
            _engines[url] = engine
        return engine


def get_sessionmaker(url: Optional[str] = None) -> sessionmaker:
    engine = get_engine(url)
    key = str(engine.url)
    with _lock:
        maker = _sessionmakers.get(key)
        if maker is None:
            maker = sessionmaker(engine, future=True, expire_on_commit=False)
            _sessionmakers[key] = maker
        return maker


@contextmanager
def session_scope(url: Optional[str] = None) -> Iterator[Session]:
    """A session committed on success and rolled back on any error."""
    session = get_sessionmaker(url)()
    try:
        yield session
        session.commit()
    except OperationalError:
        # The database went away (restart, network, file moved): pooled
        # connections may be unusable even after it is back, so start afresh.
        session.rollback()
        session.close()
        get_engine(url).dispose()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def check_database(url: Optional[str] = None) -> None:
    """Connect once; raise ConfigError with one line saying what is wrong."""
    url = url or get_settings().database_url
    try:
        with get_engine(url).connect() as conn:
            conn.execute(text("SELECT 1"))
    except ConfigError:
        raise
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise ConfigError(
            f"Cannot reach the database at {make_url(url).render_as_string(hide_password=True)}: {reason}"
        ) from exc
    except (SQLAlchemyError, ImportError) as exc:
        raise ConfigError(f"Database URL {url!r} cannot be used: {exc.__class__.__name__}: {exc}") from exc


def dispose_engines() -> None:
    """Close every pooled connection (tests switch databases between runs)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _sessionmakers.clear()


def create_database_if_missing(url: Optional[str] = None) -> bool:
    """Create the PostgreSQL database named in `url` if it does not exist (SQLite creates
    its file on first use). Returns True if a database was created."""
    parsed = make_url(url or get_settings().database_url)
    if parsed.get_backend_name() != "postgresql":
        return False
    maintenance = parsed.set(database="postgres")
    engine = create_engine(
        maintenance, future=True, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
            ).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
            return not exists
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise ConfigError(
            f"Cannot reach PostgreSQL at {maintenance.render_as_string(hide_password=True)}: {reason}"
        ) from exc
    finally:
        engine.dispose()
