"""The token deny-list over the database (SQLite and PostgreSQL): every process that shares the
database honours a revocation within a second, reads the database at most once a second, and
expired rows go away by themselves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import event, func, inspect, select

from kangtong.core.clock import FrozenClock
from kangtong.security.revocation import TokenRevocations, epoch_us
from kangtong.security.tokens import TokenClaims
from kangtong.store.database import Database
from kangtong.store.migrate import alembic_config, current_revision, upgrade
from kangtong.store.security_tables import refresh_token, revoked_token
from kangtong.store.token_grants import RefreshTokenRow, TokenGrantStore
from kangtong.store.token_revocations import RevocationStore

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


def _process(database: Database, clock: FrozenClock, ticks: Ticks) -> TokenRevocations:
    """The deny-list as one worker process holds it."""
    return TokenRevocations(database, clock, longest_token_seconds=3600, monotonic=ticks)


def _token(jti: str, subject: str = "account/a1", grant: str | None = None) -> TokenClaims:
    return TokenClaims(subject, "portal", ("user/*.rs",), token_id=jti, grant_id=grant,
                       issued_at=NOW - timedelta(minutes=1))  # fmt: skip


@pytest.fixture
def statements(database: Database) -> Iterator[list[str]]:
    """The SQL statements the engine runs from now on."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(database.engine, "before_cursor_execute", record)
    yield seen
    event.remove(database.engine, "before_cursor_execute", record)


def test_the_writing_process_honours_a_revocation_at_once_others_within_a_second(
    database: Database, clock: FrozenClock, ticks: Ticks
) -> None:
    writer, other = _process(database, clock, ticks), _process(database, clock, ticks)
    token = _token("jti-1")
    assert not writer.is_revoked(token) and not other.is_revoked(token)
    writer.revoke_token_id("jti-1", epoch_us(NOW) + 900_000_000)
    assert writer.is_revoked(token)
    ticks.now += 0.5
    assert not other.is_revoked(token)  # its snapshot is less than a second old
    ticks.now += 0.5
    assert other.is_revoked(token)
    assert not other.is_revoked(_token("jti-2"))


def test_the_database_is_asked_at_most_once_a_second_and_reread_only_after_a_change(
    database: Database, clock: FrozenClock, ticks: Ticks, statements: list[str]
) -> None:
    process = _process(database, clock, ticks)
    for _ in range(1000):
        process.is_revoked(_token("jti-1"))
    assert sum("sec_revocation_state" in s for s in statements) == 1
    assert sum("sec_revoked_token" in s for s in statements) == 1  # the first load
    ticks.now += 1.0
    for _ in range(1000):
        process.is_revoked(_token("jti-1"))
    assert sum("sec_revocation_state" in s for s in statements) == 2
    assert sum("sec_revoked_token" in s for s in statements) == 1  # generation unchanged


def test_revoking_a_subject_denies_its_earlier_tokens_and_ends_its_refresh_grants(
    database: Database, clock: FrozenClock, ticks: Ticks
) -> None:
    with database.write() as conn:
        for family in ("fam-1", "fam-2"):
            TokenGrantStore().insert_refresh(conn, RefreshTokenRow(
                f"hash-{family}", family, "portal", "a1", ("user/*.rs",), epoch_us(NOW),
                epoch_us(NOW) + 3_600_000_000,
            ))  # fmt: skip
    process = _process(database, clock, ticks)
    done = process.revoke_subject("account/a1")
    assert done.refresh_grants == 2
    assert process.is_revoked(_token("any", grant="fam-1"))
    assert not process.is_revoked(_token("other", subject="account/a2"))
    later = TokenClaims("account/a1", "portal", ("user/*.rs",), token_id="new",
                        issued_at=NOW + timedelta(seconds=1))  # fmt: skip
    assert not process.is_revoked(later)  # a new login is not refused
    with database.read() as conn:
        live = conn.execute(select(func.count()).where(refresh_token.c.revoked.is_(None)))
        assert live.scalar() == 0


def test_expired_deny_rows_are_purged_by_the_next_revocation(
    database: Database, clock: FrozenClock, ticks: Ticks
) -> None:
    process = _process(database, clock, ticks)
    process.revoke_token_id("short", epoch_us(NOW) + 60_000_000)
    process.revoke_token_id("long", epoch_us(NOW) + 3_600_000_000)
    clock.advance(minutes=2)
    process.revoke_token_id("later", epoch_us(clock.now()) + 60_000_000)
    with database.read() as conn:
        values = {row.value for row in conn.execute(select(revoked_token.c.value))}
    assert values == {"long", "later"}


def test_revoking_twice_keeps_the_later_expiry(
    database: Database, clock: FrozenClock, ticks: Ticks
) -> None:
    process = _process(database, clock, ticks)
    process.revoke_token_id("jti-1", epoch_us(NOW) + 3_600_000_000)
    process.revoke_token_id("jti-1", epoch_us(NOW) + 60_000_000)
    with database.read() as conn:
        assert conn.execute(select(revoked_token.c.expires)).scalar() == (
            epoch_us(NOW) + 3_600_000_000
        )


def test_the_migration_goes_down_and_up_again(database: Database) -> None:
    def tables() -> set[str]:
        return set(inspect(database.engine).get_table_names())

    assert {"sec_revoked_token", "sec_revocation_state"} <= tables()
    config = alembic_config()
    with database.engine.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0004")
        conn.commit()
    assert current_revision(database) == "0004"
    assert not {"sec_revoked_token", "sec_revocation_state"} & tables()
    upgrade(database)
    assert {"sec_revoked_token", "sec_revocation_state"} <= tables()
    with database.read() as conn:  # the generation counter is seeded
        assert RevocationStore().generation(conn) == 0
