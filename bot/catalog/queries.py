"""Every catalogue query. The only module in bot/catalog that issues SQL.

Functions take a `Session` first and return ORM objects (or small frozen
dataclasses). Ids and free text are both accepted where an entity is named:
an unknown id is looked up as text (aliases, diacritics, typos).

Conventions the callers rely on:
- a policy with no level / group restriction applies to every level / group;
  with `groups_mode` "all" the learner must belong to every listed group;
- `valid_from` / `valid_to` None means "not restricted on that side";
- a programme with `level_id` None has an unconfirmed level and matches any
  level its institution teaches; `combined_route` None means unknown and is
  taken from the institution's `runs_combined_route` (YAML `runs_9plus`) when filtering.

Functions added for the 2026 catalogue (issue 14):
- `area_meanings(session, text) -> List[Area]`: what a bare place name can
  mean ("Vĩnh Tường" -> former huyện, then xã Vĩnh Tường of today).
- `units_of_former_district(session, district) -> List[Area]`: today's
  communes/wards formed from a former district.
- `successors_of_former_commune(session, name) -> List[Area]`: today's unit a
  source names for a former commune/town ("thị trấn Tam Sơn" -> xã Tam Sơn).
- `former_districts_of(session, area) -> List[Area]`.
- `area_label(session, area) -> Optional[str]`: "xã Bình Nguyên (huyện Bình
  Xuyên (cũ))" - today's name with the former district in brackets.
- `policy_groups_hold(policy, group_ids) -> bool`: the group condition (any/all).
- `district_support(session, area, level=None, on=None) -> Optional[DistrictSupport]`:
  past district policies, notices (end of district budgets on 1/7/2025 and
  who holds the role now), today's units, current provincial/national support.
- `admission_calendar(session, school_year=None, track=None) -> List[CalendarEvent]`
  and `latest_school_year(session) -> Optional[str]`; `CalendarEvent.has_passed(on)`.
- `programmes_of_institution(session, institution) -> List[Programme]`.
- `all_records(session, table) -> List[...]`.
- Re-exported from `bot.catalog.present` (no SQL): `short_citation(record)`,
  `sources_of(record) -> List[SourceRef]`, `confidence_phrase(record)`,
  `user_facing_texts(record)`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import threading
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from bot.catalog.models import (
    NON_BENEFIT_KINDS,
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
from bot.catalog.present import (  # noqa: F401  (re-exported: callers need one import)
    SourceRef,
    confidence_phrase,
    short_citation,
    sources_of,
    user_facing_texts,
)
from bot.text import fold

CONFIDENCE_ORDER = {"V": 0, "P": 1, "U": 2}
SCOPE_ORDER = {"national": 0, "province": 1, "district": 2, "commune": 3}
FORMER_DISTRICT_KINDS = ("district", "city")


@dataclass(frozen=True)
class ProgrammeHit:
    programme: Programme
    institution: Institution
    distance_km: Optional[float]


# ---------------------------------------------------------------- get by id


def get_area(session: Session, area_id: str) -> Optional[Area]:
    return session.get(Area, area_id)


def get_institution(session: Session, institution_id: str) -> Optional[Institution]:
    return session.get(Institution, institution_id)


def get_occupation(session: Session, occupation_id: str) -> Optional[Occupation]:
    return session.get(Occupation, occupation_id)


def get_level(session: Session, level_id: str) -> Optional[Level]:
    return session.get(Level, level_id)


def get_group(session: Session, group_id: str) -> Optional[BeneficiaryGroup]:
    return session.get(BeneficiaryGroup, group_id)


def get_policy(session: Session, policy_id: str) -> Optional[Policy]:
    return session.get(Policy, policy_id)


# ------------------------------------------------------------ alias lookup

# Words people put before a name; stripped from the query and from aliases.
_PREFIXES: Dict[type, Tuple[str, ...]] = {
    Area: (
        "thanh pho",
        "thi xa",
        "thi tran",
        "huyen",
        "phuong",
        "tinh",
        "xa",
        "tp",
        "tx",
        "tt",
        "h",
        "p",
        "o",
        "tai",
    ),
    Institution: ("truong", "tr"),
    Occupation: ("nghe", "nganh", "hoc"),
    Level: ("trinh do", "he", "hoc", "bac"),
    BeneficiaryGroup: ("nguoi thuoc", "thuoc", "gia dinh", "nha", "la", "con"),
}
_SUFFIXES = ("cu",)  # "(cũ)" = former


@dataclass(frozen=True)
class _AliasIndex:
    exact: Dict[str, Optional[str]]  # folded key -> id (None when ambiguous)
    keys_by_length: Dict[int, List[str]]
    stripped: Dict[str, Optional[str]]  # key with "xã", "huyện", ... removed -> id (weaker than `exact`)


_index_cache: Dict[Tuple[str, type], Tuple[Any, _AliasIndex]] = {}
_index_lock = threading.Lock()


def _strip_affixes(key: str, prefixes: Sequence[str]) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in prefixes:
            if key.startswith(prefix + " ") and len(key) > len(prefix) + 1:
                key = key[len(prefix) + 1 :]
                changed = True
        for suffix in _SUFFIXES:
            if key.endswith(" " + suffix):
                key = key[: -len(suffix) - 1]
                changed = True
    return key


def _full_keys(text: str) -> Set[str]:
    folded = " ".join(fold(text.replace("_", " ").replace(".", " ")).split())
    return {k for k in (folded, folded.replace(" ", "")) if k}  # "vinhtuong" typed without spaces


def _stripped_keys(text: str, prefixes: Sequence[str]) -> Set[str]:
    stripped = _strip_affixes(" ".join(fold(text.replace("_", " ").replace(".", " ")).split()), prefixes)
    return {k for k in (stripped, stripped.replace(" ", "")) if k}


def _add_key(table: Dict[str, Optional[str]], key: str, entity_id: str) -> None:
    if key in table and table[key] != entity_id:
        table[key] = None  # ambiguous: never guess between two entities
    else:
        table[key] = entity_id


def _build_index(model: type, rows: Sequence[Tuple[str, str, List[str]]]) -> _AliasIndex:
    """Names and aliases as written win over forms with the prefix removed: "xã Vĩnh
    Tường" is the commune, bare "Vĩnh Tường" the former district that lists it."""
    prefixes = _PREFIXES[model]
    exact: Dict[str, Optional[str]] = {}
    stripped: Dict[str, Optional[str]] = {}
    for entity_id, name, aliases in rows:
        for text in [entity_id, name, *(aliases or [])]:
            for key in _full_keys(text):
                _add_key(exact, key, entity_id)
            for key in _stripped_keys(text, prefixes):
                _add_key(stripped, key, entity_id)
    merged = dict(stripped)
    merged.update(exact)
    by_length: Dict[int, List[str]] = {}
    for key, value in merged.items():
        if value is not None:
            by_length.setdefault(len(key), []).append(key)
    return _AliasIndex(exact=merged, keys_by_length=by_length, stripped=stripped)


def _alias_index(session: Session, model: type) -> _AliasIndex:
    rows = tuple(
        (r[0], r[1], tuple(r[2] or ()))
        for r in session.execute(select(model.id, model.name, model.aliases).order_by(model.id))
    )
    cache_key = (str(session.get_bind().url), model)
    with _index_lock:
        cached = _index_cache.get(cache_key)
        if cached is not None and cached[0] == rows:
            return cached[1]
    index = _build_index(model, rows)
    with _index_lock:
        _index_cache[cache_key] = (rows, index)
    return index


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (returning limit + 1) once it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        best = i
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            current.append(cost)
            best = min(best, cost)
        if best > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _typo_budget(length: int) -> int:
    if length >= 9:
        return 2
    if length >= 5:
        return 1
    return 0  # short forms ("VT", "IT", "tc") must match exactly


def _resolve(session: Session, model: type, text: Optional[str]) -> Optional[str]:
    if not text or not isinstance(text, str):
        return None
    index = _alias_index(session, model)
    for candidates in (_full_keys(text), _stripped_keys(text, _PREFIXES[model])):
        for key in sorted(candidates, key=len, reverse=True):
            if key in index.exact:
                return index.exact[key]  # None when ambiguous
    query = _strip_affixes(" ".join(fold(text.replace("_", " ").replace(".", " ")).split()), _PREFIXES[model])
    budget = _typo_budget(len(query))
    if budget == 0:
        return None
    best: Dict[int, Set[str]] = {}
    for length in range(len(query) - budget, len(query) + budget + 1):
        for key in index.keys_by_length.get(length, ()):
            if _typo_budget(len(key)) == 0:
                continue
            distance = _edit_distance(query, key, budget)
            if distance <= budget:
                best.setdefault(distance, set()).add(index.exact[key])
    for distance in sorted(best):
        ids = best[distance]
        return next(iter(ids)) if len(ids) == 1 else None
    return None


def _lookup(session: Session, model: type, text: str):
    found = _resolve(session, model, text)
    return session.get(model, found) if found else None


def lookup_area(session: Session, text: str) -> Optional[Area]:
    """'vinh tuong', 'Vĩnh Tường', 'h. vĩnh tường', 'VT', 'vinh_tuong' -> Area vinh_tuong."""
    return _lookup(session, Area, text)


def lookup_institution(session: Session, text: str) -> Optional[Institution]:
    return _lookup(session, Institution, text)


def lookup_occupation(session: Session, text: str) -> Optional[Occupation]:
    return _lookup(session, Occupation, text)


def lookup_level(session: Session, text: str) -> Optional[Level]:
    return _lookup(session, Level, text)


def lookup_group(session: Session, text: str) -> Optional[BeneficiaryGroup]:
    return _lookup(session, BeneficiaryGroup, text)


def _id_or_lookup(session: Session, model: type, value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    return _resolve(session, model, value)  # ids are keys of the alias index too


# ------------------------------------------------------------ area graph


@dataclass(frozen=True)
class _AreaGraph:
    areas: Dict[
        str, Tuple[str, str, Optional[str], Optional[float], Optional[float]]
    ]  # id -> kind, status, parent, lat, lon
    successors: Dict[str, List[str]]
    predecessors: Dict[str, List[str]]  # includes a unit's former district(s)
    district_units: Dict[str, List[str]]  # former district -> today's communes/wards


def _area_graph(session: Session) -> _AreaGraph:
    areas = {}
    successors: Dict[str, List[str]] = {}
    predecessors: Dict[str, List[str]] = {}
    district_units: Dict[str, List[str]] = {}
    for row in session.execute(
        select(
            Area.id, Area.kind, Area.status, Area.parent_id, Area.lat, Area.lon, Area.former_district_ids
        ).order_by(Area.id)
    ):
        areas[row.id] = (row.kind, row.status, row.parent_id, row.lat, row.lon)
        for district in row.former_district_ids or []:
            predecessors.setdefault(row.id, []).append(district)
            district_units.setdefault(district, []).append(row.id)
    links = session.execute(
        select(AreaSuccession.predecessor_id, AreaSuccession.successor_id).order_by(
            AreaSuccession.predecessor_id, AreaSuccession.successor_id
        )
    )
    for before, after in links:
        successors.setdefault(before, []).append(after)
        if before not in predecessors.get(after, []):
            predecessors.setdefault(after, []).append(before)
    return _AreaGraph(areas, successors, predecessors, district_units)


def _current_unit_ids(graph: _AreaGraph, area_id: str, seen: Optional[Set[str]] = None) -> List[str]:
    seen = set() if seen is None else seen
    if area_id in seen or area_id not in graph.areas:
        return []
    seen.add(area_id)
    kind, status, parent, _, _ = graph.areas[area_id]
    if status == "active":
        return [area_id]
    result: List[str] = []
    following = (
        graph.successors.get(area_id) or graph.district_units.get(area_id) or ([parent] if parent else [])
    )
    for next_id in following:
        for unit in _current_unit_ids(graph, next_id, seen):
            if unit not in result:
                result.append(unit)
    return result


def _former_district_id(graph: _AreaGraph, area_id: str) -> Optional[str]:
    if area_id not in graph.areas:
        return None
    kind, _, parent, _, _ = graph.areas[area_id]
    if kind in FORMER_DISTRICT_KINDS:
        return area_id
    if kind in ("commune", "ward"):
        if parent in graph.areas and graph.areas[parent][0] in FORMER_DISTRICT_KINDS:
            return parent
        before = graph.predecessors.get(area_id, [])
        for candidate in before:  # a direct district -> commune link first
            if graph.areas[candidate][0] in FORMER_DISTRICT_KINDS:
                return candidate
        for candidate in before:
            found = _former_district_id(graph, candidate)
            if found:
                return found
    return None


def _coordinates(graph: _AreaGraph, area_id: Optional[str]) -> Optional[Tuple[float, float]]:
    """The area's own centre, else its former district's, else its parent's."""
    seen: Set[str] = set()
    while area_id and area_id in graph.areas and area_id not in seen:
        seen.add(area_id)
        _, _, parent, lat, lon = graph.areas[area_id]
        if lat is not None and lon is not None:
            return lat, lon
        district = _former_district_id(graph, area_id)
        if district and district != area_id:
            d = graph.areas[district]
            if d[3] is not None and d[4] is not None:
                return d[3], d[4]
        area_id = parent
    return None


def _related_area_ids(graph: _AreaGraph, area_id: str) -> Set[str]:
    """The area, what it came from, and everything above or after those (never siblings)."""
    start = {area_id}
    stack = [area_id]
    while stack:
        for before in graph.predecessors.get(stack.pop(), []):
            if before not in start:
                start.add(before)
                stack.append(before)
    related = set()
    stack = list(start)
    while stack:
        current = stack.pop()
        if current in related or current not in graph.areas:
            continue
        related.add(current)
        parent = graph.areas[current][2]
        stack.extend(graph.successors.get(current, []))
        if parent:
            stack.append(parent)
    return related


def _haversine_km(a: Tuple[float, float], b: Tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def _distance(
    graph: _AreaGraph, origin: Optional[Tuple[float, float]], area_id: Optional[str]
) -> Optional[float]:
    if origin is None:
        return None
    target = _coordinates(graph, area_id)
    return round(_haversine_km(origin, target), 1) if target else None


def current_units(session: Session, area_id: str) -> List[Area]:
    """Today's units for an area: a former district -> the communes/wards that list
    it as their former district (or its recorded successors; the province when
    none are recorded); a former commune -> its successor; an active area -> itself."""
    graph = _area_graph(session)
    resolved = _id_or_lookup(session, Area, area_id)
    if resolved is None:
        return []
    ids = _current_unit_ids(graph, resolved)
    return [session.get(Area, i) for i in ids]


def former_district(session: Session, area_id: str) -> Optional[Area]:
    """The former district/city an area belongs or belonged to (None for provinces)."""
    graph = _area_graph(session)
    resolved = _id_or_lookup(session, Area, area_id)
    if resolved is None:
        return None
    found = _former_district_id(graph, resolved)
    return session.get(Area, found) if found else None


# ------------------------------------------------------------ programmes


def _confidence_rank(record: Any) -> int:
    return CONFIDENCE_ORDER.get(record.confidence, 3)


def find_programmes(
    session: Session,
    occupation: Optional[str] = None,
    level: Optional[str] = None,
    area: Optional[str] = None,
    combined_route: Optional[bool] = None,
    limit: int = 5,
) -> List[ProgrammeHit]:
    """Programmes at active institutions, nearest to `area` first (unknown distance last)."""
    statement = select(Programme, Institution).join(Institution, Programme.institution_id == Institution.id)
    statement = statement.where(Institution.status == "active")
    if occupation is not None:
        occupation_id = _id_or_lookup(session, Occupation, occupation)
        if occupation_id is None:
            return []
        statement = statement.where(Programme.occupation_id == occupation_id)
    level_id = None
    if level is not None:
        level_id = _id_or_lookup(session, Level, level)
        if level_id is None:
            return []
        statement = statement.where(or_(Programme.level_id == level_id, Programme.level_id.is_(None)))
    if combined_route is True:
        statement = statement.where(
            or_(
                Programme.combined_route.is_(True),
                and_(Programme.combined_route.is_(None), Institution.runs_combined_route.is_(True)),
            )
        )
    elif combined_route is False:
        statement = statement.where(
            or_(
                Programme.combined_route.is_(False),
                and_(Programme.combined_route.is_(None), Institution.runs_combined_route.isnot(True)),
            )
        )
    rows = session.execute(statement).unique().all()
    if level_id is not None:
        # An unconfirmed programme level only matches levels its school teaches.
        rows = [
            r for r in rows if r[0].level_id is not None or not r[1].level_ids or level_id in r[1].level_ids
        ]
    graph = _area_graph(session)
    area_id = _id_or_lookup(session, Area, area) if area else None
    origin = _coordinates(graph, area_id) if area_id else None
    hits = [
        ProgrammeHit(programme, institution, _distance(graph, origin, institution.area_id))
        for programme, institution in rows
    ]
    hits.sort(
        key=lambda h: (
            h.distance_km is None,
            h.distance_km or 0.0,
            h.programme.level_id is None,
            _confidence_rank(h.programme),
            h.institution.name,
            h.programme.id,
        )
    )
    return hits[: max(limit, 0)]


def institutions_with_combined_route(session: Session, area: Optional[str] = None) -> List[Institution]:
    """Active institutions recorded as running the 9+ route, nearest to `area` first."""
    institutions = list(
        session.execute(
            select(Institution).where(
                Institution.status == "active", Institution.runs_combined_route.is_(True)
            )
        )
        .unique()
        .scalars()
    )
    graph = _area_graph(session)
    area_id = _id_or_lookup(session, Area, area) if area else None
    origin = _coordinates(graph, area_id) if area_id else None
    institutions.sort(
        key=lambda i: (
            (lambda d: (d is None, d or 0.0))(_distance(graph, origin, i.area_id)),
            _confidence_rank(i),
            i.name,
        )
    )
    return institutions


def occupations_by_riasec(
    session: Session, codes: Union[str, Iterable[str]], limit: int = 5
) -> List[Occupation]:
    """Occupations whose RIASEC codes best match `codes` ("RI" or ["R", "I"], strongest first)."""
    wanted = [c.upper() for c in codes if isinstance(c, str) and c.strip()]
    wanted = [c for i, c in enumerate(wanted) if c in "RIASEC" and c not in wanted[:i]]
    if not wanted:
        return []
    weights = {code: 3 - i for i, code in enumerate(wanted[:3])}
    scored = []
    for occupation in session.execute(select(Occupation)).scalars():
        score = sum(weights.get(code, 0) * (3 - i) for i, code in enumerate((occupation.riasec or [])[:3]))
        if score > 0:
            scored.append((-score, _confidence_rank(occupation), occupation.name, occupation))
    scored.sort(key=lambda item: item[:3])
    return [item[3] for item in scored[: max(limit, 0)]]


# ------------------------------------------------------------ policies


def _in_force(on: dt.date):
    return and_(
        or_(Policy.valid_from.is_(None), Policy.valid_from <= on),
        or_(Policy.valid_to.is_(None), Policy.valid_to >= on),
    )


def applicable_policies(
    session: Session,
    level: Optional[str] = None,
    area: Optional[str] = None,
    groups: Iterable[str] = (),
    on: Optional[dt.date] = None,
    include_plans: bool = False,
) -> List[Policy]:
    """Policies in force on `on` (default today) for a learner at `level` living in
    `area` and belonging to `groups`: national ones, plus those of the area, its
    province and its former/current units. A policy without level or group
    restriction applies to everyone. Plans and lists are left out unless
    `include_plans`."""
    on = on or dt.date.today()
    scope_filter = Policy.scope == "national"
    if area is not None:
        area_id = _id_or_lookup(session, Area, area)
        if area_id is not None:
            related = _related_area_ids(_area_graph(session), area_id)
            scope_filter = or_(scope_filter, Policy.area_id.in_(sorted(related)))
    statement = select(Policy).where(_in_force(on), scope_filter)
    if not include_plans:
        statement = statement.where(Policy.benefit_kind.notin_(NON_BENEFIT_KINDS))
    level_id = _id_or_lookup(session, Level, level) if level is not None else None
    group_ids = {g for g in (_id_or_lookup(session, BeneficiaryGroup, g) for g in groups) if g}
    policies = []
    for policy in session.execute(statement).unique().scalars():
        if level is not None and policy.level_ids and level_id not in policy.level_ids:
            continue
        if policy.group_ids and not policy_groups_hold(policy, group_ids):
            continue
        policies.append(policy)
    policies.sort(key=lambda p: (SCOPE_ORDER.get(p.scope, 9), _confidence_rank(p), p.id))
    return policies


def policy_groups_hold(policy: Policy, group_ids: Iterable[str]) -> bool:
    """Whether a learner in `group_ids` meets the policy's group condition: one
    listed group is enough (`groups_mode` any), or every one must hold (all,
    e.g. QĐ 46: poor AND ethnic-minority). No listed group = everyone."""
    wanted = set(policy.group_ids or [])
    if not wanted:
        return True
    held = set(group_ids)
    return wanted <= held if policy.groups_mode == "all" else bool(wanted & held)


def area_specific_policies(session: Session, area: str, on: Optional[dt.date] = None) -> List[Policy]:
    """District- or commune-scope policies in force for the area (often none)."""
    on = on or dt.date.today()
    area_id = _id_or_lookup(session, Area, area)
    if area_id is None:
        return []
    related = _related_area_ids(_area_graph(session), area_id)
    statement = select(Policy).where(
        _in_force(on), Policy.scope.in_(("district", "commune")), Policy.area_id.in_(sorted(related))
    )
    return sorted(session.execute(statement).unique().scalars(), key=lambda p: (_confidence_rank(p), p.id))


# ------------------------------------------------------------ import / export

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


def policies_superseded_by(session: Session, policy_id: str) -> List[Policy]:
    """The (older) policies that `policy_id` replaced, e.g. NĐ 81/2021 for NĐ 238/2025."""
    statement = select(Policy).where(Policy.superseded_by_id == policy_id).order_by(Policy.id)
    return list(session.execute(statement).unique().scalars())


# ------------------------------------------------------------ communes, districts, support


def _bare_name(text: str) -> str:
    return _strip_affixes(" ".join(fold(text.replace(".", " ")).split()), _PREFIXES[Area])


def area_meanings(session: Session, text: str) -> List[Area]:
    """What a bare place name can mean: "Vĩnh Tường" -> [former huyện Vĩnh Tường,
    xã Vĩnh Tường of today]; a name with one meaning -> [that area]; unknown -> []."""
    found = lookup_area(session, text)
    if found is None:
        return []
    bare = _bare_name(found.name)
    same = [
        a
        for a in session.execute(select(Area).where(Area.id != found.id).order_by(Area.id)).scalars()
        if _bare_name(a.name) == bare and a.kind != "province"
    ]
    return [found, *same]


def units_of_former_district(session: Session, district: str) -> List[Area]:
    """Today's communes/wards formed (wholly or partly) from a former district."""
    district_id = _id_or_lookup(session, Area, district)
    if district_id is None:
        return []
    graph = _area_graph(session)
    return [session.get(Area, i) for i in graph.district_units.get(district_id, [])]


def successors_of_former_commune(session: Session, name: str) -> List[Area]:
    """Today's units a source names as formed from a former commune/town `name`
    ("Hương Canh", "thị trấn Tam Sơn"); [] when no source in the catalogue says."""
    if not name or not isinstance(name, str):
        return []
    wanted = _bare_name(name)
    if not wanted:
        return []
    result = []
    for area in session.execute(select(Area).where(Area.status == "active").order_by(Area.id)).scalars():
        if any(_bare_name(p) == wanted for p in area.predecessors or []):
            result.append(area)
    if not result:
        old = lookup_area(session, name)
        if old is not None and old.status == "abolished" and old.kind in ("commune", "ward"):
            result = current_units(session, old.id)
    return result


def former_districts_of(session: Session, area: str) -> List[Area]:
    """The former district(s) a commune/ward of today was formed from (its own id for a district)."""
    area_id = _id_or_lookup(session, Area, area)
    if area_id is None:
        return []
    found = session.get(Area, area_id)
    if found.kind in FORMER_DISTRICT_KINDS:
        return [found]
    ids = list(found.former_district_ids or [])
    if not ids:
        district = former_district(session, area_id)
        return [district] if district else []
    return [session.get(Area, i) for i in ids]


def area_label(session: Session, area: str) -> Optional[str]:
    """Today's name with the former district in brackets: "xã Bình Nguyên (huyện
    Bình Xuyên cũ)"; a former district or province: its own name. None if unknown."""
    area_id = _id_or_lookup(session, Area, area)
    if area_id is None:
        return None
    found = session.get(Area, area_id)
    if found.kind not in ("commune", "ward") or found.status != "active":
        return found.name
    districts = former_districts_of(session, area_id)
    if not districts:
        return found.name
    return f"{found.name} ({', '.join(d.name for d in districts)})"


@dataclass(frozen=True)
class DistrictSupport:
    """Support for a place, as it was and as it is.

    `past`: district-scope policies of the former district(s), whatever their
    validity (to be said with their dates); `notices`: records on the end of
    district budgets and who holds the role now; `units_today`: today's
    communes/wards for the place; `current`: provincial and national policies
    in force (benefits only)."""

    area: Area
    former_districts: List[Area]
    past: List[Policy]
    notices: List[Policy]
    units_today: List[Area]
    current: List[Policy]


def district_support(
    session: Session, area: str, level: Optional[str] = None, on: Optional[dt.date] = None
) -> Optional[DistrictSupport]:
    """ "ở Vĩnh Tường có hỗ trợ gì": the district's past policies, today's
    successor units and today's provincial/national support. None if unknown."""
    on = on or dt.date.today()
    area_id = _id_or_lookup(session, Area, area)
    if area_id is None:
        return None
    found = session.get(Area, area_id)
    districts = former_districts_of(session, area_id)
    district_ids = sorted(d.id for d in districts)
    past = (
        list(
            session.execute(
                select(Policy)
                .where(Policy.scope == "district", Policy.area_id.in_(district_ids))
                .order_by(Policy.valid_from, Policy.id)
            )
            .unique()
            .scalars()
        )
        if district_ids
        else []
    )
    related = sorted(_related_area_ids(_area_graph(session), area_id))
    notices = list(
        session.execute(
            select(Policy)
            .where(
                Policy.benefit_kind == "thong_tin", or_(Policy.area_id.in_(related), Policy.area_id.is_(None))
            )
            .order_by(Policy.id)
        )
        .unique()
        .scalars()
    )
    if found.kind in FORMER_DISTRICT_KINDS:
        units = units_of_former_district(session, area_id)
    else:
        units = current_units(session, area_id)
    current = [
        p
        for p in applicable_policies(session, level=level, area=area_id, on=on)
        if p.scope in ("national", "province")
    ]
    return DistrictSupport(found, districts, past, notices, units, current)


# ------------------------------------------------------------ admission calendar


def admission_calendar(
    session: Session, school_year: Optional[str] = None, track: Optional[str] = None
) -> List[CalendarEvent]:
    """Admission steps, ordered by date (undated last); `school_year` None = the latest year recorded."""
    year = school_year or latest_school_year(session)
    if year is None:
        return []
    statement = select(CalendarEvent).where(CalendarEvent.school_year == year)
    if track is not None:
        statement = statement.where(CalendarEvent.track == track)
    events = list(session.execute(statement).scalars())
    events.sort(key=lambda e: (e.date_from is None, e.date_from or dt.date.min, e.id))
    return events


def latest_school_year(session: Session) -> Optional[str]:
    return session.execute(select(func.max(CalendarEvent.school_year))).scalar_one_or_none()


def programmes_of_institution(session: Session, institution: str) -> List[Programme]:
    """Every programme recorded at an institution (by id or name), best-sourced first."""
    institution_id = _id_or_lookup(session, Institution, institution)
    if institution_id is None:
        return []
    rows = (
        session.execute(select(Programme).where(Programme.institution_id == institution_id))
        .unique()
        .scalars()
    )
    return sorted(rows, key=lambda p: (_confidence_rank(p), p.occupation.name, p.level_id or ""))


def all_records(session: Session, table: str) -> List[Any]:
    """Every ORM record of one catalogue table (YAML name: "areas", "policies", ...)."""
    model = TABLE_MODELS[table]
    return list(session.execute(select(model).order_by(*_primary_key(model))).unique().scalars())
