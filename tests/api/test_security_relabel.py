"""Labels of stored data follow the rules as they are now (`kangtong security relabel`), and
the shipped and regional sensitive-category value sets are installed and take effect."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kangtong.cli.main import app
from kangtong.core.clock import FrozenClock
from kangtong.fhir.access import AccessContext
from kangtong.fhir.lookup import PlatformSearch
from kangtong.platform import Platform
from kangtong.security.labels import relabel
from kangtong.security.sensitivity import KANGTONG_SENSITIVITY, Sensitivity
from kangtong.store.database import Database
from kangtong.terminology.sensitive_codes import SensitiveCodes

runner = CliRunner()
LAB = "urn:oid:1.2.156.112604.1.2.99"  # a hospital's own laboratory codes (illustrative)
SYSTEM = AccessContext.system("test")


def _regional_value_set() -> dict[str, Any]:
    return {
        "resourceType": "ValueSet", "id": "region-hiv-lab", "status": "active",
        "url": "https://region.example/fhir/ValueSet/region-hiv-lab",
        "useContext": [{
            "code": {"system": "http://terminology.hl7.org/CodeSystem/usage-context-type",
                     "code": "focus"},
            "valueCodeableConcept": {"coding": [{"system": KANGTONG_SENSITIVITY, "code": "hiv"}]},
        }],
        "compose": {"include": [{"system": LAB, "concept": [{"code": "HIVRNA"}]}]},
    }  # fmt: skip


def _local_viral_load(client: TestClient) -> str:
    response = client.post("/fhir/Observation", json={
        "resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": LAB, "code": "HIVRNA"}]},
        "subject": {"reference": "Patient/p1"},
    })  # fmt: skip
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _recheck(platform: Platform) -> None:
    """The regional value set counts from the next question on, not within 5 s."""
    meanings = platform.classify.meanings
    assert isinstance(meanings, SensitiveCodes)
    meanings.recheck()


def _labelled_hiv(client: TestClient) -> set[str]:
    found = client.get(f"/fhir/Observation?_security={KANGTONG_SENSITIVITY}|hiv").json()
    return {e["resource"]["id"] for e in found.get("entry", [])}


def test_a_regional_value_set_counts_once_the_store_says_value_sets_changed(
    platform: Platform,
) -> None:
    clock = FrozenClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    codes = SensitiveCodes(
        PlatformSearch(platform.db, platform.service.parser, platform.service.repository.sealing),
        clock,
    )
    assert codes.categories(LAB, "HIVRNA", "") == frozenset()
    platform.service.update(SYSTEM, "ValueSet", "region-hiv-lab", _regional_value_set())
    assert codes.categories(LAB, "HIVRNA", "") == frozenset()  # checked at most every 5 s
    clock.advance(seconds=6)
    assert codes.categories(LAB, "HIVRNA", "") == {Sensitivity.HIV}


def test_relabel_labels_data_stored_before_its_rule_and_changes_nothing_else(
    client: TestClient, platform: Platform
) -> None:
    stored = _local_viral_load(client)
    before = client.get(f"/fhir/Observation/{stored}").json()
    assert stored not in _labelled_hiv(client)

    platform.service.update(SYSTEM, "ValueSet", "region-hiv-lab", _regional_value_set())
    _recheck(platform)
    report = relabel(
        platform.db,
        platform.classify,
        sealing=platform.service.repository.sealing,
        indexer=platform.service.indexer,
        batch=2,
    )

    assert stored in _labelled_hiv(client)
    assert client.get(f"/fhir/Observation/{stored}").json() == before  # same version, same JSON
    assert report.changed == 1 and report.examined >= 2
    assert (
        relabel(
            platform.db,
            platform.classify,
            sealing=platform.service.repository.sealing,
            indexer=platform.service.indexer,
        ).changed
        == 0
    )  # a second run has nothing to do


def test_relabel_removes_labels_whose_rule_is_gone(client: TestClient, platform: Platform) -> None:
    platform.service.update(SYSTEM, "ValueSet", "region-hiv-lab", _regional_value_set())
    _recheck(platform)
    stored = _local_viral_load(client)
    assert stored in _labelled_hiv(client)
    platform.service.delete(SYSTEM, "ValueSet", "region-hiv-lab")
    _recheck(platform)
    assert (
        relabel(
            platform.db,
            platform.classify,
            sealing=platform.service.repository.sealing,
            indexer=platform.service.indexer,
        ).changed
        == 1
    )
    assert stored not in _labelled_hiv(client)


def test_install_stores_the_sensitive_value_sets_and_relabel_runs_from_the_cli(
    database_url: str, database: Database
) -> None:
    installed = runner.invoke(app, ["terminology", "install", "--database-url", database_url])
    assert installed.exit_code == 0, installed.stdout
    assert "ValueSet/sensitive-hiv" in installed.stdout
    relabelled = runner.invoke(app, ["security", "relabel", "--database-url", database_url])
    assert relabelled.exit_code == 0, relabelled.stdout
    assert "relabelled" in relabelled.stdout
