"""Area geography: today's units, former districts and communes, distances.

After the 2025 reorganisation districts are gone and communes were merged:
- `current_units(session, area)`: today's units for any area, former or not;
- `former_district(session, area)` / `former_districts_of(session, area)`;
- `area_meanings(session, text) -> List[Area]`: what a bare place name can
  mean ("Vĩnh Tường" -> former huyện, then xã Vĩnh Tường of today);
- `units_of_former_district(session, district)`: today's communes/wards
  formed from a former district;
- `successors_of_former_commune(session, name)`: today's unit a source names
  for a former commune/town ("thị trấn Tam Sơn" -> xã Tam Sơn);
- `area_label(session, area)`: "xã Bình Nguyên (huyện Bình Xuyên cũ)";
- `area_graph` / `related_area_ids` / `coordinates` / `distance_km_to`: the
  in-memory graph the policy rules and the programme search use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Set, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.catalog.models import Area, AreaSuccession
from bot.catalog.names import bare_area_name, lookup_area, resolve_id

FORMER_DISTRICT_KINDS = ("district", "city")


# ------------------------------------------------------------ area graph


@dataclass(frozen=True)
class AreaGraph:
    areas: Dict[
        str, Tuple[str, str, Optional[str], Optional[float], Optional[float]]
    ]  # id -> kind, status, parent, lat, lon
    successors: Dict[str, List[str]]
    predecessors: Dict[str, List[str]]  # includes a unit's former district(s)
    district_units: Dict[str, List[str]]  # former district -> today's communes/wards


def area_graph(session: Session) -> AreaGraph:
    """The areas and their successions; built once per session (one per message in the
    action server), so the several geography queries of one answer share it."""
    cached = session.info.get("catalog_area_graph")
    if cached is not None:
        return cached
    graph = _build_area_graph(session)
    session.info["catalog_area_graph"] = graph
    return graph


def _build_area_graph(session: Session) -> AreaGraph:
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
    return AreaGraph(areas, successors, predecessors, district_units)


def _current_unit_ids(graph: AreaGraph, area_id: str, seen: Optional[Set[str]] = None) -> List[str]:
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


def _former_district_id(graph: AreaGraph, area_id: str) -> Optional[str]:
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


def coordinates(graph: AreaGraph, area_id: Optional[str]) -> Optional[Tuple[float, float]]:
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


def related_area_ids(graph: AreaGraph, area_id: str) -> Set[str]:
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


def distance_km_to(
    graph: AreaGraph, origin: Optional[Tuple[float, float]], area_id: Optional[str]
) -> Optional[float]:
    if origin is None:
        return None
    target = coordinates(graph, area_id)
    return round(_haversine_km(origin, target), 1) if target else None


def current_units(session: Session, area_id: str) -> List[Area]:
    """Today's units for an area: a former district -> the communes/wards that list
    it as their former district (or its recorded successors; the province when
    none are recorded); a former commune -> its successor; an active area -> itself."""
    graph = area_graph(session)
    resolved = resolve_id(session, Area, area_id)
    if resolved is None:
        return []
    ids = _current_unit_ids(graph, resolved)
    return [session.get(Area, i) for i in ids]


def former_district(session: Session, area_id: str) -> Optional[Area]:
    """The former district/city an area belongs or belonged to (None for provinces)."""
    graph = area_graph(session)
    resolved = resolve_id(session, Area, area_id)
    if resolved is None:
        return None
    found = _former_district_id(graph, resolved)
    return session.get(Area, found) if found else None


def area_meanings(session: Session, text: str) -> List[Area]:
    """What a bare place name can mean: "Vĩnh Tường" -> [former huyện Vĩnh Tường,
    xã Vĩnh Tường of today]; a name with one meaning -> [that area]; unknown -> []."""
    found = lookup_area(session, text)
    if found is None:
        return []
    bare = bare_area_name(found.name)
    same = [
        a
        for a in session.execute(select(Area).where(Area.id != found.id).order_by(Area.id)).scalars()
        if bare_area_name(a.name) == bare and a.kind != "province"
    ]
    return [found, *same]


def units_of_former_district(session: Session, district: str) -> List[Area]:
    """Today's communes/wards formed (wholly or partly) from a former district."""
    district_id = resolve_id(session, Area, district)
    if district_id is None:
        return []
    ids = area_graph(session).district_units.get(district_id, [])
    found = {a.id: a for a in session.execute(select(Area).where(Area.id.in_(ids))).scalars()} if ids else {}
    return [found[i] for i in ids if i in found]


def successors_of_former_commune(session: Session, name: str) -> List[Area]:
    """Today's units a source names as formed from a former commune/town `name`
    ("Hương Canh", "thị trấn Tam Sơn"); [] when no source in the catalogue says."""
    if not name or not isinstance(name, str):
        return []
    wanted = bare_area_name(name)
    if not wanted:
        return []
    result = []
    for area in session.execute(select(Area).where(Area.status == "active").order_by(Area.id)).scalars():
        if any(bare_area_name(p) == wanted for p in area.predecessors or []):
            result.append(area)
    if not result:
        old = lookup_area(session, name)
        if old is not None and old.status == "abolished" and old.kind in ("commune", "ward"):
            result = current_units(session, old.id)
    return result


def former_districts_of(session: Session, area: str) -> List[Area]:
    """The former district(s) a commune/ward of today was formed from (its own id for a district)."""
    area_id = resolve_id(session, Area, area)
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
    Bình Xuyên cũ)"; a former commune with today's unit: "xã Tân Phú (cũ, nay thuộc xã
    Vĩnh Thành)"; a former district or province: its own name. None if unknown."""
    area_id = resolve_id(session, Area, area)
    if area_id is None:
        return None
    found = session.get(Area, area_id)
    if found.kind in ("commune", "ward") and found.status != "active":
        # a former commune: today's unit it became part of ("xã Tân Phú (cũ, nay thuộc xã Vĩnh Thành)")
        today = [
            u for u in current_units(session, area_id) if u.kind in ("commune", "ward") and u.id != area_id
        ]
        if today:
            return f"{found.name.replace(' (cũ)', '')} (cũ, nay thuộc {' và '.join(u.name for u in today)})"
        return found.name
    if found.kind not in ("commune", "ward"):
        return found.name
    districts = former_districts_of(session, area_id)
    if not districts:
        return found.name
    return f"{found.name} ({', '.join(d.name.replace(' (cũ)', '') + ' cũ' for d in districts)})"
