"""Issue 13 findings 4, 5 and 7: the last accepted TOTP step, audit rows naming their key, and
the shared refusal counters of the rate limiter.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 23:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sec_account") as account:
        account.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("audit_log") as log:
        log.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))
    op.create_table(
        "sec_refusal_window",
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("refused", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("subject", "window_start"),
    )
    op.create_index("ix_sec_refusal_window_start", "sec_refusal_window", ["window_start"])


def downgrade() -> None:
    op.drop_index("ix_sec_refusal_window_start", table_name="sec_refusal_window")
    op.drop_table("sec_refusal_window")
    with op.batch_alter_table("audit_log") as log:
        log.drop_column("key_id")
    with op.batch_alter_table("sec_account") as account:
        account.drop_column("totp_last_step")
