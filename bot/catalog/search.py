"""Programme search: where an occupation is taught, nearest first.

`find_programmes` gives programmes; `institutions_teaching` and
`occupations_taught` give the distinct schools / occupations of the same
search, in its order (the actions list those, never de-duplicating themselves);
`institutions_near` gives every active institution by distance (centres with no
recorded programme included), for "what is there near my home".

Conventions: a programme with `level_id` None has an unconfirmed level and
matches any level its institution teaches; `combined_route` None means unknown
and is taken from the institution's `runs_combined_route` (YAML `runs_9plus`)
when filtering.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, List, Optional, Set, Tuple, Union

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot.catalog.geography import area_graph, coordinates, distance_km_to
from bot.catalog.models import Area, Institution, Level, Occupation, Programme
from bot.catalog.names import resolve_id
from bot.catalog.present import confidence_rank


@dataclass(frozen=True)
class ProgrammeHit:
    programme: Programme
    institution: Institution
    distance_km: Optional[float]


def find_programmes(
    session: Session,
    occupation: Optional[str] = None,
    level: Optional[str] = None,
    area: Optional[str] = None,
    combined_route: Optional[bool] = None,
    limit: Optional[int] = 5,
    institution: Optional[str] = None,
) -> List[ProgrammeHit]:
    """Programmes at active institutions (or at `institution`, if active), nearest to
    `area` first (unknown distance last); `limit` None: all of them."""
    statement = select(Programme, Institution).join(Institution, Programme.institution_id == Institution.id)
    statement = statement.where(Institution.status == "active")
    if institution is not None:
        institution_id = resolve_id(session, Institution, institution)
        if institution_id is None:
            return []
        statement = statement.where(Institution.id == institution_id)
    if occupation is not None:
        occupation_id = resolve_id(session, Occupation, occupation)
        if occupation_id is None:
            return []
        statement = statement.where(Programme.occupation_id == occupation_id)
    level_id = None
    if level is not None:
        level_id = resolve_id(session, Level, level)
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
    graph = area_graph(session)
    area_id = resolve_id(session, Area, area) if area else None
    origin = coordinates(graph, area_id) if area_id else None
    hits = [
        ProgrammeHit(programme, institution, distance_km_to(graph, origin, institution.area_id))
        for programme, institution in rows
    ]
    hits.sort(
        key=lambda h: (
            h.distance_km is None,
            h.distance_km or 0.0,
            h.programme.level_id is None,
            confidence_rank(h.programme),
            h.institution.name,
            h.programme.id,
        )
    )
    return hits if limit is None else hits[: max(limit, 0)]


def _distinct(records: Iterable[Any], limit: Optional[int]) -> List[Any]:
    seen: Set[str] = set()
    found = []
    for record in records:
        if limit is not None and len(found) >= limit:
            break
        if record.id not in seen:
            seen.add(record.id)
            found.append(record)
    return found


def institutions_teaching(
    session: Session, occupation: Optional[str] = None, limit: Optional[int] = 5
) -> List[Institution]:
    """Active institutions with a recorded programme (of `occupation`), each once, in search order."""
    return _distinct((h.institution for h in find_programmes(session, occupation, limit=None)), limit)


def occupations_taught(
    session: Session, institution: Optional[str] = None, limit: Optional[int] = None
) -> List[Occupation]:
    """Occupations with a programme at an active institution (at `institution`), each once, in search order."""
    hits = find_programmes(session, institution=institution, limit=None)
    return _distinct((h.programme.occupation for h in hits), limit)


def institutions_near(
    session: Session, area: Optional[str] = None, combined_route: Optional[bool] = None
) -> List[Tuple[Institution, Optional[float]]]:
    """Active institutions (those running the 9+ route, if `combined_route`) with their distance
    to `area` in km, nearest first (unknown distance last), then the surest record first."""
    statement = select(Institution).where(Institution.status == "active")
    if combined_route:
        statement = statement.where(Institution.runs_combined_route.is_(True))
    institutions = list(session.execute(statement).unique().scalars())
    graph = area_graph(session)
    area_id = resolve_id(session, Area, area) if area else None
    origin = coordinates(graph, area_id) if area_id else None
    found = [(i, distance_km_to(graph, origin, i.area_id)) for i in institutions]
    found.sort(key=lambda pair: (pair[1] is None, pair[1] or 0.0, confidence_rank(pair[0]), pair[0].name))
    return found


def institutions_with_combined_route(session: Session, area: Optional[str] = None) -> List[Institution]:
    """Active institutions recorded as running the 9+ route, nearest to `area` first."""
    return [institution for institution, _ in institutions_near(session, area, combined_route=True)]


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
            scored.append((-score, confidence_rank(occupation), occupation.name, occupation))
    scored.sort(key=lambda item: item[:3])
    return [item[3] for item in scored[: max(limit, 0)]]
