"""Counsellor console: failed logins counted per IP (password spraying).

Revision ID: console_0002
Revises: console_0001
Create Date: 2026-12-01
"""

from alembic import op

revision = "console_0002"
down_revision = "console_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_console_login_attempts_ip", "console_login_attempts", ["ip", "attempted_at"])


def downgrade() -> None:
    op.drop_index("ix_console_login_attempts_ip", table_name="console_login_attempts")
