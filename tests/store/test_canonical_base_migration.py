"""Migration 0007 records the canonical base the stored data was written under: an installation
upgraded with another base configured is refused, not silently split in two (ADR 0020)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from kangtong.cli.main import app
from kangtong.core import canonical
from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext
from kangtong.platform import build_platform
from kangtong.store.database import Database
from kangtong.store.migrate import upgrade
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


def _store_a_patient_at_0006(db: Database) -> None:
    """Data written by a release before migration 0007 (its base was the built-in one)."""
    upgrade(db, "0006")
    platform = build_platform(Settings(database_url=str(db.engine.url)), database=db)
    try:
        health_code = {"system": f"{BASE_BEFORE_0007}/sid/health-code", "value": "HC-1"}
        patient = {"resourceType": "Patient", "identifier": [health_code]}
        platform.service.create(AccessContext.system("test"), patient)
    finally:
        platform.events.stop()
        platform.security.audit_sink.close()


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
