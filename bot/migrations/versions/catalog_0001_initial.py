"""Catalogue: initial tables (areas, successions, levels, groups, occupations,
institutions, programmes, policies).

Revision ID: catalog_0001
Revises: (root of the `catalog` branch)
Create Date: 2026-11-27 01:58:48.916040
"""

import sqlalchemy as sa
from alembic import op

revision = "catalog_0001"
down_revision = None
branch_labels = ("catalog",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_areas",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("confidence", sa.String(length=1), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("parent_id", sa.String(length=80), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("established_on", sa.Date(), nullable=True),
        sa.Column("abolished_on", sa.Date(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.CheckConstraint("confidence IN ('V', 'P', 'U')", name=op.f("ck_catalog_areas_confidence")),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["catalog_areas.id"], name=op.f("fk_catalog_areas_parent_id_catalog_areas")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_areas")),
    )
    with op.batch_alter_table("catalog_areas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_areas_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "catalog_beneficiary_groups",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("confidence", sa.String(length=1), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "confidence IN ('V', 'P', 'U')", name=op.f("ck_catalog_beneficiary_groups_confidence")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_beneficiary_groups")),
    )
    op.create_table(
        "catalog_levels",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("confidence", sa.String(length=1), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("duration", sa.Text(), nullable=True),
        sa.Column("entry", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.CheckConstraint("confidence IN ('V', 'P', 'U')", name=op.f("ck_catalog_levels_confidence")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_levels")),
    )
    op.create_table(
        "catalog_occupations",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("confidence", sa.String(length=1), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("field_group", sa.String(length=60), nullable=True),
        sa.Column("riasec", sa.JSON(), nullable=False),
        sa.Column("riasec_confidence", sa.String(length=1), nullable=False),
        sa.Column("key_tier", sa.String(length=20), nullable=True),
        sa.CheckConstraint("confidence IN ('V', 'P', 'U')", name=op.f("ck_catalog_occupations_confidence")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_occupations")),
    )
    with op.batch_alter_table("catalog_occupations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_occupations_field_group"), ["field_group"], unique=False)

    op.create_table(
        "catalog_area_successions",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("confidence", sa.String(length=1), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("predecessor_id", sa.String(length=80), nullable=False),
        sa.Column("successor_id", sa.String(length=80), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "confidence IN ('V', 'P', 'U')", name=op.f("ck_catalog_area_successions_confidence")
        ),
        sa.ForeignKeyConstraint(
            ["predecessor_id"],
            ["catalog_areas.id"],
            name=op.f("fk_catalog_area_successions_predecessor_id_catalog_areas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["successor_id"],
            ["catalog_areas.id"],
            name=op.f("fk_catalog_area_successions_successor_id_catalog_areas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("predecessor_id", "successor_id", name=op.f("pk_catalog_area_successions")),
    )
    with op.batch_alter_table("catalog_area_successions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_area_successions_successor_id"), ["successor_id"], unique=False
        )

    op.create_table(
        "catalog_institutions",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("confidence", sa.String(length=1), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("former_names", sa.JSON(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("successor_id", sa.String(length=80), nullable=True),
        sa.Column("status_since", sa.Date(), nullable=True),
        sa.Column("management", sa.String(length=200), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("area_id", sa.String(length=80), nullable=True),
        sa.Column("phone", sa.String(length=60), nullable=True),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("level_ids", sa.JSON(), nullable=False),
        sa.Column("runs_combined_route", sa.Boolean(), nullable=True),
        sa.CheckConstraint("confidence IN ('V', 'P', 'U')", name=op.f("ck_catalog_institutions_confidence")),
        sa.ForeignKeyConstraint(
            ["area_id"], ["catalog_areas.id"], name=op.f("fk_catalog_institutions_area_id_catalog_areas")
        ),
        sa.ForeignKeyConstraint(
            ["successor_id"],
            ["catalog_institutions.id"],
            name=op.f("fk_catalog_institutions_successor_id_catalog_institutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_institutions")),
    )
    with op.batch_alter_table("catalog_institutions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_institutions_area_id"), ["area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_institutions_status"), ["status"], unique=False)

    op.create_table(
        "catalog_policies",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("confidence", sa.String(length=1), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("legal_basis_number", sa.String(length=80), nullable=True),
        sa.Column("legal_basis_date", sa.Date(), nullable=True),
        sa.Column("issuer", sa.String(length=200), nullable=True),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("area_id", sa.String(length=80), nullable=True),
        sa.Column("level_ids", sa.JSON(), nullable=False),
        sa.Column("group_ids", sa.JSON(), nullable=False),
        sa.Column("required_diploma", sa.String(length=10), nullable=True),
        sa.Column("max_age", sa.Integer(), nullable=True),
        sa.Column("conditions", sa.Text(), nullable=True),
        sa.Column("benefit_kind", sa.String(length=40), nullable=False),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=True),
        sa.Column("percent", sa.Integer(), nullable=True),
        sa.Column("unit", sa.String(length=60), nullable=True),
        sa.Column("cap", sa.Text(), nullable=True),
        sa.Column("cap_months", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("superseded_by_id", sa.String(length=80), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.CheckConstraint("confidence IN ('V', 'P', 'U')", name=op.f("ck_catalog_policies_confidence")),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from",
            name=op.f("ck_catalog_policies_valid_range"),
        ),
        sa.ForeignKeyConstraint(
            ["area_id"], ["catalog_areas.id"], name=op.f("fk_catalog_policies_area_id_catalog_areas")
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"],
            ["catalog_policies.id"],
            name=op.f("fk_catalog_policies_superseded_by_id_catalog_policies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_policies")),
    )
    with op.batch_alter_table("catalog_policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_policies_area_id"), ["area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_policies_benefit_kind"), ["benefit_kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_policies_scope"), ["scope"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_policies_valid_from"), ["valid_from"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_policies_valid_to"), ["valid_to"], unique=False)

    op.create_table(
        "catalog_programmes",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("confidence", sa.String(length=1), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=160), nullable=False),
        sa.Column("institution_id", sa.String(length=80), nullable=False),
        sa.Column("occupation_id", sa.String(length=80), nullable=False),
        sa.Column("level_id", sa.String(length=80), nullable=True),
        sa.Column("duration", sa.Text(), nullable=True),
        sa.Column("combined_route", sa.Boolean(), nullable=True),
        sa.Column("intake", sa.Integer(), nullable=True),
        sa.Column("tuition_vnd_per_year", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("confidence IN ('V', 'P', 'U')", name=op.f("ck_catalog_programmes_confidence")),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["catalog_institutions.id"],
            name=op.f("fk_catalog_programmes_institution_id_catalog_institutions"),
        ),
        sa.ForeignKeyConstraint(
            ["level_id"], ["catalog_levels.id"], name=op.f("fk_catalog_programmes_level_id_catalog_levels")
        ),
        sa.ForeignKeyConstraint(
            ["occupation_id"],
            ["catalog_occupations.id"],
            name=op.f("fk_catalog_programmes_occupation_id_catalog_occupations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_programmes")),
    )
    with op.batch_alter_table("catalog_programmes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_programmes_institution_id"), ["institution_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_catalog_programmes_level_id"), ["level_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_catalog_programmes_occupation_id"), ["occupation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("catalog_programmes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_programmes_occupation_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_programmes_level_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_programmes_institution_id"))

    op.drop_table("catalog_programmes")
    with op.batch_alter_table("catalog_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_policies_valid_to"))
        batch_op.drop_index(batch_op.f("ix_catalog_policies_valid_from"))
        batch_op.drop_index(batch_op.f("ix_catalog_policies_scope"))
        batch_op.drop_index(batch_op.f("ix_catalog_policies_benefit_kind"))
        batch_op.drop_index(batch_op.f("ix_catalog_policies_area_id"))

    op.drop_table("catalog_policies")
    with op.batch_alter_table("catalog_institutions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_institutions_status"))
        batch_op.drop_index(batch_op.f("ix_catalog_institutions_area_id"))

    op.drop_table("catalog_institutions")
    with op.batch_alter_table("catalog_area_successions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_area_successions_successor_id"))

    op.drop_table("catalog_area_successions")
    with op.batch_alter_table("catalog_occupations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_occupations_field_group"))

    op.drop_table("catalog_occupations")
    op.drop_table("catalog_levels")
    op.drop_table("catalog_beneficiary_groups")
    with op.batch_alter_table("catalog_areas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_areas_parent_id"))

    op.drop_table("catalog_areas")
