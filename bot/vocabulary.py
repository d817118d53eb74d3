"""The one source of the lists other parts key on.

- Intents, entities and slot values come from `domain.yml` (the NLU contract's
  names, plus what the project adds).
- Areas, schools, levels, occupations and beneficiary groups come from the
  catalogue: `catalogue_ids` / `catalogue_records` read its files
  (data/catalog, no database), `area_choices` its tables; `CATALOG_ENTITY_TABLES`
  says which domain entity each catalogue file backs.
- The Vietnamese names of intents, slots, slot values and channels come from
  the domain's `labels:` table (`labels`, `slot_value_labels`).

The console, the NLU components (gazetteer, entity-reply rule), the NLU
evaluation, the benchmarks and the tests read them here instead of keeping
copies that drift (the console once knew 9 areas while the catalogue had 15).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, NamedTuple, Optional, Tuple

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

DOMAIN_PATH = Path(__file__).resolve().parents[1] / "domain.yml"
CATALOG_DIR = Path(__file__).resolve().parents[1] / "data" / "catalog"

# Domain entity -> the catalogue file (and table) holding its values, by id.
CATALOG_ENTITY_TABLES: Dict[str, str] = {
    "area": "areas",
    "school": "institutions",
    "occupation": "occupations",
    "level": "levels",
    "beneficiary_group": "beneficiary_groups",
}


@lru_cache(maxsize=4)
def _domain(path: Path = DOMAIN_PATH) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _names(entries) -> Tuple[str, ...]:
    """Domain lists hold names or one-key mappings (`- intent: {use_entities: ...}`)."""
    names = []
    for entry in entries or []:
        names.append(next(iter(entry)) if isinstance(entry, dict) else str(entry))
    return tuple(names)


def intents(path: Path = DOMAIN_PATH) -> Tuple[str, ...]:
    return _names(_domain(path).get("intents"))


def entities(path: Path = DOMAIN_PATH) -> Tuple[str, ...]:
    return _names(_domain(path).get("entities"))


def slot_values(slot: str, path: Path = DOMAIN_PATH) -> Tuple[str, ...]:
    """The values of a categorical slot (e.g. `user_role`: student, parent)."""
    return tuple((_domain(path).get("slots") or {}).get(slot, {}).get("values") or ())


def labels(kind: str, path: Path = DOMAIN_PATH) -> Dict[str, str]:
    """Vietnamese names from the domain's `labels:` table; kind: intents, slots (also the
    entities' names), channels."""
    return {str(k): str(v) for k, v in ((_domain(path).get("labels") or {}).get(kind) or {}).items()}


def slot_value_labels(slot: str, path: Path = DOMAIN_PATH) -> Dict[str, str]:
    """Vietnamese names of a slot's values (`labels: slot_values:` in the domain)."""
    table = ((_domain(path).get("labels") or {}).get("slot_values") or {}).get(slot) or {}
    return {str(k): str(v) for k, v in table.items()}


@lru_cache(maxsize=16)
def catalogue_records(table: str, directory: Path = CATALOG_DIR) -> Tuple[Dict[str, Any], ...]:
    """The records of one catalogue file as written (`<directory>/<table>.yml`)."""
    data = yaml.safe_load((Path(directory) / f"{table}.yml").read_text(encoding="utf-8")) or {}
    return tuple(r for r in data.get(table) or [] if isinstance(r, dict))


def catalogue_ids(entity: str, directory: Path = CATALOG_DIR) -> FrozenSet[str]:
    """The ids an entity's values may take ("area" -> every area id of the catalogue)."""
    return frozenset(str(r["id"]) for r in catalogue_records(CATALOG_ENTITY_TABLES[entity], directory))


class AreaChoice(NamedTuple):
    id: str
    label: str  # today's name, with the former district(s) in brackets


def area_choices(session: Session) -> List[AreaChoice]:
    """Today's communes and wards (with their former districts), then the former
    districts and the provinces: what a filter on areas offers."""
    from bot.catalog.models import Area

    rows = session.execute(select(Area).where(Area.status == "active")).scalars().all()
    by_id: Dict[str, Area] = {a.id: a for a in session.execute(select(Area)).scalars()}

    def former(area: Area) -> Optional[str]:
        names = [by_id[d].name.replace(" (cũ)", "") for d in area.former_district_ids or [] if d in by_id]
        return ", ".join(names) + " cũ" if names else None

    order = {"ward": 0, "commune": 0, "city": 1, "district": 1, "province": 2}
    choices = []
    for area in sorted(rows, key=lambda a: (order.get(a.kind, 3), a.name)):
        note = former(area)
        choices.append(AreaChoice(area.id, f"{area.name} ({note})" if note else area.name))
    for area in sorted(
        (a for a in by_id.values() if a.status != "active" and a.is_former_district), key=lambda a: a.name
    ):
        choices.append(AreaChoice(area.id, area.name))
    return choices


def catalogue_names(session: Session) -> Dict[str, Dict[str, str]]:
    """id -> Vietnamese name of what the catalogue names, keyed by the entity that carries
    the id: area (the labels of `area_choices`, then any other area's name), level,
    occupation, school, beneficiary_group."""
    from bot.catalog.models import Area, BeneficiaryGroup, Institution, Level, Occupation

    areas = {a.id: a.name for a in session.execute(select(Area)).scalars()}
    areas.update({c.id: c.label for c in area_choices(session)})
    names = {"area": areas}
    for entity, model in (
        ("level", Level),
        ("occupation", Occupation),
        ("school", Institution),
        ("beneficiary_group", BeneficiaryGroup),
    ):
        names[entity] = dict(session.execute(select(model.id, model.name)).all())
    return names
