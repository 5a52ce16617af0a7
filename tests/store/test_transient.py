"""Telling a lost race (worth retrying) from an error the request caused, on real PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from kangtong.core.config import Settings
from kangtong.core.errors import Conflict, Invalid, RetryableConflict
from kangtong.fhir.service import WRITE_ATTEMPTS, ResourceService
from kangtong.platform import build_platform
from kangtong.store.database import Database, open_database
from kangtong.store.migrate import upgrade
from kangtong.store.transient import is_transient


@pytest.fixture
def platform_service(tmp_path: Path) -> Iterator[ResourceService]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'k.db'}", security_key_dir=str(tmp_path / "keys")
    )
    platform = build_platform(settings)
    yield platform.service
    platform.close()


@pytest.fixture
def pg(pg_schema_url: str) -> Iterator[Database]:
    database = open_database(pg_schema_url)
    upgrade(database)
    with database.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS race_probe"))
        conn.execute(text("CREATE TABLE race_probe (k int PRIMARY KEY, v int)"))
        conn.execute(text("INSERT INTO race_probe VALUES (1, 0), (2, 0)"))
        conn.execute(text("DELETE FROM resource WHERE res_id = 'twin'"))
    yield database
    database.dispose()


def caught(action: object) -> BaseException:
    try:
        action()  # type: ignore[operator]
    except BaseException as exc:
        return exc
    raise AssertionError("expected an error")


def deadlock(pg: Database) -> BaseException:
    """Two transactions updating two rows in opposite orders: PostgreSQL aborts one."""
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer(first: int, second: int) -> None:
        try:
            with pg.engine.begin() as conn:
                conn.execute(text("UPDATE race_probe SET v = v + 1 WHERE k = :k"), {"k": first})
                barrier.wait()
                conn.execute(text("UPDATE race_probe SET v = v + 1 WHERE k = :k"), {"k": second})
        except DBAPIError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=a) for a in ((1, 2), (2, 1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(errors) == 1
    return errors[0]


@pytest.mark.pg
def test_a_deadlock_victim_is_transient(pg: Database) -> None:
    assert is_transient(deadlock(pg))


@pytest.mark.pg
def test_a_second_row_for_the_same_resource_id_is_transient(pg: Database) -> None:
    insert = text(
        "INSERT INTO resource (pk, res_type, res_id, version, last_updated, deleted) "
        "VALUES (:pk, 'Patient', 'twin', 1, 0, false)"
    )
    with pg.engine.begin() as conn:
        conn.execute(insert, {"pk": 1})

    def again() -> None:
        with pg.engine.begin() as conn:
            conn.execute(insert, {"pk": 2})

    assert is_transient(caught(again))


@pytest.mark.pg
def test_errors_the_request_caused_are_not_transient(pg: Database) -> None:
    def nul_byte() -> None:
        with pg.engine.begin() as conn:
            conn.execute(text("SELECT CAST(:s AS text)"), {"s": "a\x00b"})

    def other_unique_index() -> None:
        with pg.engine.begin() as conn:
            conn.execute(text("INSERT INTO race_probe VALUES (1, 0)"))

    assert not is_transient(caught(nul_byte))
    assert not is_transient(caught(other_unique_index))
    assert not is_transient(ValueError("plain"))


@pytest.mark.pg
def test_the_cause_of_a_translated_error_is_looked_at(pg: Database) -> None:
    victim = deadlock(pg)
    try:
        raise RuntimeError("translated") from victim
    except RuntimeError as translated:
        assert is_transient(translated)


class LostRaces:
    """An attempt that loses `times` races, then succeeds."""

    def __init__(self, times: int, error: Exception) -> None:
        self.times, self.error, self.calls = times, error, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.times:
            raise self.error
        return "committed"


def test_the_service_runs_a_lost_transaction_again(platform_service: ResourceService) -> None:
    attempt = LostRaces(2, RetryableConflict("deadlock"))
    assert platform_service.retrying(attempt) == "committed"
    assert attempt.calls == 3


def test_after_the_last_attempt_the_caller_gets_a_409_to_retry(
    platform_service: ResourceService,
) -> None:
    attempt = LostRaces(99, RetryableConflict("deadlock"))
    with pytest.raises(Conflict, match="may be retried"):
        platform_service.retrying(attempt)
    assert attempt.calls == WRITE_ATTEMPTS


def test_errors_the_request_caused_are_not_retried(platform_service: ResourceService) -> None:
    attempt = LostRaces(1, Invalid("bad input"))
    with pytest.raises(Invalid):
        platform_service.retrying(attempt)
    assert attempt.calls == 1
