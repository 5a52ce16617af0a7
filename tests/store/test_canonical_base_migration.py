"""Migration 0007 records the canonical base the stored data was written under: an installation
upgraded with another base configured is refused, not silently split in two (ADR 0020)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import text
from typer.testing import CliRunner

from kangtong.cli.main import app
from kangtong.core import canonical
from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext
from kangtong.platform import build_platform
from kangtong.store.database import Database
from kangtong.store.migrate import alembic_config, upgrade
from kangtong.store.platform_facts import (
    CanonicalBaseMismatch,
    require_canonical_base,
    stored_canonical_base,
)
from tests.store.test_outbox_migration import empty_database

__all__ = ["empty_database"]  # the fixture: a database with no schema yet, on both databases

REGION_BASE = "https://fhir.health.gz.example.gov.cn/fhir"
# What every kangtong before ADR 0020 wrote into its data, whatever was configured.
BASE_BEFORE_0007 = "https://kangtong.example/fhir"


@pytest.fixture
def region_base(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The process configured as a region would be: KANGTONG_CANONICAL_BASE set."""
    monkeypatch.setattr(canonical, "BASE", REGION_BASE)
    yield REGION_BASE


def _rewind_to_0006(db: Database) -> None:
    """Back to the schema of a release before migration 0007, keeping the data written since.

    Data is written by today's code (whose tables later migrations extended) and the schema
    then taken back, as a release before 0007 would have left it.
    """
    config = alembic_config()
    with db.engine.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0006")
        conn.commit()


def _store_a_patient_at_0006(db: Database) -> None:
    """Data written by a release before migration 0007 (its base was the built-in one)."""
    upgrade(db)
    platform = build_platform(Settings(database_url=str(db.engine.url)), database=db)
    try:
        health_code = {"system": f"{BASE_BEFORE_0007}/sid/health-code", "value": "HC-1"}
        patient = {"resourceType": "Patient", "identifier": [health_code]}
        platform.service.create(AccessContext.system("test"), patient)
    finally:
        platform.events.stop()
        platform.security.audit_sink.close()
    _rewind_to_0006(db)


def test_upgrading_stored_data_records_the_base_it_was_written_under(
    empty_database: Database, region_base: str
) -> None:
    _store_a_patient_at_0006(empty_database)
    upgrade(empty_database)
    with empty_database.engine.connect() as conn:
        assert stored_canonical_base(conn) == BASE_BEFORE_0007
    with pytest.raises(CanonicalBaseMismatch) as refused:
        require_canonical_base(empty_database, region_base)
    assert f"KANGTONG_CANONICAL_BASE={BASE_BEFORE_0007}" in str(refused.value)


def test_a_new_installation_records_the_configured_base(
    empty_database: Database, region_base: str
) -> None:
    upgrade(empty_database, "0006")
    upgrade(empty_database)
    with empty_database.engine.connect() as conn:
        assert stored_canonical_base(conn) == region_base
    require_canonical_base(empty_database, region_base)


def test_db_upgrade_says_which_base_the_stored_data_keeps(
    empty_database: Database, region_base: str
) -> None:
    _store_a_patient_at_0006(empty_database)
    url = empty_database.engine.url.render_as_string(hide_password=False)
    upgraded = CliRunner().invoke(app, ["db", "upgrade", "--database-url", url])
    assert upgraded.exit_code == 1
    assert f"KANGTONG_CANONICAL_BASE={BASE_BEFORE_0007}" in " ".join(upgraded.output.split())
    with empty_database.engine.connect() as conn:  # migrated all the same, base kept
        assert stored_canonical_base(conn) == BASE_BEFORE_0007


OLD_SENSITIVITY = "https://kangtong.org/fhir/CodeSystem/sensitivity"
ORG_A, DISTRICT = "org-a", "520102"


def _as(roles: str, principal: str) -> AccessContext:
    scopes = "system/*.cruds" if roles == "institution-system" else "user/*.cruds"
    return AccessContext(
        principal, ORG_A, DISTRICT, frozenset({roles}), frozenset({scopes})
    )  # fmt: skip


def _store_a_labelled_note_at_0006(db: Database) -> str:
    """A note labelled mental-health under the old system, indexed as kangtong before ADR
    0020 indexed it: its label rows under the old system only."""
    upgrade(db)
    platform = build_platform(Settings(database_url=str(db.engine.url)), database=db)
    try:
        note = {
            "resourceType": "Observation", "status": "final", "code": {"text": "心理咨询记录"},
            "meta": {"security": [{"system": OLD_SENSITIVITY, "code": "mental-health"}]},
        }  # fmt: skip
        written = platform.service.create(_as("institution-system", "system/his-a"), note)
    finally:
        platform.events.stop()
        platform.security.audit_sink.close()
    with db.write() as conn:
        conn.execute(
            text("DELETE FROM idx_token WHERE system = :s"),
            {"s": f"{BASE_BEFORE_0007}/CodeSystem/sensitivity"},
        )
    _rewind_to_0006(db)
    return written.resource.res_id


def test_records_labelled_under_the_old_system_stay_hidden_after_the_upgrade(
    empty_database: Database,
) -> None:
    note = _store_a_labelled_note_at_0006(empty_database)
    upgrade(empty_database)
    platform = build_platform(
        Settings(database_url=str(empty_database.engine.url)), database=empty_database
    )
    try:
        nurse = _as("nurse", "Practitioner/nurse-a")
        found = platform.service.search(nurse, "Observation", [("_id", note)])
        assert [e.res_id for e in found.entries] == []
        doctor = _as("clinician", "Practitioner/doctor-a")
        found = platform.service.search(doctor, "Observation", [("_id", note)])
        assert [e.res_id for e in found.entries] == [note]
    finally:
        platform.events.stop()
        platform.security.audit_sink.close()
