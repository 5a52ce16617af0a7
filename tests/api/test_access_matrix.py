"""The access matrix (issue 7): role × organisation × care relationship × Consent, for reads and
searches, against the expected outcomes in `MATRIX` — over HTTP, on both databases.

Six residents, one per (care relationship, Consent) case, each with an ordinary Observation
and an HIV diagnosis (ICD-10 B20, unlabelled: the write path labels it) recorded by
hospital A. Hospital B has an active Encounter with the "care: yes" residents. A caller of
each role works at A (`same`) or at B (`other`).
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
GLUCOSE = "http://loinc.org|2339-0"
HIV = "http://hl7.org/fhir/sid/icd-10|B20"

# role          org    care  consent  ordinary  hiv
MATRIX = """
clinician       same   no    none     yes       yes
clinician       same   no    deny     yes       yes
clinician       same   no    permit   yes       yes
clinician       same   yes   none     yes       yes
clinician       same   yes   deny     yes       yes
clinician       same   yes   permit   yes       yes
clinician       other  no    none     no        no
clinician       other  no    deny     no        no
clinician       other  no    permit   no        no
clinician       other  yes   none     yes       no
clinician       other  yes   deny     no        no
clinician       other  yes   permit   yes       yes
nurse           same   no    none     yes       no
nurse           same   no    deny     yes       no
nurse           same   no    permit   yes       no
nurse           same   yes   none     yes       no
nurse           same   yes   deny     yes       no
nurse           same   yes   permit   yes       no
nurse           other  no    none     no        no
nurse           other  no    deny     no        no
nurse           other  no    permit   no        no
nurse           other  yes   none     yes       no
nurse           other  yes   deny     no        no
nurse           other  yes   permit   yes       no
pharmacist      same   no    none     yes       yes
pharmacist      same   no    deny     yes       yes
pharmacist      same   no    permit   yes       yes
pharmacist      same   yes   none     yes       yes
pharmacist      same   yes   deny     yes       yes
pharmacist      same   yes   permit   yes       yes
pharmacist      other  no    none     no        no
pharmacist      other  no    deny     no        no
pharmacist      other  no    permit   no        no
pharmacist      other  yes   none     yes       no
pharmacist      other  yes   deny     no        no
pharmacist      other  yes   permit   yes       yes
institution-admin same no    none     no        no
institution-admin same yes   permit   no        no
institution-admin other yes  permit   no        no
platform-admin  same   yes   none     no        no
manager         same   yes   none     no        no
public-health-officer same no none    yes       yes
public-health-officer same yes deny   yes       yes
"""


def _rows() -> list[tuple[str, str, str, str, bool, bool]]:
    rows = []
    for line in MATRIX.strip().splitlines():
        role, org, care, consent, ordinary, hiv = line.split()
        rows.append((role, org, care, consent, ordinary == "yes", hiv == "yes"))
    return rows


CALLERS = sorted({(role, org) for role, org, *_ in _rows()})


def _system(org: str) -> AccessContext:
    return AccessContext(
        f"system/his-{org}", org, DISTRICT, frozenset({"institution-system"}),
        frozenset({"system/*.cruds"}),
    )  # fmt: skip


def _create(platform: Platform, org: str, resource: dict[str, Any]) -> str:
    return platform.service.create(_system(org), resource).resource.res_id


def _consent(patient: str, kind: str) -> dict[str, Any]:
    provision: dict[str, Any] = {"type": "deny"}
    if kind == "permit":
        provision = {
            "type": "permit",
            "securityLabel": [{"system": KANGTONG_SENSITIVITY, "code": "hiv"}],
        }
    return {
        "resourceType": "Consent",
        "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                              "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"reference": f"Patient/{patient}"},
        # Recorded by the hospital's system: the resident's signed decision is the evidence.
        "sourceAttachment": {"contentType": "application/pdf", "data": "JVBERi0xLjQK"},  # the PDF
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                                   "code": "OPTIN"}]},
        "provision": provision,
    }  # fmt: skip


def _record(platform: Platform, care: str, consent: str) -> dict[str, str]:
    """One resident of hospital A with the given care relationship (at B) and Consent."""
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
    if care == "yes":
        _create(platform, ORG_B, {
            "resourceType": "Encounter", "status": "in-progress", "subject": subject,
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "serviceProvider": {"reference": f"Organization/{ORG_B}"},
        })  # fmt: skip
    if consent != "none":
        _create(platform, ORG_A, _consent(patient, consent))
    return {"patient": patient, "observation": observation, "condition": condition}


@pytest.fixture
def records(platform: Platform) -> dict[tuple[str, str], dict[str, str]]:
    return {
        (care, consent): _record(platform, care, consent)
        for care in ("no", "yes")
        for consent in ("none", "deny", "permit")
    }


def _searched(client: TestClient, headers: dict[str, str], query: str) -> set[str] | None:
    response = client.get(f"/fhir/{query}&_total=accurate&_count=50", headers=headers)
    if response.status_code == 403:
        return None
    assert response.status_code == 200, response.text
    bundle = response.json()
    ids = {e["resource"]["id"] for e in bundle.get("entry", [])}
    assert bundle["total"] == len(ids), "the total counts only what the caller may see"
    return ids


@pytest.mark.parametrize(("role", "org"), CALLERS)
def test_access_matrix_for_reads_and_searches(
    client: TestClient,
    platform: Platform,
    records: dict[tuple[str, str], dict[str, str]],
    role: str,
    org: str,
) -> None:
    caller_org = ORG_A if org == "same" else ORG_B
    headers = bearer(token_for(platform, role, org=caller_org, district=DISTRICT,
                               fhir_user=f"Practitioner/{role}-{org}"))  # fmt: skip
    observations = _searched(client, headers, f"Observation?code={GLUCOSE}")
    conditions = _searched(client, headers, f"Condition?code={HIV}")
    mismatches = []
    for row_role, row_org, care, consent, ordinary, hiv in _rows():
        if (row_role, row_org) != (role, org):
            continue
        record = records[(care, consent)]
        for kind, expected, found in (
            ("Observation", ordinary, observations),
            ("Condition", hiv, conditions),
        ):
            res_id = record[kind.lower()]
            status = client.get(f"/fhir/{kind}/{res_id}", headers=headers).status_code
            if status != (200 if expected else 403):
                mismatches.append(f"read {kind} care={care} consent={consent}: {status}")
            if (found is not None and res_id in found) != expected:
                mismatches.append(f"search {kind} care={care} consent={consent}")
    assert not mismatches, mismatches


def test_public_health_sees_its_district_only(
    client: TestClient, platform: Platform, records: dict[tuple[str, str], dict[str, str]]
) -> None:
    elsewhere = bearer(token_for(platform, "public-health-officer", district="520103"))
    record = records[("no", "none")]
    assert (
        client.get(f"/fhir/Observation/{record['observation']}", headers=elsewhere).status_code
        == 403
    )
    assert _searched(client, elsewhere, f"Observation?code={GLUCOSE}") == set()


def test_a_resident_sees_their_own_record_and_no_one_elses(
    client: TestClient, platform: Platform, records: dict[tuple[str, str], dict[str, str]]
) -> None:
    mine, theirs = records[("no", "none")], records[("yes", "deny")]
    headers = bearer(token_for(platform, "resident", fhir_user=f"Patient/{mine['patient']}",
                               patient=mine["patient"]))  # fmt: skip
    for kind in ("observation", "condition"):
        res_type = kind.capitalize()
        assert client.get(f"/fhir/{res_type}/{mine[kind]}", headers=headers).status_code == 200
        assert client.get(f"/fhir/{res_type}/{theirs[kind]}", headers=headers).status_code == 403
    assert _searched(client, headers, f"Observation?code={GLUCOSE}") == {mine["observation"]}
    assert _searched(client, headers, "Patient?gender=female") == {mine["patient"]}


def test_includes_and_has_never_reach_hidden_resources(
    client: TestClient, platform: Platform, records: dict[tuple[str, str], dict[str, str]]
) -> None:
    nurse = bearer(token_for(platform, "nurse", org=ORG_A, district=DISTRICT))
    record = records[("no", "none")]
    bundle = client.get(
        f"/fhir/Patient?_id={record['patient']}&_revinclude=Condition:subject"
        "&_revinclude=Observation:subject",
        headers=nurse,
    ).json()
    found = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert found == {"Patient", "Observation"}  # the HIV diagnosis stays hidden
    probe = client.get(
        f"/fhir/Patient?_has:Condition:subject:code={HIV}&_total=accurate", headers=nurse
    ).json()
    assert probe["total"] == 0  # nor can its existence be probed through _has
