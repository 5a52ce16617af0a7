"""Facts the installation's data depends on, starting with the canonical base.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 20:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kangtong.core import canonical

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
    # Data stored before this revision was written under the built-in base, whatever is
    # configured now: recording that one makes a process with another base refuse the
    # database (store.platform_facts) instead of splitting every kangtong URL in two.
    has_data = op.get_bind().execute(sa.text("SELECT 1 FROM resource LIMIT 1")).first()
    base = canonical.BASE_BEFORE_0007 if has_data is not None else canonical.BASE
    op.bulk_insert(facts, [{"name": "canonical_base", "value": base}])


def downgrade() -> None:
    op.drop_table("platform_fact")
