"""Transaction-scoped locks on named keys, so writers that claim the same value take turns.

Used where a rule must see every committed claim on a value before its own commits, e.g. "one
institution per unified social credit code". On PostgreSQL an advisory lock held until the
transaction ends; SQLite already lets one writer at a time in (BEGIN IMMEDIATE), so nothing to do.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Iterable

from sqlalchemy import Connection, Engine, text

# Advisory locks are per database, not per schema: two installations (or test runs) in schemas
# of one database would otherwise share them — and a try-lock one of them holds would look,
# to the other, like a rival of its own. Each engine's schema is read once.
_SCHEMAS: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def lock_key(name: str) -> int:
    """A stable signed 64-bit number for `name` (PostgreSQL advisory locks take a bigint)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def advisory_key(conn: Connection, name: str) -> int:
    """The advisory-lock number of `name` in this connection's schema (PostgreSQL)."""
    schema = _SCHEMAS.get(conn.engine)
    if schema is None:
        schema = str(conn.execute(text("SELECT current_schema()")).scalar_one())
        _SCHEMAS[conn.engine] = schema
    return lock_key(f"{schema}:{name}")


def hold_until_commit(conn: Connection, names: Iterable[str]) -> None:
    """Block until this transaction holds every lock in `names`; they are released at its end.

    Locks are taken in one global order (sorted numbers), so two writers that claim the same
    keys can never wait on each other in a cycle.
    """
    if conn.dialect.name != "postgresql":
        return
    keys = sorted({advisory_key(conn, name) for name in names})
    if len(keys) == 1:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": keys[0]})
    elif keys:
        # One round trip; PostgreSQL evaluates a volatile function after the sort.
        conn.execute(
            text(
                "SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k "
                "ORDER BY k"
            ),
            {"keys": keys},
        )
