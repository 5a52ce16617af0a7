"""Facts the installation's data depends on, starting with the canonical base.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 20:00:00.000000
"""

from __future__ import annotations

import zlib

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
    conn = op.get_bind()
    has_data = conn.execute(sa.text("SELECT 1 FROM resource LIMIT 1")).first() is not None
    base = canonical.BASE_BEFORE_0007 if has_data else canonical.BASE
    op.bulk_insert(facts, [{"name": "canonical_base", "value": base}])
    if has_data:
        _label_under_the_current_system(conn, f"{base}/CodeSystem/sensitivity")


# The sensitive categories as of this revision (a migration must not change when code does).
_CATEGORIES = ("infectious", "mental-health", "hiv", "reproductive", "substance-use")


def _label_under_the_current_system(conn: sa.Connection, system: str) -> None:
    """Stored records labelled under the sensitivity URL used before ADR 0020 get the label
    rows the write path adds now (`security.labels`): the search filter looks at one system.
    Index rows only; stored content, versions and history stay as they are."""
    types = [str(t) for (t,) in conn.execute(sa.text("SELECT DISTINCT res_type FROM resource"))]
    keys = [zlib.crc32(f"{t}._security".encode()) & 0x7FFFFFFF for t in types]  # param_key
    copy = sa.text(
        "INSERT INTO idx_token (resource_pk, param, system, code, text) "
        "SELECT o.resource_pk, o.param, CAST(:new AS VARCHAR(256)), o.code, NULL FROM idx_token o "
        "WHERE o.system = :old AND o.param IN :keys AND o.code IN :codes "
        "AND NOT EXISTS (SELECT 1 FROM idx_token n WHERE n.resource_pk = o.resource_pk "
        "AND n.param = o.param AND n.system = CAST(:new AS VARCHAR(256)) AND n.code = o.code)"
    ).bindparams(sa.bindparam("keys", expanding=True), sa.bindparam("codes", expanding=True))
    for old in canonical.LEGACY_URLS["CodeSystem/sensitivity"]:
        conn.execute(copy, {"new": system, "old": old, "keys": keys, "codes": _CATEGORIES})


def downgrade() -> None:
    op.drop_table("platform_fact")
