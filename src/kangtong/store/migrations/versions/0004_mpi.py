"""Master patient index service: blocking index, source links, review queue, merges, model.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "mpi_person",
        sa.Column("pk", _PK, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("features", sa.LargeBinary(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_index("ux_mpi_person_id", "mpi_person", ["person_id"], unique=True)
    op.create_table(
        "mpi_block",
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.Column("person_pk", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", "person_pk", name="pk_mpi_block"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "mpi_source",
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("person_pk", sa.BigInteger(), nullable=False),
        sa.Column("patient_version", sa.Integer(), nullable=False),
        sa.Column("identity", sa.LargeBinary(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("linked", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("patient_id"),
    )
    op.create_index("ix_mpi_source_person", "mpi_source", ["person_pk"])
    op.create_table(
        "mpi_review",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("decided", sa.BigInteger(), nullable=True),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_mpi_review_status", "mpi_review", ["status", "created"])
    op.create_index("ix_mpi_review_patient", "mpi_review", ["patient_id"])
    op.create_table(
        "mpi_merge",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("survivor_id", sa.String(length=64), nullable=False),
        sa.Column("merged_id", sa.String(length=64), nullable=False),
        sa.Column("patients", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("undone", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_mpi_merge_merged", "mpi_merge", ["merged_id"])
    op.create_table(
        "mpi_model",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("trained", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("mpi_model")
    op.drop_index("ix_mpi_merge_merged", table_name="mpi_merge")
    op.drop_table("mpi_merge")
    op.drop_index("ix_mpi_review_patient", table_name="mpi_review")
    op.drop_index("ix_mpi_review_status", table_name="mpi_review")
    op.drop_table("mpi_review")
    op.drop_index("ix_mpi_source_person", table_name="mpi_source")
    op.drop_table("mpi_source")
    op.drop_table("mpi_block")
    op.drop_index("ux_mpi_person_id", table_name="mpi_person")
    op.drop_table("mpi_person")
