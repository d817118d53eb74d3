"""`python -m bot catalog report`: the maintainer's monthly check of the catalogue.

Reads and validates the YAML files (a validation failure ends the command
with exit code 1, before any report), then lists what needs attention:
counts by table and confidence, V/P records without a public URL, internal
notes in user-facing fields, records not checked for more than 180 days,
policies expiring within 90 days or expired but still linked, and
institutions without contact details.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Tuple, Union

from bot.catalog.schema import INTERNAL_FIELDS, INTERNAL_MARKERS, SUCCESSIONS, TABLE_FILES, load_catalog

CATALOG_DIR = Path(__file__).resolve().parents[2] / "data" / "catalog"  # the maintained YAML files
STALE_DAYS = 180
EXPIRY_DAYS = 90
NON_BENEFIT_KINDS = ("ke_hoach", "danh_muc", "thong_tin")


@dataclass
class CatalogReport:
    today: dt.date
    counts: Dict[str, Dict[str, int]]  # table -> {"V": n, "P": n, "U": n}
    units_of_today: Tuple[int, int]  # (xã, phường) of the former province
    occupations_described: int
    level_ids: List[str]
    without_url: List[str] = field(default_factory=list)  # "table:id"
    internal_in_user_fields: List[str] = field(default_factory=list)
    stale: List[str] = field(default_factory=list)
    expiring: List[str] = field(default_factory=list)
    expired_linked: List[str] = field(default_factory=list)
    no_contact: List[str] = field(default_factory=list)

    def lines(self) -> List[str]:
        out = [f"Catalogue report ({self.today.isoformat()})", "Records by type and confidence:"]
        out.append(f"  {'table':<20}{'total':>6}{'V':>5}{'P':>5}{'U':>5}")
        for table, by in self.counts.items():
            out.append(f"  {table:<20}{sum(by.values()):>6}{by['V']:>5}{by['P']:>5}{by['U']:>5}")
        xa, phuong = self.units_of_today
        out.append(
            f"Communes/wards of today in the former Vĩnh Phúc: {xa + phuong} ({xa} xã, {phuong} phường)"
        )
        out.append(f"Occupations with a description: {self.occupations_described}")
        out.append(f"Levels: {', '.join(self.level_ids)}")
        for _, title, items in self.sections():
            out.append(f"{title}: {len(items)}")
            out.extend(f"  - {item}" for item in items)
        return out

    def sections(self) -> List[Tuple[str, str, List[str]]]:
        """(key, title, items) of each list that needs attention (the console shows them too)."""
        return [
            ("without_url", "V/P records without a public URL", self.without_url),
            ("internal_in_user_fields", "Internal notes in user-facing fields", self.internal_in_user_fields),
            ("stale", f"Not checked for more than {STALE_DAYS} days", self.stale),
            ("expiring", f"Policies expiring within {EXPIRY_DAYS} days", self.expiring),
            ("expired_linked", "Expired policies still linked", self.expired_linked),
            ("no_contact", "Institutions without contact details (phone or website)", self.no_contact),
        ]


def _internal_texts(row: Dict[str, Any]) -> List[str]:
    found = []
    for key, value in row.items():
        if key in INTERNAL_FIELDS or key == "source_urls":
            continue
        for text in [value] if isinstance(value, str) else value if isinstance(value, list) else []:
            if isinstance(text, str) and INTERNAL_MARKERS.search(text):
                found.append(key)
    return found


def build_report(directory: Union[str, Path], today: dt.date) -> CatalogReport:
    """Validate `directory` (raises CatalogValidationError) and report on it."""
    tables = load_catalog(directory).tables
    counts: Dict[str, Dict[str, int]] = {}
    without_url: List[str] = []
    internal: List[str] = []
    stale: List[str] = []
    for table in (*TABLE_FILES, SUCCESSIONS):
        by = {"V": 0, "P": 0, "U": 0}
        for row in tables[table]:
            key = row.get("id") or f"{row['predecessor_id']}->{row['successor_id']}"
            label = f"{table}:{key}"
            by[row["confidence"]] += 1
            if row["confidence"] in ("V", "P") and not row["source_urls"]:
                without_url.append(label)
            internal.extend(f"{label} ({name})" for name in _internal_texts(row))
            if (today - row["checked_on"]).days > STALE_DAYS:
                stale.append(f"{label} (checked {row['checked_on'].isoformat()})")
        counts[table] = by

    policies = tables["policies"]
    expiring = [
        f"policies:{p['id']} (valid to {p['valid_to'].isoformat()})"
        for p in policies
        if p["valid_to"] is not None and today <= p["valid_to"] <= today + dt.timedelta(days=EXPIRY_DAYS)
    ]
    targets = {p["superseded_by_id"]: p["id"] for p in policies if p["superseded_by_id"]}
    expired_linked = []
    for p in policies:
        if p["valid_to"] is None or p["valid_to"] >= today:
            continue
        if p["id"] in targets:
            expired_linked.append(
                f"policies:{p['id']} (expired {p['valid_to'].isoformat()}, named as successor of {targets[p['id']]})"
            )
        elif p["benefit_kind"] not in NON_BENEFIT_KINDS and not p["superseded_by_id"]:
            expired_linked.append(
                f"policies:{p['id']} (expired {p['valid_to'].isoformat()}, no successor recorded)"
            )

    no_contact = [
        f"institutions:{i['id']} ({i['name']})"
        for i in tables["institutions"]
        if i["status"] == "active" and not (i["phone"] or i["website"])
    ]
    units = [a for a in tables["areas"] if a["kind"] in ("commune", "ward") and a["status"] == "active"]
    described = sum(
        1 for o in tables["occupations"] if o["description"] and o["daily_work"] and o["strengths"]
    )
    levels = [lv["id"] for lv in sorted(tables["levels"], key=lambda lv: lv["rank"])]
    return CatalogReport(
        today=today,
        counts=counts,
        units_of_today=(sum(a["kind"] == "commune" for a in units), sum(a["kind"] == "ward" for a in units)),
        occupations_described=described,
        level_ids=levels,
        without_url=without_url,
        internal_in_user_fields=internal,
        stale=stale,
        expiring=expiring,
        expired_linked=expired_linked,
        no_contact=no_contact,
    )
