"""Catalogue tables (SQLAlchemy 1.4, 2.0 style) on the shared `bot.db.Base`.

Every row carries a readable `citation` (issuer, number, date, title or
page), its public `source_urls`, `confidence` (V verified / P partly verified /
U unverified) and `checked_on` (the date the source was read for this record),
so any fact the assistant repeats can be traced and dated. `notes` are
Vietnamese caveats for replies; `internal_notes` (research provenance) are
never shown to users. List-valued fields that only hold ids or short strings
(aliases, level ids, group ids, RIASEC codes) are JSON columns: the importer
validates every id they hold, and they keep each record in one row.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import relationship

from bot.db import Base

CONFIDENCE_LABELS = {
    "V": "đã kiểm chứng",
    "P": "kiểm chứng một phần",
    "U": "chưa kiểm chứng",
}
ID_LENGTH = 80


class Sourced:
    """Provenance columns shared by every catalogue table."""

    citation = Column(Text, nullable=False)
    source_urls = Column(JSON, nullable=False, default=list)
    confidence = Column(String(1), nullable=False)
    checked_on = Column(Date, nullable=False)
    notes = Column(Text, nullable=True)  # user-facing caveats (Vietnamese)
    internal_notes = Column(Text, nullable=True)  # never shown to users

    @property
    def source(self) -> str:
        """The readable citation (kept for callers that print `source`)."""
        return self.citation

    @property
    def source_url(self) -> Optional[str]:
        """The first public URL, or None."""
        return (self.source_urls or [None])[0]

    @property
    def is_verified(self) -> bool:
        return self.confidence == "V"

    @property
    def is_unverified(self) -> bool:
        """True when the record must be presented as unverified (confidence U)."""
        return self.confidence == "U"

    @property
    def confidence_label(self) -> str:
        """Vietnamese wording for the confidence level, for replies."""
        return CONFIDENCE_LABELS.get(self.confidence, "chưa kiểm chứng")


def _confidence_check() -> CheckConstraint:
    return CheckConstraint("confidence IN ('V', 'P', 'U')", name="confidence")


class Area(Sourced, Base):
    __tablename__ = "catalog_areas"
    __table_args__ = (_confidence_check(),)

    id = Column(String(ID_LENGTH), primary_key=True)
    name = Column(String(200), nullable=False)
    aliases = Column(JSON, nullable=False, default=list)
    kind = Column(String(20), nullable=False)  # province | city | district | commune | ward
    parent_id = Column(String(ID_LENGTH), ForeignKey("catalog_areas.id"), nullable=True, index=True)
    status = Column(String(20), nullable=False)  # active | abolished
    established_on = Column(Date, nullable=True)
    abolished_on = Column(Date, nullable=True)
    lat = Column(Float, nullable=True)
    lon = Column(Float, nullable=True)
    centre_source = Column(Text, nullable=True)
    former_district_ids = Column(JSON, nullable=False, default=list)
    predecessors = Column(JSON, nullable=False, default=list)  # former commune names (text)

    parent = relationship("Area", remote_side=[id], lazy="select")

    @property
    def is_former_district(self) -> bool:
        return self.kind in ("district", "city")

    def __repr__(self) -> str:
        return f"<Area {self.id}>"


class AreaSuccession(Sourced, Base):
    """`predecessor` was replaced (wholly or in part) by `successor` on `effective_on`."""

    __tablename__ = "catalog_area_successions"
    __table_args__ = (_confidence_check(),)

    predecessor_id = Column(
        String(ID_LENGTH), ForeignKey("catalog_areas.id", ondelete="CASCADE"), primary_key=True
    )
    successor_id = Column(
        String(ID_LENGTH), ForeignKey("catalog_areas.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    effective_on = Column(Date, nullable=True)


class Level(Sourced, Base):
    __tablename__ = "catalog_levels"
    __table_args__ = (_confidence_check(),)

    id = Column(String(ID_LENGTH), primary_key=True)
    name = Column(String(200), nullable=False)
    aliases = Column(JSON, nullable=False, default=list)
    rank = Column(Integer, nullable=False)
    description = Column(Text, nullable=True)
    duration = Column(Text, nullable=True)
    entry = Column(Text, nullable=True)
    after = Column(Text, nullable=True)

    def __repr__(self) -> str:
        return f"<Level {self.id}>"


class BeneficiaryGroup(Sourced, Base):
    __tablename__ = "catalog_beneficiary_groups"
    __table_args__ = (_confidence_check(),)

    id = Column(String(ID_LENGTH), primary_key=True)
    name = Column(String(200), nullable=False)
    aliases = Column(JSON, nullable=False, default=list)

    def __repr__(self) -> str:
        return f"<BeneficiaryGroup {self.id}>"


class Occupation(Sourced, Base):
    __tablename__ = "catalog_occupations"
    __table_args__ = (_confidence_check(),)

    id = Column(String(ID_LENGTH), primary_key=True)
    name = Column(String(200), nullable=False)
    aliases = Column(JSON, nullable=False, default=list)
    field_group = Column(String(60), nullable=True, index=True)
    riasec = Column(JSON, nullable=False, default=list)  # e.g. ["R", "I"], most typical first
    riasec_confidence = Column(String(1), nullable=False, default="U")
    key_tier = Column(String(20), nullable=True)  # quoc_te | asean | quoc_gia | None (unknown)
    description = Column(Text, nullable=True)
    daily_work = Column(Text, nullable=True)
    strengths = Column(Text, nullable=True)
    workplaces = Column(Text, nullable=True)
    pay = Column(Text, nullable=True)
    pay_as_of = Column(Date, nullable=True)

    def __repr__(self) -> str:
        return f"<Occupation {self.id}>"


class Institution(Sourced, Base):
    __tablename__ = "catalog_institutions"
    __table_args__ = (_confidence_check(),)

    id = Column(String(ID_LENGTH), primary_key=True)
    name = Column(String(300), nullable=False)
    aliases = Column(JSON, nullable=False, default=list)
    former_names = Column(JSON, nullable=False, default=list)
    type = Column(String(40), nullable=False)  # cao_dang | trung_cap | trung_tam_gdnn_gdtx | ...
    status = Column(
        String(20), nullable=False, index=True
    )  # active | renamed | merged_into | split_into | closed
    successor_id = Column(String(ID_LENGTH), ForeignKey("catalog_institutions.id"), nullable=True)
    status_since = Column(Date, nullable=True)
    management = Column(String(200), nullable=True)
    address = Column(Text, nullable=True)
    address_new = Column(Text, nullable=True)
    area_id = Column(String(ID_LENGTH), ForeignKey("catalog_areas.id"), nullable=True, index=True)
    phone = Column(String(60), nullable=True)
    website = Column(String(300), nullable=True)
    level_ids = Column(JSON, nullable=False, default=list)
    runs_combined_route = Column(Boolean, nullable=True)  # the 9+ route (YAML `runs_9plus`); None = unknown
    name_verified = Column(Boolean, nullable=False, default=True)

    area = relationship("Area", lazy="joined")
    successor = relationship("Institution", remote_side=[id], lazy="select")

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def is_renamed(self) -> bool:
        """The same school under a new name (`successor`), not a merger."""
        return self.status == "renamed"

    @property
    def runs_9plus(self) -> Optional[bool]:
        return self.runs_combined_route

    @property
    def has_contact(self) -> bool:
        return bool(self.phone or self.website)

    def __repr__(self) -> str:
        return f"<Institution {self.id}>"


class Programme(Sourced, Base):
    __tablename__ = "catalog_programmes"
    __table_args__ = (_confidence_check(),)

    id = Column(String(ID_LENGTH * 2), primary_key=True)
    institution_id = Column(
        String(ID_LENGTH), ForeignKey("catalog_institutions.id"), nullable=False, index=True
    )
    occupation_id = Column(
        String(ID_LENGTH), ForeignKey("catalog_occupations.id"), nullable=False, index=True
    )
    level_id = Column(
        String(ID_LENGTH), ForeignKey("catalog_levels.id"), nullable=True, index=True
    )  # None = unknown
    duration = Column(Text, nullable=True)
    combined_route = Column(Boolean, nullable=True)  # None = unknown
    intake = Column(Integer, nullable=True)
    tuition_vnd_per_year = Column(BigInteger, nullable=True)

    institution = relationship("Institution", lazy="joined")
    occupation = relationship("Occupation", lazy="joined")
    level = relationship("Level", lazy="joined")

    def __repr__(self) -> str:
        return f"<Programme {self.id}>"


class Policy(Sourced, Base):
    __tablename__ = "catalog_policies"
    __table_args__ = (
        _confidence_check(),
        CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="valid_range"
        ),
    )

    id = Column(String(ID_LENGTH), primary_key=True)
    title = Column(Text, nullable=False)
    legal_basis_number = Column(String(80), nullable=True)
    legal_basis_date = Column(Date, nullable=True)
    issuer = Column(String(200), nullable=True)
    scope = Column(String(20), nullable=False, index=True)  # national | province | district | commune
    area_id = Column(String(ID_LENGTH), ForeignKey("catalog_areas.id"), nullable=True, index=True)
    level_ids = Column(JSON, nullable=False, default=list)  # [] = any level
    group_ids = Column(JSON, nullable=False, default=list)  # [] = everyone
    groups_mode = Column(String(3), nullable=False, default="any")  # any | all (every listed group must hold)
    required_diploma = Column(String(10), nullable=True)  # thcs | thpt | None
    max_age = Column(Integer, nullable=True)  # maximum age at enrolment, inclusive
    conditions = Column(Text, nullable=True)
    benefit_kind = Column(String(40), nullable=False, index=True)
    amount_vnd = Column(BigInteger, nullable=True)
    percent = Column(Integer, nullable=True)
    unit = Column(String(60), nullable=True)
    cap = Column(Text, nullable=True)
    cap_months = Column(Integer, nullable=True)
    valid_from = Column(Date, nullable=True, index=True)  # None = start unknown
    valid_to = Column(Date, nullable=True, index=True)  # None = open-ended / unknown
    superseded_by_id = Column(String(ID_LENGTH), ForeignKey("catalog_policies.id"), nullable=True)

    area = relationship("Area", lazy="joined")
    superseded_by = relationship("Policy", remote_side=[id], lazy="select")

    def in_force(self, on: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )

    @property
    def is_benefit(self) -> bool:
        return self.benefit_kind not in NON_BENEFIT_KINDS

    def __repr__(self) -> str:
        return f"<Policy {self.id}>"


# Plans, lists and notices: documents, not something a family receives.
NON_BENEFIT_KINDS = ("ke_hoach", "danh_muc", "thong_tin")


class CalendarEvent(Sourced, Base):
    """A dated admission step, always tied to its school year."""

    __tablename__ = "catalog_calendar"
    __table_args__ = (
        _confidence_check(),
        CheckConstraint("date_to IS NULL OR date_from IS NULL OR date_to >= date_from", name="date_range"),
    )

    id = Column(String(ID_LENGTH), primary_key=True)
    title = Column(Text, nullable=False)
    school_year = Column(String(9), nullable=False, index=True)  # "2026-2027"
    track = Column(String(20), nullable=False)  # lop_10 | trung_cap | 9plus | trung_hoc_nghe | chung
    date_from = Column(Date, nullable=True)
    date_to = Column(Date, nullable=True)
    area_id = Column(String(ID_LENGTH), ForeignKey("catalog_areas.id"), nullable=True)
    description = Column(Text, nullable=True)

    def has_passed(self, on: dt.date) -> bool:
        last = self.date_to or self.date_from
        return last is not None and last < on

    def __repr__(self) -> str:
        return f"<CalendarEvent {self.id}>"
