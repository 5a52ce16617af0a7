"""Driver errors leave `Database.read()` / `write()` as domain errors, on both databases."""

from __future__ import annotations

import logging
import sqlite3

import psycopg
import pytest
from sqlalchemy import exc as sa
from sqlalchemy import text

from kangtong.core.errors import Conflict, Invalid, RetryableConflict, Unavailable
from kangtong.store.database import Database
from kangtong.store.driver_errors import translate

pg_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def _raise_sqlstate(db: Database, sqlstate: str) -> None:
    with db.write() as conn:
        conn.execute(
            text(
                f"DO $$ BEGIN RAISE EXCEPTION 'raised by a test' USING ERRCODE = '{sqlstate}'; END $$"
            )
        )


def test_a_unique_violation_is_a_conflict(database: Database) -> None:
    with pytest.raises(Conflict) as raised, database.write() as conn:
        conn.execute(text("CREATE TEMPORARY TABLE pair (k VARCHAR(8) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO pair VALUES ('a')"))
        conn.execute(text("INSERT INTO pair VALUES ('a')"))
    assert not isinstance(raised.value, RetryableConflict)
    assert isinstance(raised.value.__cause__, sa.IntegrityError)


def test_a_nul_character_postgresql_refuses_is_invalid_input(database: Database) -> None:
    if database.dialect == "sqlite":
        pytest.skip("SQLite stores U+0000; only PostgreSQL refuses it")
    with pytest.raises(Invalid, match="cannot store a value"), database.write() as conn:
        conn.execute(text("SELECT CAST(:t AS TEXT)"), {"t": "a\x00b"})


def test_a_read_translates_too(database: Database) -> None:
    if database.dialect == "sqlite":
        pytest.skip("SQLite reads no value it cannot hold")
    with pytest.raises(Invalid), database.read() as conn:
        conn.execute(text("SELECT CAST('99999999999999999999' AS BIGINT)"))


def test_a_defect_of_ours_is_not_disguised_as_the_callers_fault(database: Database) -> None:
    with pytest.raises(sa.DBAPIError) as raised, database.read() as conn:
        conn.execute(text("SELECT no_such_column FROM no_such_table"))
    assert translate(raised.value.orig) is None  # type: ignore[arg-type]


@pg_only
@pytest.mark.parametrize(
    ("sqlstate", "expected"),
    [
        ("40001", RetryableConflict),  # serialization_failure
        ("40P01", RetryableConflict),  # deadlock_detected
        ("23505", Conflict),  # unique_violation
        ("23503", Conflict),  # foreign_key_violation
        ("22003", Invalid),  # numeric_value_out_of_range
        ("22001", Invalid),  # string_data_right_truncation
        ("57P01", Unavailable),  # admin_shutdown
        ("53200", Unavailable),  # out_of_memory: e.g. the shared lock table is full
    ],
)
def test_postgresql_sqlstates_become_domain_errors(
    database: Database, sqlstate: str, expected: type[Exception]
) -> None:
    with pytest.raises(expected):
        _raise_sqlstate(database, sqlstate)


@pg_only
def test_the_log_names_the_sqlstate_but_not_the_value(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="kangtong.store")
    with pytest.raises(Conflict), database.write() as conn:
        conn.execute(text("CREATE TEMPORARY TABLE person (id VARCHAR(18) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO person VALUES ('11010119900307001X')"))
        conn.execute(text("INSERT INTO person VALUES ('11010119900307001X')"))
    assert "SQLSTATE 23505" in caplog.text
    assert "11010119900307001X" not in caplog.text


def test_sqlite_busy_is_a_retryable_conflict() -> None:
    assert isinstance(translate(sqlite3.OperationalError("database is locked")), RetryableConflict)


def test_a_server_that_cannot_be_reached_is_unavailable() -> None:
    lost = psycopg.OperationalError("connection refused")
    assert isinstance(translate(lost), Unavailable)
    assert translate(sqlite3.OperationalError("no such table: resource")) is None
