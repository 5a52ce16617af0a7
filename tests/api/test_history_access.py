"""History is read like the resource it holds (issue 13, finding 2) — over HTTP, on both databases.

Hospital A records an HIV diagnosis (ICD-10 B20: the write path labels it) for one resident.
Instance history, vread, and history at type and system level are decided per version on the
resource's compartment and labels exactly as a read is — after a delete too, when the last
stored content decides; entries the caller may not see are left out of wider history; the
audit entry of a history read names the patient.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.store.audit_log import AuditLogStore
from tests.api.conftest import bearer, token_for

ORG_A, ORG_B, DISTRICT = "org-a", "org-b", "520102"


def _system(org: str) -> AccessContext:
    return AccessContext(
        f"system/his-{org}", org, DISTRICT, frozenset({"institution-system"}),
        frozenset({"system/*.cruds"}),
    )  # fmt: skip


def _hiv_condition(platform: Platform) -> dict[str, str]:
    system = _system(ORG_A)
    patient = platform.service.create(system, {"resourceType": "Patient"}).resource.res_id
    condition = platform.service.create(system, {
        "resourceType": "Condition", "subject": {"reference": f"Patient/{patient}"},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "B20"}]},
    }).resource.res_id  # fmt: skip
    return {"patient": patient, "condition": condition}


@pytest.fixture
def deleted_hiv(platform: Platform) -> dict[str, str]:
    record = _hiv_condition(platform)
    platform.service.delete(_system(ORG_A), "Condition", record["condition"])
    return record


@pytest.fixture
def hiv(platform: Platform) -> dict[str, str]:
    return _hiv_condition(platform)


def _clinician(platform: Platform, org: str) -> dict[str, str]:
    return bearer(token_for(platform, "clinician", org=org, district=DISTRICT,
                            fhir_user=f"Practitioner/doctor-{org}"))  # fmt: skip


def _history_ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.text
    return {e["fullUrl"].rsplit("/", 1)[-1] for e in response.json().get("entry", [])}


def test_a_resident_without_patient_context_cannot_read_a_deleted_resources_history(
    anonymous: TestClient, platform: Platform, deleted_hiv: dict[str, str]
) -> None:
    resident = bearer(token_for(platform, "resident", subject="someone"))
    response = anonymous.get(
        f"/fhir/Condition/{deleted_hiv['condition']}/_history", headers=resident
    )
    assert response.status_code == 403
    assert "B20" not in response.text


def test_another_resident_cannot_read_a_deleted_resources_history(
    anonymous: TestClient, platform: Platform, deleted_hiv: dict[str, str]
) -> None:
    other = bearer(token_for(platform, "resident", patient="someone-else"))
    response = anonymous.get(f"/fhir/Condition/{deleted_hiv['condition']}/_history", headers=other)
    assert response.status_code == 403


def test_the_resident_reads_the_history_of_their_own_deleted_record(
    anonymous: TestClient, platform: Platform, deleted_hiv: dict[str, str]
) -> None:
    own = bearer(token_for(platform, "resident", patient=deleted_hiv["patient"]))
    response = anonymous.get(f"/fhir/Condition/{deleted_hiv['condition']}/_history", headers=own)
    assert response.status_code == 200
    assert len(response.json()["entry"]) == 2  # the delete and the create


def test_history_of_a_deleted_resource_is_audited_with_its_patient(
    anonymous: TestClient, platform: Platform, deleted_hiv: dict[str, str]
) -> None:
    owner = _clinician(platform, ORG_A)
    url = f"/fhir/Condition/{deleted_hiv['condition']}/_history"
    assert anonymous.get(url, headers=owner).status_code == 200
    assert platform.security.audit_sink.writer.flush()
    with platform.db.read() as conn:
        rows = [
            r for r in AuditLogStore().rows(conn) if (r.action, r.outcome) == ("history", "success")
        ]
    assert rows
    event = orjson.loads(rows[-1].event)
    references = {e["what"].get("reference") for e in event.get("entity", [])}
    assert f"Patient/{deleted_hiv['patient']}" in references


def test_a_clinician_of_another_organisation_cannot_vread_a_sensitive_condition(
    anonymous: TestClient, platform: Platform, hiv: dict[str, str]
) -> None:
    stranger = _clinician(platform, ORG_B)
    response = anonymous.get(f"/fhir/Condition/{hiv['condition']}/_history/1", headers=stranger)
    assert response.status_code == 403


def test_a_clinician_of_another_organisation_cannot_vread_a_deleted_sensitive_condition(
    anonymous: TestClient, platform: Platform, deleted_hiv: dict[str, str]
) -> None:
    stranger = _clinician(platform, ORG_B)
    url = f"/fhir/Condition/{deleted_hiv['condition']}"
    assert anonymous.get(f"{url}/_history/1", headers=stranger).status_code == 403
    assert anonymous.get(f"{url}/_history", headers=stranger).status_code == 403


def test_type_and_system_history_leave_out_what_the_caller_may_not_read(
    anonymous: TestClient, platform: Platform, hiv: dict[str, str], deleted_hiv: dict[str, str]
) -> None:
    stranger = _clinician(platform, ORG_B)
    for url in ("/fhir/Condition/_history", "/fhir/_history"):
        seen = _history_ids(anonymous.get(url, headers=stranger))
        assert hiv["condition"] not in seen
        assert deleted_hiv["condition"] not in seen
        assert hiv["patient"] not in seen


def test_type_history_shows_the_callers_own_organisations_versions(
    anonymous: TestClient, platform: Platform, hiv: dict[str, str], deleted_hiv: dict[str, str]
) -> None:
    owner = _clinician(platform, ORG_A)
    seen = _history_ids(anonymous.get("/fhir/Condition/_history", headers=owner))
    assert {hiv["condition"], deleted_hiv["condition"]} <= seen


def test_filtered_history_pages_through_visible_entries_only(
    anonymous: TestClient, platform: Platform
) -> None:
    for _ in range(3):
        _hiv_condition(platform)  # three Patients and three Conditions of A
    owner = _clinician(platform, ORG_A)
    first = anonymous.get("/fhir/Condition/_history?_count=2", headers=owner)
    assert len(_history_ids(first)) == 2
    second = anonymous.get("/fhir/Condition/_history?_count=2&_offset=2", headers=owner)
    assert len(_history_ids(second)) == 1
    assert not _history_ids(first) & _history_ids(second)


def test_wider_history_that_would_scan_too_much_asks_to_narrow_it(
    anonymous: TestClient, platform: Platform
) -> None:
    for _ in range(3):
        _hiv_condition(platform)  # six versions of A's records
    platform.service.versions.batch, platform.service.versions.scan_limit = 2, 4
    stranger = _clinician(platform, ORG_B)
    refused = anonymous.get("/fhir/_history", headers=stranger)
    assert refused.status_code == 422
    assert refused.json()["resourceType"] == "OperationOutcome"
    assert "_since" in refused.text
