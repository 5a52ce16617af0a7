"""Export requests with their approval state, and web UI sessions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sec_export_request",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("requester", sa.String(length=128), nullable=False),
        sa.Column("requester_roles", sa.Text(), nullable=False),
        sa.Column("requester_scopes", sa.Text(), nullable=False),
        sa.Column("organization", sa.String(length=64), nullable=True),
        sa.Column("district", sa.String(length=12), nullable=True),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("birth", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("approver", sa.String(length=128), nullable=True),
        sa.Column("decided", sa.BigInteger(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("token_expires", sa.BigInteger(), nullable=True),
        sa.Column("downloaded", sa.BigInteger(), nullable=True),
        sa.Column("exported", sa.Integer(), nullable=True),
        sa.Column("suppressed", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sec_export_request_created", "sec_export_request", ["created"])
    op.create_table(
        "sec_web_session",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("expires", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index("ix_sec_web_session_expires", "sec_web_session", ["expires"])


def downgrade() -> None:
    op.drop_index("ix_sec_web_session_expires", table_name="sec_web_session")
    op.drop_table("sec_web_session")
    op.drop_index("ix_sec_export_request_created", table_name="sec_export_request")
    op.drop_table("sec_export_request")
