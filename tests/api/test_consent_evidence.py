"""A Consent recorded by staff rests on a real signed document (issue 13 finding 1, review).

The review found that the evidence was checked for presence only: a clinician of B, which
treats the patient, opened the HIV diagnosis with `sourceAttachment: {"title": "x"}`; a
clinician of C, a stranger to the patient, closed the record to B with a refusal "signed" by
`sourceReference: {"display": "x"}`; and B's system client made a resident of its choosing the
guardian of A's patient. Evidence is now a stored document of the patient or the document
itself; staff record a Consent only for patients their institution has registered; a staff
permit for the writer's own institution is audited and alerted; a guardianship counts only
from the platform or from the system of an institution that registered the dependant.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from kangtong.platform import Platform
from tests.api.conftest import bearer, token_for
from tests.api.test_self_granted_access import (
    DISTRICT,
    ORG_A,
    ORG_B,
    ORG_C,
    SIGNED,
    _clinician,
    _create,
    _encounter,
    _events,
    _guardianship,
    _hiv_permit,
    _references,
    _status,
    _system,
    seed_record,
)

PDF = "JVBERi0xLjQK"  # "%PDF-1.4\n"


@pytest.fixture
def record(platform: Platform) -> dict[str, str]:
    return seed_record(platform)


def _document(platform: Platform, org: str, patient: str) -> str:
    """The resident's signed form, stored by the institution's system."""
    return _create(platform, org, {
        "resourceType": "DocumentReference", "status": "current",
        "subject": {"reference": f"Patient/{patient}"},
        "content": [{"attachment": {"contentType": "application/pdf", "data": PDF}}],
    })  # fmt: skip


def _admin_alerts(client: TestClient, platform: Platform, org: str) -> list[dict[str, Any]]:
    admin = bearer(token_for(platform, "institution-admin", org=org))
    shown = client.get("/security/alerts", headers=admin)
    assert shown.status_code == 200, shown.text
    alerts: list[dict[str, Any]] = shown.json()["alerts"]
    return alerts


@pytest.mark.parametrize(
    "evidence",
    [
        {"sourceAttachment": {"title": "x"}},
        {"sourceAttachment": {"contentType": "application/pdf", "title": "x"}},
        {"sourceAttachment": {"contentType": "text/plain", "data": PDF}},
        {"sourceAttachment": {"contentType": "application/pdf", "url": "Binary/nowhere"}},
        {"sourceReference": {"display": "x"}},
        {"sourceReference": {"reference": "DocumentReference/nowhere"}},
    ],
)
def test_a_clinicians_permit_without_a_real_document_is_refused_and_opens_nothing(
    anonymous: TestClient, platform: Platform, record: dict[str, str], evidence: dict[str, Any]
) -> None:
    _create(platform, ORG_B, _encounter(record["patient"], ORG_B))  # B treats the patient
    doctor = _clinician(platform, ORG_B)
    written = anonymous.post("/fhir/Consent", json=_hiv_permit(record["patient"], ORG_B, **evidence),
                             headers=doctor)  # fmt: skip
    assert written.status_code == 403, written.text
    assert written.json()["resourceType"] == "OperationOutcome"
    assert _status(anonymous, doctor, "Condition", record["Condition"]) == 403


def test_a_document_of_another_patient_is_no_evidence(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    _create(platform, ORG_B, _encounter(record["patient"], ORG_B))
    other = _create(platform, ORG_B, {"resourceType": "Patient", "gender": "male"})
    theirs = _document(platform, ORG_B, other)
    evidence = {"sourceReference": {"reference": f"DocumentReference/{theirs}"}}
    written = anonymous.post("/fhir/Consent", json=_hiv_permit(record["patient"], ORG_B, **evidence),
                             headers=_clinician(platform, ORG_B))  # fmt: skip
    assert written.status_code == 403


def test_a_staff_permit_for_the_writers_own_institution_is_audited_and_alerted(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    _create(platform, ORG_B, _encounter(record["patient"], ORG_B))
    signed = _document(platform, ORG_B, record["patient"])
    doctor = _clinician(platform, ORG_B)
    evidence = {"sourceReference": {"reference": f"DocumentReference/{signed}"}}
    written = anonymous.post("/fhir/Consent", json=_hiv_permit(record["patient"], ORG_B, **evidence),
                             headers=doctor)  # fmt: skip
    assert written.status_code == 201, written.text
    assert _status(anonymous, doctor, "Condition", record["Condition"]) == 200
    events = _events(platform, "consent-self")
    assert len(events) == 1
    assert {f"Patient/{record['patient']}", f"Organization/{ORG_B}"} <= _references(events[0])
    alerts = _admin_alerts(anonymous, platform, ORG_B)
    assert [a["kind"] for a in alerts] == ["self-permitting-consent"]
    assert alerts[0]["patient"] == f"Patient/{record['patient']}"
    assert _admin_alerts(anonymous, platform, ORG_A) == []


def test_an_inline_signed_pdf_is_evidence(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    _create(platform, ORG_B, _encounter(record["patient"], ORG_B))
    evidence = {"sourceAttachment": {"contentType": "application/pdf", "data": PDF}}
    written = anonymous.post("/fhir/Consent", json=_hiv_permit(record["patient"], ORG_B, **evidence),
                             headers=_clinician(platform, ORG_B))  # fmt: skip
    assert written.status_code == 201, written.text


def test_a_clinician_of_an_unrelated_institution_may_not_close_a_strangers_record(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    _create(platform, ORG_B, _encounter(record["patient"], ORG_B))
    signed = _document(platform, ORG_A, record["patient"])  # even with a real document
    refusal = {**_hiv_permit(record["patient"], ORG_B), "provision": {"type": "deny"},
               "sourceReference": {"reference": f"DocumentReference/{signed}"}}  # fmt: skip
    written = anonymous.post("/fhir/Consent", json=refusal, headers=_clinician(platform, ORG_C))
    assert written.status_code == 403, written.text
    assert (
        _status(anonymous, _clinician(platform, ORG_B), "Observation", record["Observation"]) == 200
    )


def test_another_institutions_system_cannot_make_a_resident_the_guardian_of_a_stranger(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    accomplice = _create(platform, ORG_B, {"resourceType": "Patient", "gender": "male"})
    his_b = bearer(token_for(platform, "institution-system", org=ORG_B, district=DISTRICT,
                             subject=f"system/his-{ORG_B}"))  # fmt: skip
    written = anonymous.post(
        "/fhir/RelatedPerson", json=_guardianship(accomplice, record["patient"]), headers=his_b
    )
    assert written.status_code == 403, written.text
    resident = bearer(token_for(platform, "resident", patient=accomplice))
    assert _status(anonymous, resident, "Observation", record["Observation"]) == 403
    assert _status(anonymous, resident, "Condition", record["Condition"]) == 403
    alerts = _admin_alerts(anonymous, platform, ORG_B)
    assert [a["kind"] for a in alerts] == ["unregistered-guardianship"]
    assert alerts[0]["patient"] == f"Patient/{record['patient']}"


def test_a_guardianship_recorded_by_the_registering_institution_is_a_care_relationship(
    platform: Platform, record: dict[str, str]
) -> None:
    parent = _create(platform, ORG_A, {"resourceType": "Patient", "gender": "male"})
    _create(platform, ORG_A, _guardianship(parent, record["patient"]))
    events = _events(platform, "care-relation")
    assert len(events) == 1
    assert {f"Patient/{record['patient']}", f"Organization/{ORG_A}"} <= _references(events[0])


def test_a_staff_permit_whose_document_is_gone_opens_nothing(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    _create(platform, ORG_B, _encounter(record["patient"], ORG_B))
    signed = _document(platform, ORG_A, record["patient"])
    evidence = {"sourceReference": {"reference": f"DocumentReference/{signed}"}}
    _create(platform, ORG_A, _hiv_permit(record["patient"], ORG_B, **evidence))
    platform.service.delete(_system(ORG_A), "DocumentReference", signed)
    assert _status(anonymous, _clinician(platform, ORG_B), "Condition", record["Condition"]) == 403


def test_a_refusal_stored_by_staff_of_an_unrelated_institution_does_not_count(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    _create(platform, ORG_B, _encounter(record["patient"], ORG_B))
    refusal = {**_hiv_permit(record["patient"], ORG_B, sourceAttachment=SIGNED),
               "provision": {"type": "deny"}}  # fmt: skip
    _create(platform, ORG_A, refusal)
    with platform.db.write() as conn:  # as if C's staff had stored it round the write checks
        conn.execute(text("UPDATE resource SET owner_org = :org WHERE res_type = 'Consent'"),
                     {"org": ORG_C})  # fmt: skip
        conn.execute(text("UPDATE resource_version SET written_by = 'Practitioner/doctor-org-c', "
                          "written_as = 'clinician' WHERE res_type = 'Consent'"))  # fmt: skip
    assert (
        _status(anonymous, _clinician(platform, ORG_B), "Observation", record["Observation"]) == 200
    )


def test_registering_a_stranger_first_does_not_let_a_system_appoint_their_guardian(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    """Second review: B's system registered A's patient a moment before naming the guardian."""
    accomplice = _create(platform, ORG_B, {"resourceType": "Patient", "gender": "male"})
    his_b = bearer(token_for(platform, "institution-system", org=ORG_B, district=DISTRICT,
                             subject=f"system/his-{ORG_B}"))  # fmt: skip
    visit = {**_encounter(record["patient"], ORG_B), "status": "finished"}
    assert anonymous.post("/fhir/Encounter", json=visit, headers=his_b).status_code == 201
    written = anonymous.post(
        "/fhir/RelatedPerson", json=_guardianship(accomplice, record["patient"]), headers=his_b
    )
    assert written.status_code == 403, written.text
    resident = bearer(token_for(platform, "resident", patient=accomplice))
    assert _status(anonymous, resident, "Condition", record["Condition"]) == 403


def test_a_staff_permit_naming_a_colleague_is_audited_and_alerted(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    """Second review: a permit for `Practitioner/…` of the writer's own hospital went unseen."""
    _create(platform, ORG_B, _encounter(record["patient"], ORG_B))
    permit = _hiv_permit(record["patient"], ORG_B,
                         sourceAttachment={"contentType": "image/png", "data": PDF})  # fmt: skip
    permit["provision"]["actor"][0]["reference"] = {"reference": "Practitioner/colleague-b"}
    written = anonymous.post("/fhir/Consent", json=permit, headers=_clinician(platform, ORG_B))
    assert written.status_code == 201, written.text
    assert len(_events(platform, "consent-self")) == 1
    assert [a["kind"] for a in _admin_alerts(anonymous, platform, ORG_B)] == [
        "self-permitting-consent"
    ]


def test_a_media_type_is_read_however_it_is_written(
    anonymous: TestClient, platform: Platform, record: dict[str, str]
) -> None:
    _create(platform, ORG_B, _encounter(record["patient"], ORG_B))
    evidence = {"sourceAttachment": {"contentType": "Application/PDF; name=consent", "data": PDF}}
    written = anonymous.post("/fhir/Consent", json=_hiv_permit(record["patient"], ORG_B, **evidence),
                             headers=_clinician(platform, ORG_B))  # fmt: skip
    assert written.status_code == 201, written.text
