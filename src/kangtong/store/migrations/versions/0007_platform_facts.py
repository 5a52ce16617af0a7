"""Facts the installation's data depends on, starting with the canonical base.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 20:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kangtong.core.canonical import BASE

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    facts = op.create_table(
        "platform_fact",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    # Data stored before this revision was written under the base configured now.
    op.bulk_insert(facts, [{"name": "canonical_base", "value": BASE}])


def downgrade() -> None:
    op.drop_table("platform_fact")
