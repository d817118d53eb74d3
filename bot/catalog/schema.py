"""Validation of the catalogue YAML files (data/catalog/*.yml).

`load_catalog(directory)` reads every table file, checks each record
(unknown fields, types, enums, date ranges, references between files) and
returns plain row dictionaries ready for the database. The first problem
found raises `CatalogValidationError`, whose message names the file, the
record id and the field, in one line.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Literal, Optional, Tuple, Type, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, ValidationError

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
)


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


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: StrictStr = Field(pattern=r"^[a-z0-9_]+$", max_length=160)
    source: StrictStr = Field(min_length=1)
    confidence: Confidence
    checked_on: dt.date
    notes: Optional[StrictStr] = None


class _Named(_Record):
    id: StrictStr = Field(pattern=r"^[a-z0-9_]+$", max_length=80)
    name: StrictStr = Field(min_length=1)
    aliases: List[StrictStr]


class SuccessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    area: StrictStr
    effective_on: Optional[dt.date] = None
    source: StrictStr = Field(min_length=1)
    confidence: Confidence
    checked_on: dt.date
    notes: Optional[StrictStr] = None


class AreaIn(_Named):
    kind: Literal["province", "city", "district", "commune", "ward"]
    parent: Optional[StrictStr] = None
    status: Literal["active", "abolished"]
    established_on: Optional[dt.date] = None
    abolished_on: Optional[dt.date] = None
    lat: Optional[Number] = Field(default=None, ge=-90, le=90)
    lon: Optional[Number] = Field(default=None, ge=-180, le=180)
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


class InstitutionIn(_Named):
    former_names: List[StrictStr] = []
    type: Literal["cao_dang", "trung_cap", "trung_tam_gdnn_gdtx", "trung_tam_gdnn", "dai_hoc", "khac"]
    status: Literal["active", "merged_into", "split_into", "closed"]
    successor: Optional[StrictStr] = None
    status_since: Optional[dt.date] = None
    management: Optional[StrictStr] = None
    address: Optional[StrictStr] = None
    area: Optional[StrictStr] = None
    phone: Optional[StrictStr] = None
    website: Optional[StrictStr] = None
    levels: List[StrictStr] = []
    runs_combined_route: Optional[StrictBool] = None


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
    benefit_kind: Literal[
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
    source_url: Optional[StrictStr] = None


SCHEMAS: Dict[str, Type[_Record]] = {
    "levels": LevelIn,
    "beneficiary_groups": GroupIn,
    "occupations": OccupationIn,
    "areas": AreaIn,
    "institutions": InstitutionIn,
    "programmes": ProgrammeIn,
    "policies": PolicyIn,
}

# YAML key -> database column, where they differ (the rest map 1:1).
RENAMES: Dict[str, Dict[str, str]] = {
    "areas": {"parent": "parent_id"},
    "institutions": {"successor": "successor_id", "area": "area_id", "levels": "level_ids"},
    "programmes": {"institution": "institution_id", "occupation": "occupation_id", "level": "level_id"},
    "policies": {
        "area": "area_id",
        "levels": "level_ids",
        "groups": "group_ids",
        "superseded_by": "superseded_by_id",
    },
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
        raise CatalogValidationError(label, None, None, f"must be a mapping with the single top-level key '{table}'")
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
            raise CatalogValidationError(label, name, _field_from_loc(first["loc"]), _describe(first)) from None
        if record.id in seen:
            raise CatalogValidationError(label, record.id, "id", f"duplicate id (also record #{seen[record.id] + 1})")
        seen[record.id] = index
        _check_record(label, table, record)
        records.append(record)
    return records


def _check_range(label: str, record_id: str, start_name: str, start, end_name: str, end) -> None:
    if start is not None and end is not None and end < start:
        raise CatalogValidationError(
            label, record_id, end_name, f"{end_name} {end.isoformat()} is before {start_name} {start.isoformat()}"
        )


def _check_record(label: str, table: str, record: _Record) -> None:
    """Rules inside one record."""
    if isinstance(record, PolicyIn):
        _check_range(label, record.id, "valid_from", record.valid_from, "valid_to", record.valid_to)
        if record.scope == "national" and record.area is not None:
            raise CatalogValidationError(label, record.id, "area", "a national policy must not name an area")
        if record.scope != "national" and record.area is None:
            raise CatalogValidationError(label, record.id, "area", f"a {record.scope} policy must name its area")
        if record.superseded_by == record.id:
            raise CatalogValidationError(label, record.id, "superseded_by", "a policy cannot supersede itself")
    elif isinstance(record, AreaIn):
        _check_range(label, record.id, "established_on", record.established_on, "abolished_on", record.abolished_on)
        if record.status == "abolished" and record.abolished_on is None:
            raise CatalogValidationError(label, record.id, "abolished_on", "an abolished area needs its abolished_on date")
        if (record.lat is None) != (record.lon is None):
            raise CatalogValidationError(label, record.id, "lon" if record.lon is None else "lat", "give both lat and lon, or neither")
        if record.parent == record.id:
            raise CatalogValidationError(label, record.id, "parent", "an area cannot be its own parent")
        targets = [s.area for s in record.successors]
        for i, target in enumerate(targets):
            if target == record.id or target in targets[:i]:
                raise CatalogValidationError(label, record.id, f"successors[{i}].area", f"invalid or repeated successor '{target}'")
    elif isinstance(record, InstitutionIn):
        if record.status in ("merged_into", "split_into") and record.successor is None:
            raise CatalogValidationError(label, record.id, "successor", f"status {record.status} needs a successor")
        if record.successor == record.id:
            raise CatalogValidationError(label, record.id, "successor", "an institution cannot succeed itself")


def _check_reference(label: str, record_id: str, field: str, value: Optional[str], known: Dict[str, Any], what: str):
    if value is not None and value not in known:
        raise CatalogValidationError(label, record_id, field, f"unknown {what} '{value}'")


def _check_references(labels: Dict[str, str], records: Dict[str, List[_Record]]) -> None:
    ids = {table: {r.id: r for r in rows} for table, rows in records.items()}
    areas, levels, groups = ids["areas"], ids["levels"], ids["beneficiary_groups"]
    for area in records["areas"]:
        _check_reference(labels["areas"], area.id, "parent", area.parent, areas, "area")
        for i, succession in enumerate(area.successors):
            _check_reference(labels["areas"], area.id, f"successors[{i}].area", succession.area, areas, "area")
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
            raise CatalogValidationError(label, prog.id, "level", f"same institution, occupation and level as '{triples[key]}'")
        triples[key] = prog.id
    for policy in records["policies"]:
        label = labels["policies"]
        _check_reference(label, policy.id, "area", policy.area, areas, "area")
        _check_reference(label, policy.id, "superseded_by", policy.superseded_by, ids["policies"], "policy")
        for i, level in enumerate(policy.levels):
            _check_reference(label, policy.id, f"levels[{i}]", level, levels, "level")
        for i, group in enumerate(policy.groups):
            _check_reference(label, policy.id, f"groups[{i}]", group, groups, "beneficiary group")


def _to_rows(table: str, record: _Record) -> Dict[str, Any]:
    data = record.model_dump()
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
            raise CatalogValidationError(str(path), None, None, f"unknown table file (expected one of: {', '.join(sorted(known))})")
    labels = {table: str(directory / f"{table}.yml") for table in TABLE_FILES}
    records = {table: _validate_records(labels[table], table, _read_file(directory / f"{table}.yml", table)) for table in TABLE_FILES}
    _check_references(labels, records)

    tables: Dict[str, List[Dict[str, Any]]] = {table: [_to_rows(table, r) for r in records[table]] for table in TABLE_FILES}
    tables[SUCCESSIONS] = [
        {
            "predecessor_id": area.id,
            "successor_id": s.area,
            "effective_on": s.effective_on,
            "source": s.source,
            "confidence": s.confidence,
            "checked_on": s.checked_on,
            "notes": s.notes,
        }
        for area in records["areas"]
        for s in area.successors
    ]
    return CatalogData(tables=tables)


# ---- export: database rows back to the YAML format ----

_SUCCESSION_FIELDS = ("area", "effective_on", "source", "confidence", "checked_on", "notes")


_LEADING = ("id", "name", "title", "aliases")
_TRAILING = ("source", "source_url", "confidence", "checked_on", "notes")


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
        successions.setdefault(item.pop("predecessor_id"), []).append({k: item.get(k) for k in _SUCCESSION_FIELDS})
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
