"""Catalogue: readable citations with public URLs, internal notes apart from
user-facing ones, commune/ward geography, institution contacts, occupation
descriptions, policy group matching, and the admission calendar.

- every table: `source` -> `citation` (readable) and `internal_notes` (the old
  provenance text, never shown), `source_urls` (JSON list; policies take their
  old `source_url` into it);
- areas: `centre_source`, `former_district_ids`, `predecessors`;
- institutions: `address_new`, `name_verified`;
- occupations: `description`, `daily_work`, `strengths`, `workplaces`, `pay`, `pay_as_of`;
- policies: `groups_mode` (any | all);
- new table `catalog_calendar`.

Revision ID: catalog_0002
Revises: catalog_0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "catalog_0002"
down_revision = "catalog_0001"
branch_labels = None
depends_on = None

SOURCED_TABLES = (
    "catalog_areas",
    "catalog_area_successions",
    "catalog_levels",
    "catalog_beneficiary_groups",
    "catalog_occupations",
    "catalog_institutions",
    "catalog_programmes",
    "catalog_policies",
)


def upgrade() -> None:
    for table in SOURCED_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("citation", sa.Text(), nullable=True))
            batch_op.add_column(sa.Column("source_urls", sa.JSON(), nullable=True))
            batch_op.add_column(sa.Column("internal_notes", sa.Text(), nullable=True))
        op.execute(f"UPDATE {table} SET citation = source, internal_notes = source, source_urls = '[]'")
    # a policy's single URL becomes a one-element list (JSON text is portable to both backends)
    connection = op.get_bind()
    policies = sa.table(
        "catalog_policies",
        sa.column("id", sa.String),
        sa.column("source_url", sa.Text),
        sa.column("source_urls", sa.JSON),
    )
    for row in connection.execute(sa.select(policies.c.id, policies.c.source_url)).fetchall():
        if row.source_url:
            connection.execute(
                policies.update().where(policies.c.id == row.id).values(source_urls=[row.source_url])
            )
    for table in SOURCED_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("citation", existing_type=sa.Text(), nullable=False)
            batch_op.alter_column("source_urls", existing_type=sa.JSON(), nullable=False)
            batch_op.drop_column("source")
    with op.batch_alter_table("catalog_policies", schema=None) as batch_op:
        batch_op.drop_column("source_url")
        batch_op.add_column(
            sa.Column("groups_mode", sa.String(length=3), nullable=False, server_default="any")
        )
    with op.batch_alter_table("catalog_areas", schema=None) as batch_op:
        batch_op.add_column(sa.Column("centre_source", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("former_district_ids", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("predecessors", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("catalog_institutions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address_new", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("name_verified", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("catalog_occupations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("daily_work", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("strengths", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("workplaces", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("pay", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("pay_as_of", sa.Date(), nullable=True))

    op.create_table(
        "catalog_calendar",
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("source_urls", sa.JSON(), nullable=False),
        sa.Column("confidence", sa.String(length=1), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("internal_notes", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("track", sa.String(length=20), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=True),
        sa.Column("date_to", sa.Date(), nullable=True),
        sa.Column("area_id", sa.String(length=80), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.CheckConstraint("confidence IN ('V', 'P', 'U')", name=op.f("ck_catalog_calendar_confidence")),
        sa.CheckConstraint(
            "date_to IS NULL OR date_from IS NULL OR date_to >= date_from",
            name=op.f("ck_catalog_calendar_date_range"),
        ),
        sa.ForeignKeyConstraint(
            ["area_id"], ["catalog_areas.id"], name=op.f("fk_catalog_calendar_area_id_catalog_areas")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_calendar")),
    )
    with op.batch_alter_table("catalog_calendar", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_calendar_school_year"), ["school_year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("catalog_calendar", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_calendar_school_year"))
    op.drop_table("catalog_calendar")
    with op.batch_alter_table("catalog_occupations", schema=None) as batch_op:
        for column in ("pay_as_of", "pay", "workplaces", "strengths", "daily_work", "description"):
            batch_op.drop_column(column)
    with op.batch_alter_table("catalog_institutions", schema=None) as batch_op:
        batch_op.drop_column("name_verified")
        batch_op.drop_column("address_new")
    with op.batch_alter_table("catalog_areas", schema=None) as batch_op:
        batch_op.drop_column("predecessors")
        batch_op.drop_column("former_district_ids")
        batch_op.drop_column("centre_source")
    with op.batch_alter_table("catalog_policies", schema=None) as batch_op:
        batch_op.drop_column("groups_mode")
        batch_op.add_column(sa.Column("source_url", sa.Text(), nullable=True))
    connection = op.get_bind()
    policies = sa.table(
        "catalog_policies",
        sa.column("id", sa.String),
        sa.column("source_url", sa.Text),
        sa.column("source_urls", sa.JSON),
    )
    for row in connection.execute(sa.select(policies.c.id, policies.c.source_urls)).fetchall():
        if row.source_urls:
            connection.execute(
                policies.update().where(policies.c.id == row.id).values(source_url=row.source_urls[0])
            )
    for table in SOURCED_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("source", sa.Text(), nullable=True))
        op.execute(f"UPDATE {table} SET source = COALESCE(internal_notes, citation)")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("source", existing_type=sa.Text(), nullable=False)
            batch_op.drop_column("internal_notes")
            batch_op.drop_column("source_urls")
            batch_op.drop_column("citation")
