"""Transaction-scoped locks on named keys, so writers that claim the same value take turns.

Used where a rule must see every committed claim on a value before its own commits, e.g. "one
institution per unified social credit code". On PostgreSQL an advisory lock held until the
transaction ends; SQLite already lets one writer at a time in (BEGIN IMMEDIATE), so nothing to do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import Connection, text


def lock_key(name: str) -> int:
    """A stable signed 64-bit number for `name` (PostgreSQL advisory locks take a bigint)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def hold_until_commit(conn: Connection, names: Iterable[str]) -> None:
    """Block until this transaction holds every lock in `names`; they are released at its end.

    Locks are taken in one global order (sorted numbers), so two writers that claim the same
    keys can never wait on each other in a cycle.
    """
    if conn.dialect.name != "postgresql":
        return
    keys = sorted({lock_key(name) for name in names})
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
