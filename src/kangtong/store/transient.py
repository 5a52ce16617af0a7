"""Which errors mean "a concurrent writer got there first; the same request may succeed if run
again from the start" — as opposed to errors the request itself caused.

PostgreSQL aborts one of two transactions caught in a deadlock or a serialisation conflict
(`driver_errors` turns those into `RetryableConflict`); and two writers creating the same
resource id without a name lock between them (a very large bundle, see
`repository.MAX_NAME_LOCKS`) meet at the unique index, which `driver_errors` answers as a plain
`Conflict` — retried here only when the index is one of a resource's identity. Re-running the
transaction sees the winner's committed work.
"""

from __future__ import annotations

from kangtong.core.errors import RetryableConflict
from kangtong.store.driver_errors import sqlstate

UNIQUE_VIOLATION = "23505"
RETRYABLE_STATES = frozenset({"40001", "40P01"})
# Unique indexes that only a racing writer of the same resource can hit.
RESOURCE_IDENTITY_INDEXES = frozenset({"ux_resource_type_id", "resource_version_pkey"})


def is_transient(exc: BaseException) -> bool:
    """True when `exc`, or an error it was raised from, is a lost race worth another attempt."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, RetryableConflict) or _lost_race(current):
            return True
        current = current.__cause__ or current.__context__ or getattr(current, "orig", None)
    return False


def _lost_race(error: BaseException) -> bool:
    state = sqlstate(error)
    if state in RETRYABLE_STATES:
        return True
    if state == UNIQUE_VIOLATION:
        constraint = getattr(getattr(error, "diag", None), "constraint_name", None)
        return constraint in RESOURCE_IDENTITY_INDEXES
    return False
