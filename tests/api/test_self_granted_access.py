"""No self-granted access (issue 13, finding 1) — over HTTP, on both databases.

Hospital A holds a resident's record: an ordinary glucose Observation and an HIV diagnosis. A
curious clinician of hospital B must not open that record by writing facts for themselves — an
`in-progress` Encounter at B, or a Consent permitting B. A care relationship comes only from a
trusted fact: a registration of the patient at B by B's own system client, or a referral
addressed to B by an institution that itself treats the patient. Consent is written by the
resident, or by staff who attach the resident's signed decision. Creating a care relationship
is audited as such; a clinician registering a patient never seen at their institution raises a
security alert for that institution's administrator.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.security.relationships import GUARDIAN_SYSTEM
from kangtong.security.sensitivity import KANGTONG_SENSITIVITY
from kangtong.store.audit_log import AuditLogStore
from tests.api.conftest import bearer, token_for

ORG_A, ORG_B, ORG_C, DISTRICT = "org-a", "org-b", "org-c", "520102"
ACTOR_ROLE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
# The signed form itself, inline ("%PDF-1.4\n"): evidence must be a document (issue 13 review).
SIGNED = {"contentType": "application/pdf", "data": "JVBERi0xLjQK", "title": "知情同意书"}


def _system(org: str) -> AccessContext:
    return AccessContext(
        f"system/his-{org}", org, DISTRICT, frozenset({"institution-system"}),
        frozenset({"system/*.cruds"}),
    )  # fmt: skip


def _create(platform: Platform, org: str, resource: dict[str, Any]) -> str:
    return platform.service.create(_system(org), resource).resource.res_id


def _encounter(patient: str, org: str) -> dict[str, Any]:
    return {
        "resourceType": "Encounter", "status": "in-progress",
        "subject": {"reference": f"Patient/{patient}"},
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "serviceProvider": {"reference": f"Organization/{org}"},
    }  # fmt: skip


def _hiv_permit(patient: str, org: str, **evidence: Any) -> dict[str, Any]:
    return {
        "resourceType": "Consent", "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                              "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{patient}"},
        "provision": {"type": "permit",
                      "actor": [{"role": {"coding": [{"system": ACTOR_ROLE, "code": "PRCP"}]},
                                 "reference": {"reference": f"Organization/{org}"}}],
                      "securityLabel": [{"system": KANGTONG_SENSITIVITY, "code": "hiv"}]},
        **evidence,
    }  # fmt: skip


def _referral(patient: str, org: str) -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest", "status": "active", "intent": "order",
        "subject": {"reference": f"Patient/{patient}"},
        "code": {"text": "转诊"},
        "performer": [{"reference": f"Organization/{org}"}],
    }  # fmt: skip


@pytest.fixture
def record(platform: Platform) -> dict[str, str]:
    return seed_record(platform)


def seed_record(platform: Platform) -> dict[str, str]:
    """Hospital A's resident: an ordinary Observation and an HIV Condition."""
    patient = _create(platform, ORG_A, {"resourceType": "Patient", "gender": "female"})
    subject = {"reference": f"Patient/{patient}"}
    observation = _create(platform, ORG_A, {
        "resourceType": "Observation", "status": "final", "subject": subject,
        "code": {"coding": [{"system": "http://loinc.org", "code": "2339-0"}]},
        "valueQuantity": {"value": 6.1, "unit": "mmol/L"},
    })  # fmt: skip
    condition = _create(platform, ORG_A, {
        "resourceType": "Condition", "subject": subject,
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "B20"}]},
    })  # fmt: skip
    return {"patient": patient, "Observation": observation, "Condition": condition}


def _clinician(platform: Platform, org: str) -> dict[str, str]:
    return bearer(token_for(platform, "clinician", org=org, district=DISTRICT,
                            fhir_user=f"Practitioner/doctor-{org}"))  # fmt: skip


def _status(client: TestClient, headers: dict[str, str], kind: str, res_id: str) -> int:
    return client.get(f"/fhir/{kind}/{res_id}", headers=headers).status_code


def _events(platform: Platform, action: str) -> list[dict[str, Any]]:
    assert platform.security.audit_sink.writer.flush()
    with platform.db.read() as conn:
        rows = [r for r in AuditLogStore().rows(conn) if r.action == action]
    return [orjson.loads(r.event) for r in rows]


def _references(event: dict[str, Any]) -> set[str]:
    return {
        e["what"]["reference"] for e in event.get("entity", []) if "reference" in e.get("what", {})
    }


def test_a_clinicians_own_encounter_does_not_open_the_patients_record(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    doctor = _clinician(platform, ORG_B)
    written = anonymous.post("/fhir/Encounter", json=_encounter(record["patient"], ORG_B),
                             headers=doctor)  # fmt: skip
    assert written.status_code == 201  # clinicians document encounters …
    assert _status(anonymous, doctor, "Observation", record["Observation"]) == 403  # … not access
    found = anonymous.get(f"/fhir/Observation?subject=Patient/{record['patient']}", headers=doctor)
    assert found.status_code == 200
    assert "entry" not in found.json()


def test_a_clinicians_own_consent_is_refused_and_opens_nothing(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    _create(platform, ORG_B, _encounter(record["patient"], ORG_B))  # B's HIS registers the patient
    doctor = _clinician(platform, ORG_B)
    assert _status(anonymous, doctor, "Observation", record["Observation"]) == 200
    assert _status(anonymous, doctor, "Condition", record["Condition"]) == 403  # HIV: opt-in
    written = anonymous.post("/fhir/Consent", json=_hiv_permit(record["patient"], ORG_B),
                             headers=doctor)  # fmt: skip
    assert written.status_code == 403
    assert written.json()["resourceType"] == "OperationOutcome"
    assert _status(anonymous, doctor, "Condition", record["Condition"]) == 403


def test_an_institution_system_records_consent_only_with_the_signed_document(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    his = bearer(token_for(platform, "institution-system", org=ORG_A, district=DISTRICT))
    bare = anonymous.post("/fhir/Consent", json=_hiv_permit(record["patient"], ORG_B), headers=his)
    assert bare.status_code == 403
    assert bare.json()["resourceType"] == "OperationOutcome"
    signed = _hiv_permit(record["patient"], ORG_B, sourceAttachment=SIGNED)
    assert anonymous.post("/fhir/Consent", json=signed, headers=his).status_code == 201


def test_the_resident_writes_their_own_consent_and_not_another_residents(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    own = bearer(token_for(platform, "resident", patient=record["patient"],
                           scopes=["patient/Consent.cruds"]))  # fmt: skip
    permit = _hiv_permit(record["patient"], ORG_B)
    written = anonymous.post("/fhir/Consent", json=permit, headers=own)
    assert written.status_code == 201, written.text
    other = bearer(token_for(platform, "resident", patient="someone-else",
                             scopes=["patient/Consent.cruds"]))  # fmt: skip
    assert anonymous.post("/fhir/Consent", json=permit, headers=other).status_code == 403


def test_a_clinician_may_not_withdraw_a_residents_refusal_by_deleting_it(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    refusal = {**_hiv_permit(record["patient"], ORG_A, sourceAttachment=SIGNED),
               "provision": {"type": "deny"}}  # fmt: skip
    consent = _create(platform, ORG_A, refusal)
    doctor = _clinician(platform, ORG_A)
    assert anonymous.delete(f"/fhir/Consent/{consent}", headers=doctor).status_code == 403


def test_the_residents_own_permit_opens_sensitive_data_to_a_treating_institution(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    _create(platform, ORG_B, _encounter(record["patient"], ORG_B))
    own = bearer(token_for(platform, "resident", patient=record["patient"],
                           scopes=["patient/Consent.cruds"]))  # fmt: skip
    permit = _hiv_permit(record["patient"], ORG_B)
    assert anonymous.post("/fhir/Consent", json=permit, headers=own).status_code == 201
    doctor = _clinician(platform, ORG_B)
    assert _status(anonymous, doctor, "Condition", record["Condition"]) == 200


def test_a_permit_without_a_recorded_writer_opens_nothing(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    _create(platform, ORG_B, _encounter(record["patient"], ORG_B))
    _create(platform, ORG_A, _hiv_permit(record["patient"], ORG_B, sourceAttachment=SIGNED))
    with platform.db.write() as conn:  # as data stored before writers were recorded
        conn.execute(text("UPDATE resource_version SET written_by = NULL, written_as = NULL "
                          "WHERE res_type = 'Consent'"))  # fmt: skip
    doctor = _clinician(platform, ORG_B)
    assert _status(anonymous, doctor, "Condition", record["Condition"]) == 403


def test_no_alert_when_the_institution_holds_the_patients_record(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    doctor_a = _clinician(platform, ORG_A)
    anonymous.post("/fhir/Encounter", json=_encounter(record["patient"], ORG_A), headers=doctor_a)
    admin_a = bearer(token_for(platform, "institution-admin", org=ORG_A))
    assert anonymous.get("/security/alerts", headers=admin_a).json()["alerts"] == []


def test_a_registration_by_the_institutions_system_is_a_care_relationship(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    _create(platform, ORG_B, _encounter(record["patient"], ORG_B))
    doctor = _clinician(platform, ORG_B)
    assert _status(anonymous, doctor, "Observation", record["Observation"]) == 200


def test_another_institutions_system_cannot_register_patients_for_b(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    _create(platform, ORG_C, _encounter(record["patient"], ORG_B))  # C's HIS names B
    doctor = _clinician(platform, ORG_B)
    assert _status(anonymous, doctor, "Observation", record["Observation"]) == 403


def test_a_referral_from_an_institution_that_never_saw_the_patient_grants_nothing(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    colleague_c = _clinician(platform, ORG_C)  # C has no registration of the patient
    sent = anonymous.post("/fhir/ServiceRequest", json=_referral(record["patient"], ORG_B),
                          headers=colleague_c)  # fmt: skip
    assert sent.status_code == 201
    doctor = _clinician(platform, ORG_B)
    assert _status(anonymous, doctor, "Observation", record["Observation"]) == 403


def test_a_referral_from_an_institution_that_treats_the_patient_is_a_care_relationship(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    _create(platform, ORG_C, _encounter(record["patient"], ORG_C))  # C's HIS registers them
    colleague_c = _clinician(platform, ORG_C)
    referral = anonymous.post("/fhir/ServiceRequest", json=_referral(record["patient"], ORG_B),
                              headers=colleague_c)  # fmt: skip
    assert referral.status_code == 201
    doctor = _clinician(platform, ORG_B)
    assert _status(anonymous, doctor, "Observation", record["Observation"]) == 200


def test_a_clinician_rewriting_a_registration_makes_it_untrusted(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    stranger = _create(platform, ORG_A, {"resourceType": "Patient", "gender": "male"})
    registered = _create(platform, ORG_B, _encounter(stranger, ORG_B))
    doctor = _clinician(platform, ORG_B)
    moved = {**_encounter(record["patient"], ORG_B), "id": registered}
    rewritten = anonymous.put(f"/fhir/Encounter/{registered}", json=moved, headers=doctor)
    assert rewritten.status_code == 200
    assert _status(anonymous, doctor, "Observation", record["Observation"]) == 403


def test_a_consultation_task_from_a_treating_institution_is_a_care_relationship(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    _create(platform, ORG_C, _encounter(record["patient"], ORG_C))
    colleague_c = _clinician(platform, ORG_C)
    task = {
        "resourceType": "Task", "status": "requested", "intent": "order",
        "for": {"reference": f"Patient/{record['patient']}"},
        "owner": {"reference": f"Organization/{ORG_B}"},
        "code": {"text": "会诊"},
    }  # fmt: skip
    assert anonymous.post("/fhir/Task", json=task, headers=colleague_c).status_code == 201
    doctor = _clinician(platform, ORG_B)
    assert _status(anonymous, doctor, "Observation", record["Observation"]) == 200


def test_a_self_addressed_referral_is_no_care_relationship(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    doctor = _clinician(platform, ORG_B)
    sent = anonymous.post("/fhir/ServiceRequest", json=_referral(record["patient"], ORG_B),
                          headers=doctor)  # fmt: skip
    assert sent.status_code == 201
    assert _status(anonymous, doctor, "Observation", record["Observation"]) == 403


def test_creating_a_care_relationship_is_audited_naming_patient_and_institution(
    platform: Platform, record: dict[str, str]
) -> None:
    _create(platform, ORG_B, _encounter(record["patient"], ORG_B))
    events = _events(platform, "care-relation")
    assert len(events) == 1
    assert {f"Patient/{record['patient']}", f"Organization/{ORG_B}"} <= _references(events[0])
    assert events[0]["subtype"][0]["code"] == "care-relationship"


def test_a_clinician_registering_a_stranger_raises_an_alert_for_their_admin(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    doctor = _clinician(platform, ORG_B)
    anonymous.post("/fhir/Encounter", json=_encounter(record["patient"], ORG_B), headers=doctor)
    admin_b = bearer(token_for(platform, "institution-admin", org=ORG_B))
    alerts = anonymous.get("/security/alerts", headers=admin_b)
    assert alerts.status_code == 200, alerts.text
    shown = alerts.json()["alerts"]
    assert len(shown) == 1
    assert shown[0]["patient"] == f"Patient/{record['patient']}"
    assert shown[0]["principal"] == "Practitioner/doctor-org-b"
    admin_a = bearer(token_for(platform, "institution-admin", org=ORG_A))
    assert anonymous.get("/security/alerts", headers=admin_a).json()["alerts"] == []
    assert anonymous.get("/security/alerts", headers=doctor).status_code == 403


def test_no_alert_when_the_institution_has_registered_the_patient(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    _create(platform, ORG_B, {**_encounter(record["patient"], ORG_B), "status": "finished"})
    doctor = _clinician(platform, ORG_B)
    anonymous.post("/fhir/Encounter", json=_encounter(record["patient"], ORG_B), headers=doctor)
    admin_b = bearer(token_for(platform, "institution-admin", org=ORG_B))
    assert anonymous.get("/security/alerts", headers=admin_b).json()["alerts"] == []


def _guardianship(guardian: str, dependant: str) -> dict[str, Any]:
    return {
        "resourceType": "RelatedPerson", "active": True,
        "patient": {"reference": f"Patient/{dependant}"},
        "identifier": [{"system": GUARDIAN_SYSTEM, "value": guardian}],
    }  # fmt: skip


def test_a_guardian_recorded_by_the_hospital_system_reads_the_dependants_record(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    parent = _create(platform, ORG_A, {"resourceType": "Patient", "gender": "male"})
    _create(platform, ORG_A, _guardianship(parent, record["patient"]))
    guardian = bearer(token_for(platform, "resident", patient=parent))
    assert _status(anonymous, guardian, "Observation", record["Observation"]) == 200


def test_a_guardianship_written_by_a_clinician_opens_nothing(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    accomplice = _create(platform, ORG_A, {"resourceType": "Patient", "gender": "male"})
    doctor = _clinician(platform, ORG_A)
    written = anonymous.post(
        "/fhir/RelatedPerson", json=_guardianship(accomplice, record["patient"]), headers=doctor
    )
    assert written.status_code == 201
    resident = bearer(token_for(platform, "resident", patient=accomplice))
    assert _status(anonymous, resident, "Observation", record["Observation"]) == 403
