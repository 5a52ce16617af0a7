"""Outbox delivered in commit-safe order: the writing transaction's id on every event.

Each outbox row records the id of the transaction that wrote it (`xid`: PostgreSQL's
`pg_current_xact_id()`, 0 on SQLite) and each cursor a position (`last_xid`, `last_seq`); the
dispatcher delivers only below the oldest transaction still in flight (ADR 0017). Rows written
before this migration are all committed (ADD COLUMN waits for every writer), so they get xid 0
and every cursor (0, last_seq): exactly what each subscriber had acknowledged stays
acknowledged. `outbox_origin` names the PostgreSQL cluster whose transaction ids these are, so a
restore into another cluster is noticed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

XID_DEFAULT = "(pg_current_xact_id()::text::bigint)"


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(
            sa.Column(
                "xid",
                sa.BigInteger(),
                server_default="0",
                nullable=False,
                comment="writing transaction (pg_current_xact_id); 0 on SQLite and for rows before 0006",
            )
        )
    with op.batch_alter_table("outbox_cursor") as batch_op:
        batch_op.add_column(
            sa.Column("last_xid", sa.BigInteger(), server_default="0", nullable=False)
        )
    origin = op.create_table(
        "outbox_origin",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("system_identifier", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    if not postgresql:
        op.bulk_insert(origin, [{"id": 1, "system_identifier": None}])
        return
    # Existing rows keep 0 (stored once in the catalogue, no table rewrite); new rows get theirs.
    op.execute(f"ALTER TABLE outbox ALTER COLUMN xid SET DEFAULT {XID_DEFAULT}")
    op.create_index("ix_outbox_position", "outbox", ["xid", "seq"])
    op.execute(
        "INSERT INTO outbox_origin (id, system_identifier) "
        "SELECT 1, system_identifier FROM pg_control_system()"
    )


def downgrade() -> None:
    op.drop_table("outbox_origin")
    if op.get_bind().dialect.name == "postgresql":
        # Back to `seq > last_seq`: each cursor goes back to just before its first undelivered
        # event, so what was delivered out of seq order is delivered again, never skipped.
        op.execute(
            "UPDATE outbox_cursor c SET last_seq = coalesce((SELECT min(o.seq) - 1 FROM outbox o "
            "WHERE (o.xid, o.seq) > (c.last_xid, c.last_seq)), c.last_seq)"
        )
        op.drop_index("ix_outbox_position", table_name="outbox")
    with op.batch_alter_table("outbox_cursor") as batch_op:
        batch_op.drop_column("last_xid")
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("xid")
