"""Initial schema: resources with version history, typed search indexes and the outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:37:44.001520
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.schema.CreateSequence(sa.Sequence("resource_pk_seq")))
    op.create_table(
        "idx_composite",
        sa.Column("resource_pk", sa.BigInteger(), nullable=False),
        sa.Column("param", sa.Integer(), nullable=False),
        sa.Column(
            "c1_system",
            sa.String(length=256).with_variant(sa.String(length=256, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "c1_code",
            sa.String(length=256).with_variant(sa.String(length=256, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "c2_system",
            sa.String(length=256).with_variant(sa.String(length=256, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "c2_code",
            sa.String(length=256).with_variant(sa.String(length=256, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column("c2_low", sa.Float(), nullable=True),
        sa.Column("c2_high", sa.Float(), nullable=True),
        sa.Column("c3_low", sa.Float(), nullable=True),
        sa.Column("c3_high", sa.Float(), nullable=True),
    )
    with op.batch_alter_table("idx_composite", schema=None) as batch_op:
        batch_op.create_index(
            "ix_idx_composite_0", ["param", "c1_code", "c2_code", "resource_pk"], unique=False
        )
        batch_op.create_index("ix_idx_composite_resource", ["resource_pk", "param"], unique=False)

    op.create_table(
        "idx_date",
        sa.Column("resource_pk", sa.BigInteger(), nullable=False),
        sa.Column("param", sa.Integer(), nullable=False),
        sa.Column("low", sa.BigInteger(), nullable=False, comment="epoch µs, inclusive"),
        sa.Column("high", sa.BigInteger(), nullable=False, comment="epoch µs, inclusive"),
    )
    with op.batch_alter_table("idx_date", schema=None) as batch_op:
        batch_op.create_index(
            "ix_idx_date_0", ["param", "low", "high", "resource_pk"], unique=False
        )
        batch_op.create_index("ix_idx_date_1", ["param", "high", "resource_pk"], unique=False)
        batch_op.create_index("ix_idx_date_resource", ["resource_pk", "param"], unique=False)

    op.create_table(
        "idx_number",
        sa.Column("resource_pk", sa.BigInteger(), nullable=False),
        sa.Column("param", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("low", sa.Float(), nullable=False),
        sa.Column("high", sa.Float(), nullable=False),
    )
    with op.batch_alter_table("idx_number", schema=None) as batch_op:
        batch_op.create_index("ix_idx_number_0", ["param", "value", "resource_pk"], unique=False)
        batch_op.create_index("ix_idx_number_resource", ["resource_pk", "param"], unique=False)

    op.create_table(
        "idx_quantity",
        sa.Column("resource_pk", sa.BigInteger(), nullable=False),
        sa.Column("param", sa.Integer(), nullable=False),
        sa.Column(
            "system",
            sa.String(length=256).with_variant(sa.String(length=256, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "code",
            sa.String(length=256).with_variant(sa.String(length=256, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("low", sa.Float(), nullable=False),
        sa.Column("high", sa.Float(), nullable=False),
    )
    with op.batch_alter_table("idx_quantity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_idx_quantity_0", ["param", "code", "value", "resource_pk"], unique=False
        )
        batch_op.create_index("ix_idx_quantity_resource", ["resource_pk", "param"], unique=False)

    op.create_table(
        "idx_reference",
        sa.Column("resource_pk", sa.BigInteger(), nullable=False),
        sa.Column("param", sa.Integer(), nullable=False),
        sa.Column("target_type", sa.String(length=64), nullable=True),
        sa.Column(
            "target_id",
            sa.String(length=256).with_variant(sa.String(length=256, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "url", sa.Text(), nullable=True, comment="absolute or canonical reference as written"
        ),
    )
    with op.batch_alter_table("idx_reference", schema=None) as batch_op:
        batch_op.create_index(
            "ix_idx_reference_0", ["param", "target_id", "target_type", "resource_pk"], unique=False
        )
        batch_op.create_index(
            "ix_idx_reference_1", ["target_id", "target_type", "param", "resource_pk"], unique=False
        )
        batch_op.create_index("ix_idx_reference_resource", ["resource_pk", "param"], unique=False)

    op.create_table(
        "idx_string",
        sa.Column("resource_pk", sa.BigInteger(), nullable=False),
        sa.Column("param", sa.Integer(), nullable=False),
        sa.Column(
            "norm",
            sa.String(length=256).with_variant(sa.String(length=256, collation="C"), "postgresql"),
            nullable=False,
            comment="case- and accent-folded, width-normalised",
        ),
        sa.Column("exact", sa.Text(), nullable=False),
    )
    with op.batch_alter_table("idx_string", schema=None) as batch_op:
        batch_op.create_index("ix_idx_string_0", ["param", "norm", "resource_pk"], unique=False)
        batch_op.create_index("ix_idx_string_resource", ["resource_pk", "param"], unique=False)

    op.create_table(
        "idx_token",
        sa.Column("resource_pk", sa.BigInteger(), nullable=False),
        sa.Column("param", sa.Integer(), nullable=False),
        sa.Column(
            "system",
            sa.String(length=256).with_variant(sa.String(length=256, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "code",
            sa.String(length=256).with_variant(sa.String(length=256, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "text",
            sa.String(length=256).with_variant(sa.String(length=256, collation="C"), "postgresql"),
            nullable=True,
            comment="folded display/text, for :text",
        ),
    )
    with op.batch_alter_table("idx_token", schema=None) as batch_op:
        batch_op.create_index(
            "ix_idx_token_0", ["param", "code", "system", "resource_pk"], unique=False
        )
        batch_op.create_index("ix_idx_token_resource", ["resource_pk", "param"], unique=False)

    op.create_table(
        "idx_uri",
        sa.Column("resource_pk", sa.BigInteger(), nullable=False),
        sa.Column("param", sa.Integer(), nullable=False),
        sa.Column(
            "value",
            sa.String(length=512).with_variant(sa.String(length=512, collation="C"), "postgresql"),
            nullable=False,
        ),
    )
    with op.batch_alter_table("idx_uri", schema=None) as batch_op:
        batch_op.create_index("ix_idx_uri_0", ["param", "value", "resource_pk"], unique=False)
        batch_op.create_index("ix_idx_uri_resource", ["resource_pk", "param"], unique=False)

    op.create_table(
        "outbox",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("topic", sa.String(length=128), nullable=False, comment="e.g. resource.created"),
        sa.Column("res_type", sa.String(length=64), nullable=False),
        sa.Column("res_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_table(
        "outbox_cursor",
        sa.Column("subscriber", sa.String(length=128), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("subscriber"),
    )
    op.create_table(
        "resource",
        sa.Column(
            "pk",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("res_type", sa.String(length=64), nullable=False),
        sa.Column(
            "res_id",
            sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "last_updated", sa.BigInteger(), nullable=False, comment="epoch microseconds (UTC)"
        ),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column(
            "owner_org",
            sa.String(length=64),
            nullable=True,
            comment="Organization id that wrote it",
        ),
        sa.Column(
            "district", sa.String(length=12), nullable=True, comment="GB/T 2260 district code"
        ),
        sa.PrimaryKeyConstraint("pk"),
    )
    with op.batch_alter_table("resource", schema=None) as batch_op:
        batch_op.create_index(
            "ix_resource_type_updated", ["res_type", "last_updated"], unique=False
        )
        batch_op.create_index("ux_resource_type_id", ["res_type", "res_id"], unique=True)

    op.create_table(
        "resource_version",
        sa.Column("resource_pk", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("res_type", sa.String(length=64), nullable=False),
        sa.Column("res_id", sa.String(length=64), nullable=False),
        sa.Column("last_updated", sa.BigInteger(), nullable=False),
        sa.Column(
            "method", sa.String(length=8), nullable=False, comment="POST, PUT, PATCH or DELETE"
        ),
        sa.Column(
            "content", sa.LargeBinary(), nullable=True, comment="UTF-8 JSON; NULL for a tombstone"
        ),
        sa.PrimaryKeyConstraint("resource_pk", "version"),
    )
    with op.batch_alter_table("resource_version", schema=None) as batch_op:
        batch_op.create_index("ix_version_type_updated", ["res_type", "last_updated"], unique=False)
        batch_op.create_index("ix_version_updated", ["last_updated"], unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.schema.DropSequence(sa.Sequence("resource_pk_seq")))
    with op.batch_alter_table("resource_version", schema=None) as batch_op:
        batch_op.drop_index("ix_version_updated")
        batch_op.drop_index("ix_version_type_updated")

    op.drop_table("resource_version")
    with op.batch_alter_table("resource", schema=None) as batch_op:
        batch_op.drop_index("ux_resource_type_id")
        batch_op.drop_index("ix_resource_type_updated")

    op.drop_table("resource")
    op.drop_table("outbox_cursor")
    op.drop_table("outbox")
    with op.batch_alter_table("idx_uri", schema=None) as batch_op:
        batch_op.drop_index("ix_idx_uri_resource")
        batch_op.drop_index("ix_idx_uri_0")

    op.drop_table("idx_uri")
    with op.batch_alter_table("idx_token", schema=None) as batch_op:
        batch_op.drop_index("ix_idx_token_resource")
        batch_op.drop_index("ix_idx_token_0")

    op.drop_table("idx_token")
    with op.batch_alter_table("idx_string", schema=None) as batch_op:
        batch_op.drop_index("ix_idx_string_resource")
        batch_op.drop_index("ix_idx_string_0")

    op.drop_table("idx_string")
    with op.batch_alter_table("idx_reference", schema=None) as batch_op:
        batch_op.drop_index("ix_idx_reference_resource")
        batch_op.drop_index("ix_idx_reference_1")
        batch_op.drop_index("ix_idx_reference_0")

    op.drop_table("idx_reference")
    with op.batch_alter_table("idx_quantity", schema=None) as batch_op:
        batch_op.drop_index("ix_idx_quantity_resource")
        batch_op.drop_index("ix_idx_quantity_0")

    op.drop_table("idx_quantity")
    with op.batch_alter_table("idx_number", schema=None) as batch_op:
        batch_op.drop_index("ix_idx_number_resource")
        batch_op.drop_index("ix_idx_number_0")

    op.drop_table("idx_number")
    with op.batch_alter_table("idx_date", schema=None) as batch_op:
        batch_op.drop_index("ix_idx_date_resource")
        batch_op.drop_index("ix_idx_date_1")
        batch_op.drop_index("ix_idx_date_0")

    op.drop_table("idx_date")
    with op.batch_alter_table("idx_composite", schema=None) as batch_op:
        batch_op.drop_index("ix_idx_composite_resource")
        batch_op.drop_index("ix_idx_composite_0")

    op.drop_table("idx_composite")
