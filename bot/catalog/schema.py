"""Validation of the catalogue YAML files (data/catalog/*.yml).

`load_catalog(directory)` reads every table file, checks each record
(unknown fields, types, enums, date ranges, references between files) and
returns plain row dictionaries ready for the database. The first problem
found raises `CatalogValidationError`, whose message names the file, the
record id and the field, in one line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Literal, Optional, Tuple, Type, Union

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
)

Confidence = Literal["V", "P", "U"]
Number = Union[StrictInt, StrictFloat]

# File name (without .yml) = top-level key = table name in the YAML format.
TABLE_FILES = (
    "levels",
    "beneficiary_groups",
    "occupations",
    "areas",
    "institutions",
    "programmes",
    "policies",
    "calendar",
)

# Text that must never reach a user: research shorthand and internal file
# names. Such notes belong in `internal_notes`.
INTERNAL_MARKERS = re.compile(
    r"domain-facts|§|\[\d+\]|nhớ lại|tài liệu nguồn của dự án|catalog-audit|audit|\bTODO\b|\bFIXME\b",
    re.IGNORECASE,
)
# Fields never shown to users (and so exempt from the marker check).
INTERNAL_FIELDS = ("id", "internal_notes")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CatalogValidationError(ValueError):
    """One problem in one field of one record of one file."""

    def __init__(self, file: str, record: Optional[str], field: Optional[str], problem: str):
        self.file = file
        self.record = record
        self.field = field
        self.problem = problem
        where = file
        if record is not None:
            where += f": record '{record}'"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {problem}")


class _Sourced(BaseModel):
    """Provenance: a readable citation, public URL(s), confidence, date read.

    `citation` and `notes` are shown to users; `internal_notes` never is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    citation: StrictStr = Field(min_length=1)
    source_url: Union[None, StrictStr, List[StrictStr]] = None
    confidence: Confidence
    checked_on: dt.date
    notes: Optional[StrictStr] = None
    internal_notes: Optional[StrictStr] = None

    def urls(self) -> List[str]:
        if self.source_url is None:
            return []
        return [self.source_url] if isinstance(self.source_url, str) else list(self.source_url)


class _Record(_Sourced):
    id: StrictStr = Field(pattern=r"^[a-z0-9_]+$", max_length=160)


class _Named(_Record):
    id: StrictStr = Field(pattern=r"^[a-z0-9_]+$", max_length=80)
    name: StrictStr = Field(min_length=1)
    aliases: List[StrictStr]


class SuccessionIn(_Sourced):
    area: StrictStr
    effective_on: Optional[dt.date] = None


class AreaIn(_Named):
    kind: Literal["province", "city", "district", "commune", "ward"]
    parent: Optional[StrictStr] = None
    status: Literal["active", "abolished"]
    established_on: Optional[dt.date] = None
    abolished_on: Optional[dt.date] = None
    lat: Optional[Number] = Field(default=None, ge=-90, le=90)
    lon: Optional[Number] = Field(default=None, ge=-180, le=180)
    # where the centre comes from (required with lat/lon); centres are approximate
    centre_source: Optional[StrictStr] = None
    # communes/wards of today: the former district(s) they came from (area ids)
    former_districts: List[StrictStr] = []
    # names of the former communes/towns merged into this unit (as a source gives them)
    predecessors: List[StrictStr] = []
    successors: List[SuccessionIn] = []


class LevelIn(_Named):
    rank: StrictInt
    description: Optional[StrictStr] = None
    duration: Optional[StrictStr] = None
    entry: Optional[StrictStr] = None
    after: Optional[StrictStr] = None


class GroupIn(_Named):
    pass


class OccupationIn(_Named):
    field_group: Optional[StrictStr] = None
    riasec: List[Literal["R", "I", "A", "S", "E", "C"]] = []
    riasec_confidence: Confidence = "U"
    key_tier: Optional[Literal["quoc_te", "asean", "quoc_gia"]] = None
    description: Optional[StrictStr] = None  # what the work is
    daily_work: Optional[StrictStr] = None  # what a day looks like
    strengths: Optional[StrictStr] = None  # which strengths suit it
    workplaces: Optional[StrictStr] = None  # where such work is found in the province (sourced)
    pay: Optional[StrictStr] = None  # only with pay_as_of and a source
    pay_as_of: Optional[dt.date] = None


class InstitutionIn(_Named):
    former_names: List[StrictStr] = []
    type: Literal[
        "cao_dang",
        "trung_cap",
        "trung_hoc_nghe",
        "trung_tam_gdnn_gdtx",
        "trung_tam_gdtx",
        "trung_tam_gdnn",
        "dai_hoc",
        "khac",
    ]
    status: Literal[
        "active", "renamed", "merged_into", "split_into", "closed"
    ]  # renamed: same school, new name = successor
    successor: Optional[StrictStr] = None
    status_since: Optional[dt.date] = None
    management: Optional[StrictStr] = None
    address: Optional[StrictStr] = None  # as published (often the pre-1/7/2025 names)
    address_new: Optional[StrictStr] = None  # with today's commune/ward names
    area: Optional[StrictStr] = None
    phone: Optional[StrictStr] = None
    website: Optional[StrictStr] = None
    levels: List[StrictStr] = []
    runs_9plus: Optional[StrictBool] = None  # 9+ route (trung cấp + GDTX THPT); None = unknown
    name_verified: StrictBool = True  # False: the institution exists but its exact name is unsourced


class ProgrammeIn(_Record):
    institution: StrictStr
    occupation: StrictStr
    level: Optional[StrictStr] = None
    duration: Optional[StrictStr] = None
    combined_route: Optional[StrictBool] = None
    intake: Optional[StrictInt] = Field(default=None, ge=0)
    tuition_vnd_per_year: Optional[StrictInt] = Field(default=None, ge=0)


class PolicyIn(_Record):
    id: StrictStr = Field(pattern=r"^[a-z0-9_]+$", max_length=80)
    title: StrictStr = Field(min_length=1)
    legal_basis_number: Optional[StrictStr] = None
    legal_basis_date: Optional[dt.date] = None
    issuer: Optional[StrictStr] = None
    scope: Literal["national", "province", "district", "commune"]
    area: Optional[StrictStr] = None
    levels: List[StrictStr] = []
    groups: List[StrictStr] = []
    required_diploma: Optional[Literal["thcs", "thpt"]] = None
    max_age: Optional[StrictInt] = Field(default=None, ge=0, le=120)
    conditions: Optional[StrictStr] = None
    groups_mode: Literal["any", "all"] = "any"  # all: the learner must be in every listed group
    benefit_kind: Literal[
        "thong_tin",
        "mien_hoc_phi",
        "giam_hoc_phi",
        "ho_tro_dao_tao",
        "ho_tro_hang_thang",
        "tien_an",
        "di_lai",
        "noi_tru",
        "ke_hoach",
        "danh_muc",
    ]
    amount_vnd: Optional[StrictInt] = Field(default=None, ge=0)
    percent: Optional[StrictInt] = Field(default=None, ge=0, le=100)
    unit: Optional[StrictStr] = None
    cap: Optional[StrictStr] = None
    cap_months: Optional[StrictInt] = Field(default=None, ge=0)
    valid_from: Optional[dt.date] = None
    valid_to: Optional[dt.date] = None
    superseded_by: Optional[StrictStr] = None


class CalendarIn(_Record):
    """One dated step of an admission (grade 10, trung cấp, 9+, trung học nghề)."""

    id: StrictStr = Field(pattern=r"^[a-z0-9_]+$", max_length=80)
    title: StrictStr = Field(min_length=1)
    school_year: StrictStr = Field(pattern=r"^\d{4}-\d{4}$")
    track: Literal["lop_10", "trung_cap", "9plus", "trung_hoc_nghe", "chung"]
    date_from: Optional[dt.date] = None
    date_to: Optional[dt.date] = None
    area: Optional[StrictStr] = None
    description: Optional[StrictStr] = None


SCHEMAS: Dict[str, Type[_Record]] = {
    "levels": LevelIn,
    "beneficiary_groups": GroupIn,
    "occupations": OccupationIn,
    "areas": AreaIn,
    "institutions": InstitutionIn,
    "programmes": ProgrammeIn,
    "policies": PolicyIn,
    "calendar": CalendarIn,
}

# YAML key -> database column, where they differ (the rest map 1:1).
_URLS = {"source_url": "source_urls"}
RENAMES: Dict[str, Dict[str, str]] = {
    "levels": dict(_URLS),
    "beneficiary_groups": dict(_URLS),
    "occupations": dict(_URLS),
    "areas": {"parent": "parent_id", "former_districts": "former_district_ids", **_URLS},
    "institutions": {
        "successor": "successor_id",
        "area": "area_id",
        "levels": "level_ids",
        "runs_9plus": "runs_combined_route",
        **_URLS,
    },
    "programmes": {
        "institution": "institution_id",
        "occupation": "occupation_id",
        "level": "level_id",
        **_URLS,
    },
    "policies": {
        "area": "area_id",
        "levels": "level_ids",
        "groups": "group_ids",
        "superseded_by": "superseded_by_id",
        **_URLS,
    },
    "calendar": {"area": "area_id", **_URLS},
}
SUCCESSIONS = "area_successions"


@dataclass
class CatalogData:
    """Validated rows per table (column names as in the database)."""

    tables: Dict[str, List[Dict[str, Any]]]

    def count(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


def _field_from_loc(loc: Tuple[Any, ...]) -> str:
    field = ""
    for item in loc:
        field += f"[{item}]" if isinstance(item, int) else (f".{item}" if field else str(item))
    return field or "?"


def _describe(error: Dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    value = error.get("input")
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{error.get('msg', 'invalid value')} (got {shown})"


def _read_file(path: Path, table: str) -> List[Any]:
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogValidationError(label, None, None, "file is missing") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogValidationError(label, None, None, f"cannot be read: {exc}") from None
    try:
        document = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise CatalogValidationError(label, None, None, f"is not valid YAML{where}") from None
    if not isinstance(document, dict) or list(document) != [table]:
        raise CatalogValidationError(
            label, None, None, f"must be a mapping with the single top-level key '{table}'"
        )
    records = document[table]
    if records is None:
        return []
    if not isinstance(records, list):
        raise CatalogValidationError(label, None, table, "must be a list of records")
    return records


def _validate_records(label: str, table: str, raw_records: List[Any]) -> List[_Record]:
    schema = SCHEMAS[table]
    seen: Dict[str, int] = {}
    records: List[_Record] = []
    for index, raw in enumerate(raw_records):
        if not isinstance(raw, dict):
            raise CatalogValidationError(label, f"#{index + 1}", None, "record must be a mapping")
        record_id = raw.get("id")
        name = record_id if isinstance(record_id, str) and record_id else f"#{index + 1}"
        try:
            record = schema.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise CatalogValidationError(
                label, name, _field_from_loc(first["loc"]), _describe(first)
            ) from None
        if record.id in seen:
            raise CatalogValidationError(
                label, record.id, "id", f"duplicate id (also record #{seen[record.id] + 1})"
            )
        seen[record.id] = index
        _check_record(label, table, record)
        records.append(record)
    return records


def _check_range(label: str, record_id: str, start_name: str, start, end_name: str, end) -> None:
    if start is not None and end is not None and end < start:
        raise CatalogValidationError(
            label,
            record_id,
            end_name,
            f"{end_name} {end.isoformat()} is before {start_name} {start.isoformat()}",
        )


def _check_provenance(label: str, record_id: str, prefix: str, item: _Sourced) -> None:
    """V/P need a public URL; URLs must be http(s); user-facing text holds no research notes."""
    urls = item.urls()
    for i, url in enumerate(urls):
        if not _URL.match(url):
            raise CatalogValidationError(
                label, record_id, f"{prefix}source_url[{i}]", f"not a public http(s) URL (got {url!r})"
            )
    if item.confidence in ("V", "P") and not urls:
        raise CatalogValidationError(
            label, record_id, f"{prefix}source_url", f"a {item.confidence} record needs a public source_url"
        )
    for field, value in item:
        if field in INTERNAL_FIELDS or field == "source_url":
            continue
        texts = (
            [value]
            if isinstance(value, str)
            else [v for v in value if isinstance(v, str)]
            if isinstance(value, list)
            else []
        )
        for text in texts:
            found = INTERNAL_MARKERS.search(text)
            if found:
                raise CatalogValidationError(
                    label,
                    record_id,
                    f"{prefix}{field}",
                    f"user-facing text holds an internal note ({found.group(0)!r}); move it to internal_notes",
                )


def _check_record(label: str, table: str, record: _Record) -> None:
    """Rules inside one record."""
    _check_provenance(label, record.id, "", record)
    if isinstance(record, PolicyIn):
        _check_range(label, record.id, "valid_from", record.valid_from, "valid_to", record.valid_to)
        if record.scope == "national" and record.area is not None:
            raise CatalogValidationError(label, record.id, "area", "a national policy must not name an area")
        if record.scope != "national" and record.area is None:
            raise CatalogValidationError(
                label, record.id, "area", f"a {record.scope} policy must name its area"
            )
        if record.superseded_by == record.id:
            raise CatalogValidationError(
                label, record.id, "superseded_by", "a policy cannot supersede itself"
            )
    elif isinstance(record, AreaIn):
        _check_range(
            label, record.id, "established_on", record.established_on, "abolished_on", record.abolished_on
        )
        if record.status == "abolished" and record.abolished_on is None:
            raise CatalogValidationError(
                label, record.id, "abolished_on", "an abolished area needs its abolished_on date"
            )
        if (record.lat is None) != (record.lon is None):
            raise CatalogValidationError(
                label, record.id, "lon" if record.lon is None else "lat", "give both lat and lon, or neither"
            )
        if record.parent == record.id:
            raise CatalogValidationError(label, record.id, "parent", "an area cannot be its own parent")
        if record.lat is not None and not record.centre_source:
            raise CatalogValidationError(label, record.id, "centre_source", "coordinates need centre_source")
        for i, succession in enumerate(record.successors):
            _check_provenance(label, record.id, f"successors[{i}].", succession)
        targets = [s.area for s in record.successors]
        for i, target in enumerate(targets):
            if target == record.id or target in targets[:i]:
                raise CatalogValidationError(
                    label, record.id, f"successors[{i}].area", f"invalid or repeated successor '{target}'"
                )
    elif isinstance(record, InstitutionIn):
        if record.status in ("renamed", "merged_into", "split_into") and record.successor is None:
            raise CatalogValidationError(
                label, record.id, "successor", f"status {record.status} needs a successor"
            )
        if record.successor == record.id:
            raise CatalogValidationError(
                label, record.id, "successor", "an institution cannot succeed itself"
            )
        if record.phone is not None and not re.fullmatch(r"[0-9 .+()-]{8,30}", record.phone):
            raise CatalogValidationError(
                label, record.id, "phone", f"not a phone number (got {record.phone!r})"
            )
    elif isinstance(record, OccupationIn):
        if record.pay is not None and (record.pay_as_of is None or record.confidence == "U"):
            raise CatalogValidationError(
                label, record.id, "pay_as_of", "pay needs pay_as_of and a V/P source"
            )
    elif isinstance(record, CalendarIn):
        _check_range(label, record.id, "date_from", record.date_from, "date_to", record.date_to)
        start = int(record.school_year[:4])
        if int(record.school_year[5:]) != start + 1:
            raise CatalogValidationError(
                label, record.id, "school_year", "school_year must be two consecutive years"
            )


def _check_reference(
    label: str, record_id: str, field: str, value: Optional[str], known: Dict[str, Any], what: str
):
    if value is not None and value not in known:
        raise CatalogValidationError(label, record_id, field, f"unknown {what} '{value}'")


def _check_references(labels: Dict[str, str], records: Dict[str, List[_Record]]) -> None:
    ids = {table: {r.id: r for r in rows} for table, rows in records.items()}
    areas, levels, groups = ids["areas"], ids["levels"], ids["beneficiary_groups"]
    for area in records["areas"]:
        _check_reference(labels["areas"], area.id, "parent", area.parent, areas, "area")
        for i, district in enumerate(area.former_districts):
            _check_reference(labels["areas"], area.id, f"former_districts[{i}]", district, areas, "area")
            if areas[district].kind not in ("district", "city"):
                raise CatalogValidationError(
                    labels["areas"],
                    area.id,
                    f"former_districts[{i}]",
                    f"'{district}' is not a former district/city",
                )
        for i, succession in enumerate(area.successors):
            _check_reference(
                labels["areas"], area.id, f"successors[{i}].area", succession.area, areas, "area"
            )
    for inst in records["institutions"]:
        label = labels["institutions"]
        _check_reference(label, inst.id, "area", inst.area, areas, "area")
        _check_reference(label, inst.id, "successor", inst.successor, ids["institutions"], "institution")
        for i, level in enumerate(inst.levels):
            _check_reference(label, inst.id, f"levels[{i}]", level, levels, "level")
    triples: Dict[Tuple[str, str, Optional[str]], str] = {}
    for prog in records["programmes"]:
        label = labels["programmes"]
        _check_reference(label, prog.id, "institution", prog.institution, ids["institutions"], "institution")
        _check_reference(label, prog.id, "occupation", prog.occupation, ids["occupations"], "occupation")
        _check_reference(label, prog.id, "level", prog.level, levels, "level")
        key = (prog.institution, prog.occupation, prog.level)
        if key in triples:
            raise CatalogValidationError(
                label, prog.id, "level", f"same institution, occupation and level as '{triples[key]}'"
            )
        triples[key] = prog.id
    for policy in records["policies"]:
        label = labels["policies"]
        _check_reference(label, policy.id, "area", policy.area, areas, "area")
        _check_reference(label, policy.id, "superseded_by", policy.superseded_by, ids["policies"], "policy")
        for i, level in enumerate(policy.levels):
            _check_reference(label, policy.id, f"levels[{i}]", level, levels, "level")
        for i, group in enumerate(policy.groups):
            _check_reference(label, policy.id, f"groups[{i}]", group, groups, "beneficiary group")
    for event in records["calendar"]:
        _check_reference(labels["calendar"], event.id, "area", event.area, areas, "area")


def _to_rows(table: str, record: _Record) -> Dict[str, Any]:
    data = record.model_dump()
    data["source_url"] = record.urls()
    data.pop("successors", None)
    renames = RENAMES.get(table, {})
    row = {renames.get(key, key): value for key, value in data.items()}
    for key in ("lat", "lon"):
        if row.get(key) is not None:
            row[key] = float(row[key])
    return row


def load_catalog(directory: Union[str, Path]) -> CatalogData:
    """Read and validate every table file in `directory`; raise on the first problem."""
    directory = Path(directory)
    if not directory.is_dir():
        raise CatalogValidationError(str(directory), None, None, "is not a directory")
    known = {f"{table}.yml" for table in TABLE_FILES}
    for path in sorted(directory.glob("*.y*ml")):
        if path.name not in known:
            raise CatalogValidationError(
                str(path), None, None, f"unknown table file (expected one of: {', '.join(sorted(known))})"
            )
    labels = {table: str(directory / f"{table}.yml") for table in TABLE_FILES}
    records = {
        table: _validate_records(labels[table], table, _read_file(directory / f"{table}.yml", table))
        for table in TABLE_FILES
    }
    _check_references(labels, records)

    tables: Dict[str, List[Dict[str, Any]]] = {
        table: [_to_rows(table, r) for r in records[table]] for table in TABLE_FILES
    }
    tables[SUCCESSIONS] = [
        {
            "predecessor_id": area.id,
            "successor_id": s.area,
            "effective_on": s.effective_on,
            "citation": s.citation,
            "source_urls": s.urls(),
            "confidence": s.confidence,
            "checked_on": s.checked_on,
            "notes": s.notes,
            "internal_notes": s.internal_notes,
        }
        for area in records["areas"]
        for s in area.successors
    ]
    return CatalogData(tables=tables)


# ---- export: database rows back to the YAML format ----

_SUCCESSION_FIELDS = (
    "area",
    "effective_on",
    "citation",
    "source_url",
    "confidence",
    "checked_on",
    "notes",
    "internal_notes",
)


_LEADING = ("id", "name", "title", "aliases")
_TRAILING = ("citation", "source_url", "confidence", "checked_on", "notes", "internal_notes")


def _ordered_fields(schema: Type[_Record]) -> List[str]:
    fields = list(schema.model_fields)
    middle = [f for f in fields if f not in _LEADING and f not in _TRAILING]
    return [f for f in _LEADING if f in fields] + middle + [f for f in _TRAILING if f in fields]


def rows_to_documents(tables: Dict[str, List[Dict[str, Any]]]) -> Dict[str, Dict[str, List[Dict[str, Any]]]]:
    """Turn database rows (column names) into one YAML document per table file."""
    successions: Dict[str, List[Dict[str, Any]]] = {}
    for row in tables.get(SUCCESSIONS, []):
        item = dict(row)
        item["area"] = item.pop("successor_id")
        item["source_url"] = item.pop("source_urls")
        successions.setdefault(item.pop("predecessor_id"), []).append(
            {k: item.get(k) for k in _SUCCESSION_FIELDS}
        )
    documents = {}
    for table in TABLE_FILES:
        schema = SCHEMAS[table]
        reverse = {column: key for key, column in RENAMES.get(table, {}).items()}
        records = []
        for row in tables.get(table, []):
            by_key = {reverse.get(column, column): value for column, value in row.items()}
            if table == "areas":
                by_key["successors"] = successions.get(row["id"], [])
            records.append({key: by_key.get(key) for key in _ordered_fields(schema)})
        documents[table] = {table: records}
    return documents
