"""URLs kangtong wrote before ADR 0020 still mean what they meant (over HTTP, both databases).

Before the base became configurable, the sensitivity code system and the guardian naming system
sat under `https://kangtong.org/fhir/` (`git show 08db29b^`). Records labelled, and guardians
named, under them — stored then, or sent now by systems that kept the old URLs — must still be
protected and still count.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from tests.api.conftest import bearer, token_for

OLD_SENSITIVITY = "https://kangtong.org/fhir/CodeSystem/sensitivity"
OLD_GUARDIAN = "https://kangtong.org/fhir/NamingSystem/guardian-of"
ORG_A, DISTRICT = "org-a", "520102"
HOSPITAL_A = AccessContext(
    "system/his-a", ORG_A, DISTRICT, frozenset({"institution-system"}),
    frozenset({"system/*.cruds"}),
)  # fmt: skip


def _create(platform: Platform, resource: dict[str, Any]) -> str:
    return platform.service.create(HOSPITAL_A, resource).resource.res_id


def _counselling_note(platform: Platform, patient: str) -> str:
    """A psychotherapy note a clinician labelled mental-health by hand, under the old system."""
    return _create(platform, {
        "resourceType": "Observation", "status": "final",
        "code": {"text": "心理咨询记录"}, "subject": {"reference": f"Patient/{patient}"},
        "meta": {"security": [{"system": OLD_SENSITIVITY, "code": "mental-health"}]},
    })  # fmt: skip


def test_a_record_labelled_under_the_old_sensitivity_system_is_refused_to_a_reader_not_cleared(
    client: TestClient, platform: Platform
) -> None:
    patient = _create(platform, {"resourceType": "Patient"})
    note = _counselling_note(platform, patient)
    # A nurse of the same hospital is cleared for infectious and reproductive data, not this.
    nurse = bearer(token_for(platform, "nurse", org=ORG_A, district=DISTRICT))
    assert client.get(f"/fhir/Observation/{note}", headers=nurse).status_code == 403
    found = client.get(f"/fhir/Observation?subject=Patient/{patient}", headers=nurse)
    assert found.status_code == 200, found.text
    assert note not in {e["resource"]["id"] for e in found.json().get("entry", [])}
    doctor = bearer(token_for(platform, "clinician", org=ORG_A, district=DISTRICT))
    assert client.get(f"/fhir/Observation/{note}", headers=doctor).status_code == 200


def test_a_guardian_named_under_the_old_naming_system_still_acts_for_the_dependant(
    client: TestClient, platform: Platform
) -> None:
    parent = _create(platform, {"resourceType": "Patient", "gender": "female"})
    child = _create(platform, {"resourceType": "Patient", "gender": "male"})
    _create(platform, {
        "resourceType": "RelatedPerson", "active": True,
        "patient": {"reference": f"Patient/{child}"},
        "identifier": [{"system": OLD_GUARDIAN, "value": parent}],
    })  # fmt: skip
    resident = bearer(token_for(platform, "resident", patient=parent, subject="parent"))
    assert client.get(f"/fhir/Patient/{child}", headers=resident).status_code == 200
    stranger = _create(platform, {"resourceType": "Patient"})
    assert client.get(f"/fhir/Patient/{stranger}", headers=resident).status_code == 403
