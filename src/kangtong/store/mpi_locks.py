"""The master patient index's locks: per blocking key, per source record, per person.

Each MPI write holds, until its transaction ends, PostgreSQL advisory locks on what it reads to
decide and on what it changes:

- the MPI-wide lock, *shared* by every keyed write and *exclusive* for the operations that touch
  persons they cannot name up front (a clerk's merge, accept, unlink …): those run alone;
- one lock per blocking key of the record being filed: two registrations that could find each
  other share a key, so the second waits for the first to commit and then sees its person;
- one per source record (two deliveries of one Patient take turns);
- one per master person changed (its golden record is rebuilt from its records).

Locks named up front are taken in one global order (sorted numbers, after the MPI-wide lock), so
writers never wait on each other in a cycle. A lock found needed later is only *tried* (never
waited for): when it is taken the writer goes on, otherwise the transaction is retried with that
lock named up front. SQLite lets one writer in at a time, so there every call is a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, text

from kangtong.store.locks import advisory_key, lock_key

MPI_WIDE = lock_key("mpi:write")

_TAKE_SORTED = text(
    "SELECT count(pg_advisory_xact_lock(k)) FROM "
    "(SELECT DISTINCT unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) AS wanted"
)


def key_lock(block_key: int) -> int:
    return lock_key(f"mpi:key:{block_key}")


def source_lock(patient_id: str) -> int:
    return lock_key(f"mpi:source:{patient_id}")


def person_lock(person_pk: int) -> int:
    return lock_key(f"mpi:person:{person_pk}")


def locks_apply(conn: Connection) -> bool:
    """Whether this database needs the MPI's locks (PostgreSQL; not SQLite's single writer)."""
    return conn.dialect.name == "postgresql"


def take_mpi_wide(conn: Connection, *, exclusive: bool) -> None:
    if not locks_apply(conn):
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    conn.execute(text(f"SELECT {function}(:key)"), {"key": _in_schema(conn, MPI_WIDE)})


def take_in_order(conn: Connection, locks: Iterable[int]) -> None:
    """Wait for every lock in `locks`, in ascending order (one round trip)."""
    if not locks_apply(conn):
        return
    wanted = sorted({_in_schema(conn, lock) for lock in locks})
    if wanted:
        conn.execute(_TAKE_SORTED, {"keys": wanted})


def try_take(conn: Connection, lock: int) -> bool:
    """Take `lock` if no other transaction holds it; never wait."""
    if not locks_apply(conn):
        return True
    key = _in_schema(conn, lock)
    found = conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key})
    return bool(found.scalar())


def _in_schema(conn: Connection, lock: int) -> int:
    """The lock's number in this connection's schema (`store.locks.advisory_key`)."""
    return advisory_key(conn, f"mpi:{lock}")
