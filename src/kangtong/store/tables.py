"""The schema: resources with full version history, typed search-index tables and the outbox.

Only `store/` issues SQL. Content is stored once per version (in `resource_version`); the
`resource` row points at the current version, so a write stores the JSON exactly once.
Search parameters are identified by a 31-bit `param` key (see `param_key`) rather than by
name, which keeps the index tables narrow.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Sequence,
    String,
    Table,
    Text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

metadata = MetaData()


# Search keys compare byte-wise so that prefix ranges (`norm >= 'ab' AND norm < 'ab\uffff'`)
# use the index whatever the PostgreSQL database's default collation is.
def SearchKey(length: int) -> String:  # noqa: N802 - reads like a type in column definitions
    return String(length).with_variant(String(length, collation="C"), "postgresql")


# SQLite only aliases ROWID for a column declared exactly INTEGER PRIMARY KEY.
PrimaryKeyInt = BigInteger().with_variant(Integer(), "sqlite")

resource = Table(
    "resource",
    metadata,
    Column("pk", PrimaryKeyInt, primary_key=True, autoincrement=False),
    Column("res_type", String(64), nullable=False),
    Column("res_id", SearchKey(64), nullable=False),  # same collation as idx_reference.target_id
    Column("version", Integer, nullable=False),
    Column("last_updated", BigInteger, nullable=False, comment="epoch microseconds (UTC)"),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("owner_org", String(64), nullable=True, comment="Organization id that wrote it"),
    Column("district", String(12), nullable=True, comment="GB/T 2260 district code"),
    Index("ux_resource_type_id", "res_type", "res_id", unique=True),
    Index("ix_resource_type_updated", "res_type", "last_updated"),
)

resource_version = Table(
    "resource_version",
    metadata,
    Column("resource_pk", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
    Column("res_type", String(64), nullable=False),
    Column("res_id", String(64), nullable=False),
    Column("last_updated", BigInteger, nullable=False),
    Column("method", String(8), nullable=False, comment="POST, PUT, PATCH or DELETE"),
    Column("content", LargeBinary, nullable=True, comment="UTF-8 JSON; NULL for a tombstone"),
    Column("written_by", String(128), nullable=True, comment="principal of the writer"),
    Column("written_as", String(256), nullable=True, comment="the writer's roles, comma-separated"),
    PrimaryKeyConstraint("resource_pk", "version"),
    Index("ix_version_updated", "last_updated"),
    Index("ix_version_type_updated", "res_type", "last_updated"),
)


def _index_table(name: str, *columns: Column[object], lookups: list[tuple[str, ...]]) -> Table:
    return Table(
        name,
        metadata,
        Column("resource_pk", BigInteger, nullable=False),
        Column("param", Integer, nullable=False),
        *columns,
        Index(f"ix_{name}_resource", "resource_pk", "param"),
        *(Index(f"ix_{name}_{i}", *cols, "resource_pk") for i, cols in enumerate(lookups)),
    )


idx_string = _index_table(
    "idx_string",
    Column(
        "norm", SearchKey(256), nullable=False, comment="case- and accent-folded, width-normalised"
    ),
    Column("exact", Text, nullable=False),
    lookups=[("param", "norm")],
)
idx_token = _index_table(
    "idx_token",
    Column("system", SearchKey(256), nullable=True),
    Column("code", SearchKey(256), nullable=True),
    Column("text", SearchKey(256), nullable=True, comment="folded display/text, for :text"),
    lookups=[("param", "code", "system")],
)
idx_date = _index_table(
    "idx_date",
    Column("low", BigInteger, nullable=False, comment="epoch µs, inclusive"),
    Column("high", BigInteger, nullable=False, comment="epoch µs, inclusive"),
    lookups=[("param", "low", "high"), ("param", "high")],
)
idx_number = _index_table(
    "idx_number",
    Column("value", Float, nullable=False),
    Column("low", Float, nullable=False),
    Column("high", Float, nullable=False),
    lookups=[("param", "value")],
)
idx_quantity = _index_table(
    "idx_quantity",
    Column("system", SearchKey(256), nullable=True),
    Column("code", SearchKey(256), nullable=True),
    Column("value", Float, nullable=False),
    Column("low", Float, nullable=False),
    Column("high", Float, nullable=False),
    lookups=[("param", "code", "value")],
)
idx_reference = _index_table(
    "idx_reference",
    Column("target_type", String(64), nullable=True),
    Column("target_id", SearchKey(256), nullable=True),
    Column("url", Text, nullable=True, comment="absolute or canonical reference as written"),
    lookups=[("param", "target_id", "target_type"), ("target_id", "target_type", "param")],
)
idx_uri = _index_table(
    "idx_uri",
    Column("value", SearchKey(512), nullable=False),
    lookups=[("param", "value")],
)
idx_composite = _index_table(
    "idx_composite",
    Column("c1_system", SearchKey(256), nullable=True),
    Column("c1_code", SearchKey(256), nullable=True),
    Column("c2_system", SearchKey(256), nullable=True),
    Column("c2_code", SearchKey(256), nullable=True),
    Column("c2_low", Float, nullable=True),
    Column("c2_high", Float, nullable=True),
    Column("c3_low", Float, nullable=True),
    Column("c3_high", Float, nullable=True),
    lookups=[("param", "c1_code", "c2_code")],
)

INDEX_TABLES: dict[str, Table] = {
    "string": idx_string,
    "token": idx_token,
    "date": idx_date,
    "number": idx_number,
    "quantity": idx_quantity,
    "reference": idx_reference,
    "uri": idx_uri,
    "composite": idx_composite,
}


class WritingTransaction(FunctionElement[int]):
    """The id of the transaction that writes the row, as a column default (see store/outbox.py).

    PostgreSQL: `pg_current_xact_id()` (a 64-bit xid8, never wrapping) as a bigint. SQLite: 0,
    because one writer at a time makes `seq` order commit order there.
    """

    type = BigInteger()
    inherit_cache = True


@compiles(WritingTransaction)
def _no_transaction_id(_element: WritingTransaction, _compiler: object, **_kw: object) -> str:
    return "0"


@compiles(WritingTransaction, "postgresql")
def _current_xact_id(_element: WritingTransaction, _compiler: object, **_kw: object) -> str:
    return "(pg_current_xact_id()::text::bigint)"


# Delivery order is (xid, seq): see store/outbox.py for why, and ADR 0017.
outbox = Table(
    "outbox",
    metadata,
    Column("seq", PrimaryKeyInt, primary_key=True, autoincrement=True),
    Column("topic", String(128), nullable=False, comment="e.g. resource.created"),
    Column("res_type", String(64), nullable=False),
    Column("res_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("payload", LargeBinary, nullable=True),
    Column(
        "xid",
        BigInteger,
        nullable=False,
        server_default=WritingTransaction(),
        comment="writing transaction (pg_current_xact_id); 0 on SQLite and for rows before 0006",
    ),
    Index("ix_outbox_position", "xid", "seq").ddl_if(dialect="postgresql"),
)

outbox_cursor = Table(
    "outbox_cursor",
    metadata,
    Column("subscriber", String(128), primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
    Column("last_xid", BigInteger, nullable=False, server_default="0"),
)

# The PostgreSQL cluster (pg_control_system().system_identifier) whose transaction ids the
# outbox's xid columns hold; a restore into another cluster is detected by it (store/outbox.py).
outbox_origin = Table(
    "outbox_origin",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("system_identifier", BigInteger, nullable=True),
)

# Facts the stored data depends on, e.g. the canonical base (`store.platform_facts`).
platform_fact = Table(
    "platform_fact",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# PostgreSQL hands out resource keys from a sequence (non-transactional, so concurrent writers
# never wait on each other); SQLite has one writer at a time and uses max(pk) + 1.
resource_pk_seq = Sequence("resource_pk_seq", metadata=metadata)
