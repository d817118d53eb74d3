"""The catalogue tables as a whole: export (dump), import (sync), fingerprints, counts.

Used by the `python -m bot catalog` commands (`commands.py`) and by tests that
prove a failed import changed nothing.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Dict, List, Set, Tuple

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.orm import Session

from bot.catalog.models import (
    Area,
    AreaSuccession,
    BeneficiaryGroup,
    CalendarEvent,
    Institution,
    Level,
    Occupation,
    Policy,
    Programme,
)

# Table name in the YAML format -> model. Inserts in this order, deletes reversed.
TABLE_MODELS: Dict[str, type] = {
    "levels": Level,
    "beneficiary_groups": BeneficiaryGroup,
    "occupations": Occupation,
    "areas": Area,
    "area_successions": AreaSuccession,
    "institutions": Institution,
    "programmes": Programme,
    "policies": Policy,
    "calendar": CalendarEvent,
}
# Columns pointing at the same table: filled in after every row exists.
_SELF_REFERENCES = {"areas": "parent_id", "institutions": "successor_id", "policies": "superseded_by_id"}


def _primary_key(model: type) -> List[Any]:
    return list(model.__table__.primary_key.columns)


def _key_of(model: type, row: Dict[str, Any]) -> Tuple:
    return tuple(row[c.name] for c in _primary_key(model))


def dump_catalog(session: Session) -> Dict[str, List[Dict[str, Any]]]:
    """Every catalogue row as a dict of column values, ordered by primary key."""
    tables = {}
    for name, model in TABLE_MODELS.items():
        columns = list(model.__table__.columns)
        result = session.execute(select(*columns).order_by(*_primary_key(model)))
        tables[name] = [dict(row._mapping) for row in result]
    return tables


def sync_catalog(
    session: Session, tables: Dict[str, List[Dict[str, Any]]]
) -> Dict[str, Tuple[int, int, int]]:
    """Make the catalogue tables hold exactly `tables` (validated rows): update rows
    whose key exists, insert new ones, delete the rest. Runs inside the caller's
    transaction; returns {table: (inserted, updated, deleted)}."""
    stats: Dict[str, Tuple[int, int, int]] = {}
    existing_keys: Dict[str, Set[Tuple]] = {}
    for name, model in TABLE_MODELS.items():
        existing_keys[name] = {tuple(r) for r in session.execute(select(*_primary_key(model)))}
    # Upsert without self-references first, so that any order of rows works.
    for name, model in TABLE_MODELS.items():
        self_ref = _SELF_REFERENCES.get(name)
        inserted = updated = 0
        pk = _primary_key(model)
        for row in tables.get(name, []):
            values = dict(row)
            if self_ref:
                values[self_ref] = None
            key = _key_of(model, values)
            if key in existing_keys[name]:
                condition = and_(*(c == v for c, v in zip(pk, key)))
                session.execute(update(model.__table__).where(condition).values(**values))
                updated += 1
            else:
                session.execute(insert(model.__table__).values(**values))
                inserted += 1
        stats[name] = (inserted, updated, 0)
    for name, column in _SELF_REFERENCES.items():
        model = TABLE_MODELS[name]
        session.execute(update(model.__table__).values(**{column: None}))
        for row in tables.get(name, []):
            if row.get(column) is not None:
                session.execute(
                    update(model.__table__).where(model.id == row["id"]).values(**{column: row[column]})
                )
    for name, model in reversed(list(TABLE_MODELS.items())):
        wanted = {_key_of(model, row) for row in tables.get(name, [])}
        stale = existing_keys[name] - wanted
        pk = _primary_key(model)
        for key in sorted(stale):
            session.execute(delete(model.__table__).where(and_(*(c == v for c, v in zip(pk, key)))))
        inserted, updated, _ = stats[name]
        stats[name] = (inserted, updated, len(stale))
    session.flush()
    session.expire_all()
    return stats


def table_fingerprints(session: Session) -> Dict[str, Tuple[int, str]]:
    """{table: (row count, sha256 of every row)}: to prove a failed import changed nothing."""
    result = {}
    for name, rows in dump_catalog(session).items():
        digest = hashlib.sha256()
        for row in rows:
            digest.update(json.dumps(row, sort_keys=True, default=str, ensure_ascii=False).encode("utf-8"))
        result[name] = (len(rows), digest.hexdigest())
    return result


def count_rows(session: Session) -> Dict[str, int]:
    return {
        name: session.execute(select(func.count()).select_from(model.__table__)).scalar_one()
        for name, model in TABLE_MODELS.items()
    }


def all_records(session: Session, table: str) -> List[Any]:
    """Every ORM record of one catalogue table (YAML name: "areas", "policies", ...)."""
    model = TABLE_MODELS[table]
    return list(session.execute(select(model).order_by(*_primary_key(model))).unique().scalars())
