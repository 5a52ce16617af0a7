"""Who wrote each resource version (principal and roles), so trust can be decided on it.

A care relationship counts only when a trusted writer recorded it (issue 13, finding 1): the
institution's own system client, the platform, or for a referral an institution that treats
the patient. Versions stored before this revision have no recorded writer and are trusted by
nothing (see ADR 0022 for re-registering existing relationships).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 23:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("resource_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("written_by", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("written_as", sa.String(length=256), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("resource_version", schema=None) as batch_op:
        batch_op.drop_column("written_as")
        batch_op.drop_column("written_by")
