"""Which database errors mean "a concurrent writer got there first; the same request may succeed
if run again" — as opposed to errors the request itself caused.

PostgreSQL aborts one of two transactions caught in a deadlock (40P01) or a serialisation
conflict (40001); and two writers creating the same resource id without a name lock between
them (a very large bundle, see `repository.MAX_NAME_LOCKS`) meet at the unique index (23505).
Re-running such a transaction from the start sees the winner's committed work.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

RETRYABLE_STATES = frozenset({"40001", "40P01"})
UNIQUE_VIOLATION = "23505"
# Unique indexes that only a racing writer of the same resource can hit.
RESOURCE_IDENTITY_INDEXES = frozenset({"ux_resource_type_id", "resource_version_pkey"})


def is_transient(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) is a concurrency conflict worth one more attempt."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError) and _transient_driver_error(current.orig):
            return True
        current = current.__cause__ or current.__context__
    return False


def _transient_driver_error(orig: BaseException | None) -> bool:
    state = getattr(orig, "sqlstate", None)
    if state in RETRYABLE_STATES:
        return True
    if state == UNIQUE_VIOLATION:
        diag = getattr(orig, "diag", None)
        return getattr(diag, "constraint_name", None) in RESOURCE_IDENTITY_INDEXES
    return False
