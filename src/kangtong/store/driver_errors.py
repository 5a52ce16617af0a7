"""Database driver errors as domain errors, in one place (ADR 0019).

Every read and write transaction (`Database.read()` / `Database.write()`) runs inside
`domain_errors()`, so a psycopg or sqlite3 error never reaches the web layer as a 500 or aborts
a load: a value the database refuses is the caller's input (`Invalid`, 400), a uniqueness race
is a `Conflict` (409), a serialisation failure or deadlock a `RetryableConflict` (409, try
again), a lost connection or a database short of resources (a full lock table) `Unavailable`
(503). Anything else (a syntax error is a defect) is
left as it is. The original is logged with its SQLSTATE, class and constraint name only: driver
messages quote the offending row (`Key (value)=(11010119900307001X) already exists`).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import exc as sa

from kangtong.core.errors import (
    Conflict,
    Invalid,
    KangtongError,
    RetryableConflict,
    Unavailable,
)

log = logging.getLogger("kangtong.store")

# SQLSTATE classes and codes (PostgreSQL Appendix A).
_DATA_EXCEPTION = "22"
_INTEGRITY = "23"
_UNIQUE_VIOLATION = "23505"
_RETRYABLE = frozenset({"40001", "40P01", "55P03"})  # serialization, deadlock, lock not available
_CONNECTION = ("08", "57P")  # connection exception, operator intervention (shutdown)
_INSUFFICIENT_RESOURCES = "53"  # out of (shared) memory — e.g. a full lock table — disk, slots


@contextmanager
def domain_errors() -> Iterator[None]:
    """Translate the driver errors raised inside the block; domain errors pass unchanged.

    Both SQLAlchemy's wrapped errors and raw driver errors (the bulk path uses the DB-API
    cursor directly) are translated.
    """
    try:
        yield
    except (sa.DBAPIError, sqlite3.Error, psycopg.Error) as exc:
        driver: BaseException = exc
        if isinstance(exc, sa.DBAPIError) and exc.orig is not None:
            driver = exc.orig
        invalidated = isinstance(exc, sa.DBAPIError) and exc.connection_invalidated
        translated = translate(driver, connection_invalidated=invalidated)
        if translated is None:
            raise
        log.warning(
            "database refused a statement: %s (SQLSTATE %s, constraint %s) → %s",
            type(driver).__name__,
            sqlstate(driver) or "-",
            _constraint(driver) or "-",
            type(translated).__name__,
        )
        raise translated from exc


def translate(
    driver: BaseException, *, connection_invalidated: bool = False
) -> KangtongError | None:
    """The domain error a DB-API error means, or None when it means a defect of ours."""
    state = sqlstate(driver)
    if state in _RETRYABLE or _sqlite_says(driver, "database is locked"):
        return RetryableConflict("A concurrent request changed the same data; retry the request")
    if state == _UNIQUE_VIOLATION or _sqlite_says(driver, "UNIQUE constraint failed"):
        return Conflict("A concurrent request stored the same resource or key; retry the request")
    if state.startswith(_INTEGRITY) or _is_a(driver, "IntegrityError"):
        return Conflict("The change conflicts with data already stored")
    if state.startswith(_DATA_EXCEPTION) or _is_a(driver, "DataError"):
        return Invalid(
            "The database cannot store a value of the request "
            "(a NUL character, a number out of range or a value too long)"
        )
    if state.startswith(_INSUFFICIENT_RESOURCES):
        return Unavailable("The database is short of resources (locks, memory); try again later")
    if state.startswith(_CONNECTION) or connection_invalidated or _lost_connection(driver):
        return Unavailable("The database is unavailable; try again later")
    return None


def sqlstate(driver: BaseException) -> str:
    """The SQLSTATE of a PostgreSQL error ("" for SQLite, which has none)."""
    return str(getattr(driver, "sqlstate", None) or "")


def _is_a(driver: BaseException, pep249_class: str) -> bool:
    """Whether the error is of a PEP 249 class (both drivers name their classes alike)."""
    return any(cls.__name__ == pep249_class for cls in type(driver).__mro__)


def _constraint(driver: BaseException) -> str | None:
    diagnostics = getattr(driver, "diag", None)
    return getattr(diagnostics, "constraint_name", None)


def _sqlite_says(driver: BaseException, words: str) -> bool:
    return isinstance(driver, sqlite3.Error) and str(driver).startswith(words)


def _lost_connection(driver: BaseException) -> bool:
    # psycopg raises OperationalError without a SQLSTATE when it cannot reach the server;
    # SQLite's OperationalError also covers defects ("no such table"), so it is not one.
    return isinstance(driver, psycopg.OperationalError) and not sqlstate(driver)
