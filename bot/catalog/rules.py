"""Policy rules: which support applies to whom, where and when.

Conventions the callers rely on:
- a policy with no level / group restriction applies to every level / group;
  with `groups_mode` "all" the learner must belong to every listed group;
- `valid_from` / `valid_to` None means "not restricted on that side";
- a policy of an area applies to the area, what it came from, and the units
  above or after those (never siblings).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, List, Optional

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot.catalog.geography import (
    FORMER_DISTRICT_KINDS,
    area_graph,
    current_units,
    former_districts_of,
    related_area_ids,
    units_of_former_district,
)
from bot.catalog.models import NON_BENEFIT_KINDS, Area, BeneficiaryGroup, Level, Policy
from bot.catalog.names import resolve_id
from bot.catalog.present import confidence_rank

SCOPE_ORDER = {"national": 0, "province": 1, "district": 2, "commune": 3}


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
        area_id = resolve_id(session, Area, area)
        if area_id is not None:
            related = related_area_ids(area_graph(session), area_id)
            scope_filter = or_(scope_filter, Policy.area_id.in_(sorted(related)))
    statement = select(Policy).where(_in_force(on), scope_filter)
    if not include_plans:
        statement = statement.where(Policy.benefit_kind.notin_(NON_BENEFIT_KINDS))
    level_id = resolve_id(session, Level, level) if level is not None else None
    group_ids = {g for g in (resolve_id(session, BeneficiaryGroup, g) for g in groups) if g}
    policies = []
    for policy in session.execute(statement).unique().scalars():
        if level is not None and policy.level_ids and level_id not in policy.level_ids:
            continue
        if policy.group_ids and not policy_groups_hold(policy, group_ids):
            continue
        policies.append(policy)
    policies.sort(key=lambda p: (SCOPE_ORDER.get(p.scope, 9), confidence_rank(p), p.id))
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
    area_id = resolve_id(session, Area, area)
    if area_id is None:
        return []
    related = related_area_ids(area_graph(session), area_id)
    statement = select(Policy).where(
        _in_force(on), Policy.scope.in_(("district", "commune")), Policy.area_id.in_(sorted(related))
    )
    return sorted(session.execute(statement).unique().scalars(), key=lambda p: (confidence_rank(p), p.id))


def policies_superseded_by(session: Session, policy_id: str) -> List[Policy]:
    """The (older) policies that `policy_id` replaced, e.g. NĐ 81/2021 for NĐ 238/2025."""
    statement = select(Policy).where(Policy.superseded_by_id == policy_id).order_by(Policy.id)
    return list(session.execute(statement).unique().scalars())


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
    area_id = resolve_id(session, Area, area)
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
    related = sorted(related_area_ids(area_graph(session), area_id))
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
