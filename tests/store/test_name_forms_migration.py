"""Migration 0010 gives names stored before it the search forms new writes get: a database
upgraded in place finds "Ouyang Minghui" and 欧阳明辉 as a new one does."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform, build_platform
from kangtong.store.database import Database
from kangtong.store.migrate import alembic_config, upgrade
from tests.store.test_outbox_migration import empty_database

__all__ = ["empty_database"]  # the fixture: a database with no schema yet, on both databases
CTX = AccessContext.system("test")
PEOPLE = [
    {"resourceType": "Patient", "id": "trad", "name": [{"family": "歐陽", "given": ["明輝"]}]},
    {"resourceType": "Patient", "id": "latin", "name": [{"text": "Ouyang Minghui"}]},
]


def _platform(db: Database) -> Platform:
    return build_platform(Settings(database_url=str(db.engine.url)), database=db)


def _as_written_before_0010(db: Database) -> None:
    """The people stored, then their index rows as a release before 0010 left them."""
    upgrade(db)
    platform = _platform(db)
    try:
        for person in PEOPLE:
            platform.service.update(CTX, "Patient", str(person["id"]), person)
    finally:
        platform.events.stop()
        platform.security.audit_sink.close()
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "DELETE FROM idx_string WHERE norm IN ('欧阳明辉', '欧阳', '明辉') "
                "OR (norm = 'ouyangminghui' AND exact = 'Ouyang Minghui')"
            )
        )
    config = alembic_config()
    with db.engine.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0009")
        conn.commit()


def _found(db: Database, name: str) -> set[str]:
    platform = _platform(db)
    try:
        result = platform.service.search(CTX, "Patient", [("name", name)])
    finally:
        platform.events.stop()
        platform.security.audit_sink.close()
    return {entry.res_id for entry in result.entries}


def test_names_stored_before_0010_are_found_in_either_script_and_any_spacing(
    empty_database: Database,
) -> None:
    _as_written_before_0010(empty_database)
    assert _found(empty_database, "欧阳明辉") == set()  # what the old rows cannot answer
    assert _found(empty_database, "Ouyang Minghui") == {"trad"}
    upgrade(empty_database)
    assert _found(empty_database, "欧阳明辉") == {"trad"}
    assert _found(empty_database, "Ouyang Minghui") == {"trad", "latin"}
    upgrade(empty_database)  # idempotent: nothing is added twice
    with empty_database.engine.connect() as conn:
        duplicates = conn.execute(
            text(
                "SELECT COUNT(*) FROM (SELECT resource_pk, param, norm FROM idx_string "
                "GROUP BY resource_pk, param, norm HAVING COUNT(*) > 1) d"
            )
        ).scalar_one()
    assert duplicates == 0
