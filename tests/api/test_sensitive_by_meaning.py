"""Sensitive data is recognised by what its codes mean, not only by ICD-10 ranges (issue 13,
finding 3) — over HTTP, on both databases.

Hospital A records, for one resident, an HIV infection coded in SNOMED CT and an HIV viral load
coded in LOINC, neither carrying a security label. Hospital B has an Encounter with the resident
(a care relationship, as the access rules stand). A clinician of B is cleared for HIV by role, but
data of a sensitive category from another institution needs the resident's explicit permit
(opt-in): without it the clinician must not read or find either resource; with it, they may.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.security.sensitivity import KANGTONG_SENSITIVITY
from tests.api.conftest import bearer, token_for

ORG_A, ORG_B, DISTRICT = "org-a", "org-b", "520102"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"


def _system(org: str) -> AccessContext:
    return AccessContext(
        f"system/his-{org}", org, DISTRICT, frozenset({"institution-system"}),
        frozenset({"system/*.cruds"}),
    )  # fmt: skip


def _create(platform: Platform, org: str, resource: dict[str, Any]) -> str:
    return platform.service.create(_system(org), resource).resource.res_id


def _hiv_permit(patient: str) -> dict[str, Any]:
    return {
        "resourceType": "Consent",
        "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                              "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": LOINC, "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{patient}"},
        # Recorded by the hospital's system: the resident's signed decision is the evidence.
        "sourceAttachment": {"contentType": "application/pdf", "data": "JVBERi0xLjQK"},  # the PDF
        "provision": {"type": "permit",
                      "securityLabel": [{"system": KANGTONG_SENSITIVITY, "code": "hiv"}]},
    }  # fmt: skip


def _resident(platform: Platform, *, permit: bool) -> dict[str, str]:
    patient = _create(platform, ORG_A, {"resourceType": "Patient", "gender": "male"})
    subject = {"reference": f"Patient/{patient}"}
    condition = _create(platform, ORG_A, {
        "resourceType": "Condition", "subject": subject,
        "code": {"coding": [{"system": SNOMED, "code": "86406008",
                             "display": "Human immunodeficiency virus infection"}]},
    })  # fmt: skip
    viral_load = _create(platform, ORG_A, {
        "resourceType": "Observation", "status": "final", "subject": subject,
        "code": {"coding": [{"system": LOINC, "code": "20447-9"}]},
        "valueQuantity": {"value": 4200, "unit": "copies/mL"},
    })  # fmt: skip
    _create(platform, ORG_B, {
        "resourceType": "Encounter", "status": "in-progress", "subject": subject,
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "serviceProvider": {"reference": f"Organization/{ORG_B}"},
    })  # fmt: skip
    if permit:
        _create(platform, ORG_A, _hiv_permit(patient))
    return {"Patient": patient, "Condition": condition, "Observation": viral_load}


def _clinician(platform: Platform, org: str) -> dict[str, str]:
    return bearer(token_for(platform, "clinician", org=org, district=DISTRICT,
                            fhir_user=f"Practitioner/doctor-{org}"))  # fmt: skip


def _found(client: TestClient, headers: dict[str, str], kind: str, patient: str) -> set[str]:
    response = client.get(f"/fhir/{kind}?subject=Patient/{patient}&_total=accurate",
                          headers=headers)  # fmt: skip
    assert response.status_code == 200, response.text
    return {e["resource"]["id"] for e in response.json().get("entry", [])}


@pytest.mark.parametrize("kind", ["Condition", "Observation"])
def test_another_institution_without_the_residents_permit_cannot_read_hiv_data_coded_by_meaning(
    client: TestClient, platform: Platform, kind: str
) -> None:
    record = _resident(platform, permit=False)
    doctor_b = _clinician(platform, ORG_B)
    assert client.get(f"/fhir/{kind}/{record[kind]}", headers=doctor_b).status_code == 403
    assert record[kind] not in _found(client, doctor_b, kind, record["Patient"])


@pytest.mark.parametrize("kind", ["Condition", "Observation"])
def test_with_the_residents_permit_another_institution_reads_hiv_data_coded_by_meaning(
    client: TestClient, platform: Platform, kind: str
) -> None:
    record = _resident(platform, permit=True)
    doctor_b = _clinician(platform, ORG_B)
    assert client.get(f"/fhir/{kind}/{record[kind]}", headers=doctor_b).status_code == 200
    assert record[kind] in _found(client, doctor_b, kind, record["Patient"])


@pytest.mark.parametrize("kind", ["Condition", "Observation"])
def test_within_the_recording_institution_only_roles_cleared_for_hiv_read_it(
    client: TestClient, platform: Platform, kind: str
) -> None:
    record = _resident(platform, permit=False)
    nurse_a = bearer(token_for(platform, "nurse", org=ORG_A, district=DISTRICT))
    doctor_a = _clinician(platform, ORG_A)
    assert client.get(f"/fhir/{kind}/{record[kind]}", headers=doctor_a).status_code == 200
    assert client.get(f"/fhir/{kind}/{record[kind]}", headers=nurse_a).status_code == 403
    assert record[kind] not in _found(client, nurse_a, kind, record["Patient"])


def test_the_write_path_labels_hiv_data_coded_by_meaning(
    client: TestClient, platform: Platform
) -> None:
    record = _resident(platform, permit=False)
    for kind in ("Condition", "Observation"):
        labelled = client.get(f"/fhir/{kind}?_security={KANGTONG_SENSITIVITY}|hiv").json()
        assert record[kind] in {e["resource"]["id"] for e in labelled.get("entry", [])}


B20 = {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "B20",
                   "display": "HIV disease"}]}  # fmt: skip
CODED_OTHERWISE: dict[str, tuple[str, dict[str, Any]]] = {
    "a finding of a ClinicalImpression": ("ClinicalImpression", {
        "status": "completed", "finding": [{"itemCodeableConcept": B20}]}),
    "a section of a Composition": ("Composition", {
        "status": "final", "type": {"text": "出院小结"}, "date": "2026-01-01",
        "author": [{"display": "a"}], "title": "t", "section": [{"title": "诊断", "code": B20}]}),
    "a relative's condition": ("FamilyMemberHistory", {
        "status": "completed", "relationship": {"text": "母亲"}, "condition": [{"code": B20}]}),
    "words only": ("Condition", {"code": {"text": "艾滋病"}}),
    "the HL7 OID of ICD-10": ("Condition", {"code": {"coding": [
        {"system": "urn:oid:2.16.840.1.113883.6.3", "code": "B20"}]}}),
    "a LOINC test without display": ("Observation", {
        "status": "final", "code": {"coding": [{"system": LOINC, "code": "7918-6"}]},
        "valueCodeableConcept": {"text": "阳性"}}),
}  # fmt: skip


@pytest.mark.parametrize("form", sorted(CODED_OTHERWISE))
def test_hiv_data_however_coded_is_refused_to_another_institution_without_a_permit(
    client: TestClient, platform: Platform, form: str
) -> None:
    record = _resident(platform, permit=False)
    kind, body = CODED_OTHERWISE[form]
    patient_field = "patient" if kind == "FamilyMemberHistory" else "subject"
    resource = {"resourceType": kind, patient_field: {"reference": f"Patient/{record['Patient']}"},
                **body}  # fmt: skip
    created = _create(platform, ORG_A, resource)
    doctor_b = _clinician(platform, ORG_B)
    assert client.get(f"/fhir/{kind}/{created}", headers=doctor_b).status_code == 403
    doctor_a = _clinician(platform, ORG_A)
    assert client.get(f"/fhir/{kind}/{created}", headers=doctor_a).status_code == 200
