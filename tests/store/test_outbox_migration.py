"""Migration 0006 keeps what each subscriber acknowledged; a restore elsewhere skips nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from kangtong.fhir.events import OutboxDispatcher
from kangtong.store.database import Database, open_database
from kangtong.store.migrate import alembic_config, upgrade
from kangtong.store.outbox import OutboxStore
from kangtong.store.records import OutboxEvent


def announce(db: Database, *names: str) -> None:
    with db.write() as conn:
        OutboxStore().append(conn, [OutboxEvent("Test.created", "Test", n, 1, 0) for n in names])


def delivered_to(db: Database, subscriber: str) -> list[str]:
    seen: list[str] = []
    dispatcher = OutboxDispatcher(db)
    dispatcher.subscribe(subscriber, lambda events: seen.extend(e.res_id for e in events))
    dispatcher.drain()
    return seen


@pytest.fixture
def empty_database(database_url: str, tmp_path: Path) -> Iterator[Database]:
    """A database with no schema yet (a new SQLite file, or a new PostgreSQL schema)."""
    if database_url.startswith("sqlite"):
        db = open_database(f"sqlite:///{tmp_path / 'old.db'}")
        yield db
        db.dispose()
        return
    schema = f"kt_migrate_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(database_url).set(query={}))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    base = make_url(database_url).set(query={}).render_as_string(hide_password=False)
    db = open_database(f"{base}?options=-csearch_path%3D{schema}")
    yield db
    db.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_a_subscriber_keeps_its_place_across_migration_0006(empty_database: Database) -> None:
    db = empty_database
    upgrade(db, "0005")
    with db.write() as conn:
        for n in range(1, 6):
            conn.execute(
                text(
                    "INSERT INTO outbox (topic, res_type, res_id, version, created) "
                    "VALUES ('Test.created', 'Test', :id, 1, 0)"
                ),
                {"id": f"old-{n}"},
            )
        conn.execute(text("INSERT INTO outbox_cursor VALUES ('mpi', 3)"))
    upgrade(db)
    announce(db, "new")
    assert delivered_to(db, "mpi") == ["old-4", "old-5", "new"]
    assert delivered_to(db, "newcomer") == ["old-1", "old-2", "old-3", "old-4", "old-5", "new"]


def test_migration_0006_goes_back_without_skipping(empty_database: Database) -> None:
    db = empty_database
    upgrade(db)
    announce(db, "a", "b")
    assert delivered_to(db, "mpi") == ["a", "b"]
    announce(db, "c")
    with db.engine.connect() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "0005")
        conn.commit()
    columns = {c["name"] for c in inspect(db.engine).get_columns("outbox_cursor")}
    assert columns == {"subscriber", "last_seq"}
    with db.read() as conn:
        rows = conn.execute(text("SELECT seq, res_id FROM outbox ORDER BY seq")).all()
        cursor = conn.execute(text("SELECT last_seq FROM outbox_cursor")).scalar_one()
    assert [r.res_id for r in rows if r.seq > cursor] == ["c"]


def test_after_a_restore_into_another_cluster_nothing_is_skipped(database: Database) -> None:
    """The restored rows and cursor carry another cluster's transaction ids, here far above
    this cluster's counter; an event written here before the first delivery sorts below them."""
    if database.dialect != "postgresql":
        pytest.skip("transaction ids are PostgreSQL's")
    announce(database, "r1")
    announce(database, "r2")
    announce(database, "r3")
    announce(database, "r4")
    elsewhere = 10**12
    with database.write() as conn:
        # r2 and r3 committed before r1 there and were delivered; r4 was not.
        conn.execute(
            text("UPDATE outbox SET xid = :base + CASE res_id WHEN 'r1' THEN 5 WHEN 'r2' THEN 3 "
                 "WHEN 'r3' THEN 4 ELSE 6 END"),
            {"base": elsewhere},
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO outbox_cursor SELECT 'mpi', seq, xid FROM outbox WHERE res_id = 'r1'")
        )
        conn.execute(text("DELETE FROM outbox_origin"))
        conn.execute(text("INSERT INTO outbox_origin VALUES (1, 42)"))  # another cluster
    announce(database, "written-after-restore")
    delivered = delivered_to(database, "mpi")
    # r2 and r3 again (at least once), then what was never delivered: nothing skipped.
    assert delivered == ["r2", "r3", "r4", "written-after-restore"]
    announce(database, "later")
    assert delivered_to(database, "mpi") == ["later"]
    with database.read() as conn:
        origin = conn.execute(text("SELECT system_identifier FROM outbox_origin")).scalar_one()
        here = conn.execute(text("SELECT system_identifier FROM pg_control_system()")).scalar()
    assert origin == here
