"""Tables of the master patient index service (主索引服务, migration 0004).

The golden records themselves are FHIR `Person` resources; these tables are what the MPI needs
to answer quickly and to undo what it did: a compact blocking index (hashed key → person) with
each person's normalised golden-record features, the source records (来源登记) it has linked,
the review queue, merge records (for unmerge) and the trained model. They join the resource
`metadata`, so truncation in tests and backups see them. Times are epoch microseconds (UTC).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from kangtong.store.tables import PrimaryKeyInt, metadata

mpi_person = Table(
    "mpi_person",
    metadata,
    Column("pk", PrimaryKeyInt, primary_key=True, autoincrement=True),
    Column("person_id", String(64), nullable=False, comment="the FHIR Person id"),
    Column("features", LargeBinary, nullable=False, comment="normalised golden record (JSON)"),
    Column("updated", BigInteger, nullable=False),
    Index("ux_mpi_person_id", "person_id", unique=True),
)

# 8-byte hashes of blocking keys: one narrow row per (key, person), clustered by key.
mpi_block = Table(
    "mpi_block",
    metadata,
    Column("key", BigInteger, nullable=False, comment="blake2b-64 of the blocking key"),
    Column("person_pk", BigInteger, nullable=False),
    PrimaryKeyConstraint("key", "person_pk", name="pk_mpi_block"),
    sqlite_with_rowid=False,
)

mpi_source = Table(
    "mpi_source",
    metadata,
    Column("patient_id", String(64), primary_key=True, comment="the source Patient id"),
    Column("person_pk", BigInteger, nullable=False),
    Column("patient_version", Integer, nullable=False, comment="the version last linked"),
    Column("identity", LargeBinary, nullable=False, comment="identity fields as registered"),
    Column("score", Float, nullable=True, comment="match weight (bits) of the link"),
    Column("evidence", Text, nullable=False, comment="comparison=level; …"),
    Column("method", String(16), nullable=False, comment="auto|new|manual|review|merge"),
    Column("linked", BigInteger, nullable=False),
    Index("ix_mpi_source_person", "person_pk"),
)

mpi_review = Table(
    "mpi_review",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("patient_id", String(64), nullable=False),
    Column("person_id", String(64), nullable=False, comment="the candidate master person"),
    Column("score", Float, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("status", String(16), nullable=False, comment="open|accepted|rejected|withdrawn"),
    Column("created", BigInteger, nullable=False),
    Column("decided", BigInteger, nullable=True),
    Column("decided_by", String(128), nullable=True),
    Index("ix_mpi_review_status", "status", "created"),
    Index("ix_mpi_review_patient", "patient_id"),
)

mpi_merge = Table(
    "mpi_merge",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("survivor_id", String(64), nullable=False),
    Column("merged_id", String(64), nullable=False),
    Column("patients", Text, nullable=False, comment="space-separated Patient ids moved"),
    Column("status", String(16), nullable=False, comment="merged|unmerged"),
    Column("created", BigInteger, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("undone", BigInteger, nullable=True),
    Index("ix_mpi_merge_merged", "merged_id"),
)

mpi_model = Table(
    "mpi_model",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("trained", BigInteger, nullable=False),
    Column("records", Integer, nullable=False, comment="source records it was trained on"),
    Column("content", LargeBinary, nullable=False, comment="m, u, λ and term frequencies (JSON)"),
)
