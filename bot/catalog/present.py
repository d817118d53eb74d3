"""Presentation-neutral views of a catalogue record's provenance (no SQL).

Replies name the legal basis briefly ("Căn cứ: NĐ 238/2025/NĐ-CP"), keep the
full sources one tap away, and say P/U records in plain words. These helpers
give the pieces; wording around them belongs to the dialogue.

- `short_citation(record) -> str`: "NĐ 238/2025/NĐ-CP", "QĐ 46/2015/QĐ-TTg",
  "Luật 124/2025/QH15"; for records without a legal number, the first part of
  their citation.
- `sources_of(record) -> List[SourceRef]`: one entry per public URL (title,
  issuer, date, url, checked_on); a record without URL gives one entry with
  `url` None.
- `confidence_phrase(record) -> Optional[str]`: None for V; a plain Vietnamese
  sentence for P and U.
- `confidence_rank(record) -> int`: V before P before U, for ordering results.
- `user_facing_texts(record) -> List[str]`: every text field a reply may show
  (never `internal_notes`), for checks that no research note leaks.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, List, Optional

# Document-type part of a legal number's last segment -> the short name readers use.
_KINDS = (("NĐ", "NĐ"), ("QĐ", "QĐ"), ("NQ", "NQ"), ("KH", "KH"), ("TT", "TT"), ("CT", "CT"), ("PA", "PA"))

CONFIDENCE_ORDER = {"V": 0, "P": 1, "U": 2}
CONFIDENCE_PHRASES = {
    "P": "Thông tin này mới kiểm chứng được một phần (nguồn báo chí hoặc trang bị cắt), cần đối chiếu văn bản gốc.",
    "U": "Thông tin này chưa được kiểm chứng, đừng dựa vào nó để quyết định.",
}

# Fields a reply may show. `internal_notes` and ids are never among them.
USER_FACING_FIELDS = (
    "name",
    "title",
    "citation",
    "notes",
    "conditions",
    "description",
    "daily_work",
    "strengths",
    "workplaces",
    "pay",
    "duration",
    "entry",
    "after",
    "address",
    "address_new",
    "cap",
    "unit",
    "management",
    "former_names",
    "aliases",
    "predecessors",
)


@dataclass(frozen=True)
class SourceRef:
    """One public source of a record, as a "Nguồn" list shows it."""

    title: str
    issuer: Optional[str]
    date: Optional[dt.date]
    url: Optional[str]
    checked_on: dt.date


def short_citation(record: Any) -> str:
    number = getattr(record, "legal_basis_number", None)
    if number:
        suffix = number.split("/")[-1].upper()
        if re.fullmatch(r"QH\d+", suffix):  # an act of the National Assembly: a law or a resolution
            title = (getattr(record, "title", "") or "").strip()
            return f"Luật {number}" if title.startswith("Luật") else f"NQ {number}"
        for marker, kind in _KINDS:
            if suffix.startswith(marker):
                return f"{kind} {number}"
        return number
    citation = getattr(record, "citation", "") or ""
    return citation.split(";")[0].strip()[:120]


def sources_of(record: Any) -> List[SourceRef]:
    issuer = getattr(record, "issuer", None)
    date = getattr(record, "legal_basis_date", None)
    urls = list(getattr(record, "source_urls", None) or [])
    title = getattr(record, "title", None)
    if title and getattr(record, "legal_basis_number", None):
        title = f"{short_citation(record)}: {title}"
    title = title or getattr(record, "citation", "")
    return [SourceRef(title, issuer, date, url, record.checked_on) for url in (urls or [None])]


def confidence_phrase(record: Any) -> Optional[str]:
    return CONFIDENCE_PHRASES.get(getattr(record, "confidence", "U"))


def confidence_rank(record: Any) -> int:
    return CONFIDENCE_ORDER.get(record.confidence, 3)


def user_facing_texts(record: Any) -> List[str]:
    texts: List[str] = []
    for field in USER_FACING_FIELDS:
        value = getattr(record, field, None)
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, list):
            texts.extend(v for v in value if isinstance(v, str))
    return texts


def period(policy: Any) -> str:
    """ "2021-2025" for NQ 19/2021 (the year in its number to its last year of validity)."""
    issued = re.search(r"/(20\d\d)/", policy.legal_basis_number or "")
    start = issued.group(1) if issued else (str(policy.valid_from.year) if policy.valid_from else "")
    end = str(policy.valid_to.year) if policy.valid_to else ""
    return "-".join(x for x in (start, end) if x)
