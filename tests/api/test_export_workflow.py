"""De-identified export over HTTP: request → approval by another person → one download."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from kangtong.core.errors import Invalid
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.security.export.signature import verify_export
from kangtong.security.tokens import TokenClaims
from kangtong.store.audit_log import AuditLogStore

SYSTEM = AccessContext("system/test", district="520103", roles=frozenset({"system"}))
CITIZEN_ID = "urn:oid:2.16.156.10011.1.3"
DISTRICT = "https://kangtong.example/fhir/StructureDefinition/gb2260-district"
PURPOSE = "高血压患病率研究（区卫健委课题 2026-07）"


def bearer(platform: Platform, who: str, role: str) -> dict[str, str]:
    claims = TokenClaims(subject=who, client_id="test", scopes=("user/*.rs",), roles=(role,),
                         fhir_user=who, district="520103")  # fmt: skip
    return {"Authorization": f"Bearer {platform.security.tokens.issue(claims).token}"}


def add_patient(platform: Platform, n: int, district: str) -> str:
    resource = {
        "resourceType": "Patient",
        "identifier": [{"system": CITIZEN_ID, "value": f"5201031980010{n:04d}"[:17] + "X"}],
        "name": [{"family": "王", "given": [f"测试{n}"]}],
        "telecom": [{"system": "phone", "value": f"1380000{n:04d}"}],
        "gender": "female",
        "birthDate": f"198{n % 5}-0{1 + n % 9}-15",
        "address": [{"line": [f"中华北路{n}号"], "district": "某区",
                     "extension": [{"url": DISTRICT, "valueCode": district}]}],
    }  # fmt: skip
    created = platform.service.create(SYSTEM, resource).resource
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}], "text": "收缩压"},
        "subject": {"reference": f"Patient/{created.res_id}"},
        "effectiveDateTime": "2026-03-01T08:30:00+08:00",
        "valueQuantity": {"value": 150, "unit": "mm[Hg]"},
    }
    platform.service.create(SYSTEM, observation)
    return created.res_id


@pytest.fixture
def region(platform: Platform) -> list[str]:
    """Six women born 1980–84 in 520103 (one class) and two in 520102 (a small cell)."""
    return [add_patient(platform, n, "520103") for n in range(6)] + [
        add_patient(platform, n, "520102") for n in range(6, 8)
    ]


def ask(client: TestClient, headers: dict[str, str], **body: Any) -> Any:
    payload = {"query": "Patient?_revinclude=Observation:subject", "purpose": PURPOSE} | body
    return client.post("/export/requests", content=orjson.dumps(payload), headers=headers)


def test_the_whole_workflow_releases_deidentified_ndjson_once(
    platform: Platform, client: TestClient, region: list[str]
) -> None:
    officer = bearer(platform, "Practitioner/ph-1", "public-health-officer")
    manager = bearer(platform, "Practitioner/mgr-1", "manager")
    asked = ask(client, officer, birth="band5")
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    approved = client.post(f"/export/requests/{request_id}/approve", headers=manager)
    assert approved.status_code == 200, approved.text
    token = approved.json()["download_token"]
    url = f"/export/requests/{request_id}/download"
    first = client.get(url, headers=officer | {"X-Export-Token": token})
    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("application/fhir+ndjson")
    lines = [orjson.loads(line) for line in first.content.splitlines()]
    patients = [r for r in lines if r["resourceType"] == "Patient"]
    observations = [r for r in lines if r["resourceType"] == "Observation"]
    assert len(patients) == 6 and len(observations) == 6  # the 520102 pair is withheld
    assert first.headers["X-Kangtong-Withheld"] == "4"
    text = first.text
    for original_id in region:
        assert original_id not in text
    assert "王" not in text and "1380000" not in text and "中华北路" not in text
    assert {p["birthDate"] for p in patients} == {"1980"}
    assert {o["effectiveDateTime"] for o in observations} == {"2026-03"}
    assert {o["subject"]["reference"] for o in observations} == {
        f"Patient/{p['id']}" for p in patients
    }
    again = client.get(url, headers=officer | {"X-Export-Token": token})
    assert again.status_code == 410
    shown = client.get(f"/export/requests/{request_id}", headers=officer).json()
    assert (shown["status"], shown["exported"], shown["withheld"]) == ("downloaded", 12, 4)


def test_the_download_carries_the_platforms_sm2_signature_of_its_manifest(
    platform: Platform, client: TestClient, region: list[str]
) -> None:
    officer = bearer(platform, "Practitioner/ph-1", "public-health-officer")
    manager = bearer(platform, "Practitioner/mgr-1", "manager")
    request_id = ask(client, officer).json()["id"]
    token = client.post(f"/export/requests/{request_id}/approve", headers=manager).json()
    url = f"/export/requests/{request_id}/download"
    got = client.get(url, headers=officer | {"X-Export-Token": token["download_token"]})
    signature = base64.urlsafe_b64decode(got.headers["X-Kangtong-Signature"])
    public = platform.security.keys.sm2_keys().public_hex
    assert verify_export(got.content, signature, public)["request"] == request_id
    with pytest.raises(Invalid, match="checksum"):
        verify_export(got.content + b"\n", signature, public)


def export(
    client: TestClient, officer: dict[str, str], manager: dict[str, str], **body: Any
) -> Any:
    request_id = ask(client, officer, **body).json()["id"]
    approved = client.post(f"/export/requests/{request_id}/approve", headers=manager)
    token = approved.json()["download_token"]
    url = f"/export/requests/{request_id}/download"
    return client.get(url, headers=officer | {"X-Export-Token": token})


def test_k_and_the_birth_generalisation_decide_what_is_a_small_cell(
    platform: Platform, client: TestClient, region: list[str]
) -> None:
    officer = bearer(platform, "Practitioner/ph-1", "public-health-officer")
    manager = bearer(platform, "Practitioner/mgr-1", "manager")
    banded = export(client, officer, manager, query="Patient", k=2, birth="band5")
    assert len(banded.content.splitlines()) == 8  # classes of 6 and 2 people
    assert banded.headers["X-Kangtong-Withheld"] == "0"
    by_year = export(client, officer, manager, query="Patient", k=2)
    assert len(by_year.content.splitlines()) == 2  # only 1980 in 520103 has two people
    assert by_year.headers["X-Kangtong-Withheld"] == "6"


def test_nobody_approves_their_own_request(platform: Platform, client: TestClient) -> None:
    manager = bearer(platform, "Practitioner/mgr-1", "manager")
    request_id = ask(client, manager).json()["id"]
    refused = client.post(f"/export/requests/{request_id}/approve", headers=manager)
    assert refused.status_code == 403
    assert refused.json()["resourceType"] == "OperationOutcome"


def test_only_an_approver_role_approves(platform: Platform, client: TestClient) -> None:
    officer = bearer(platform, "Practitioner/ph-1", "public-health-officer")
    colleague = bearer(platform, "Practitioner/ph-2", "public-health-officer")
    request_id = ask(client, officer).json()["id"]
    assert (
        client.post(f"/export/requests/{request_id}/approve", headers=colleague).status_code == 403
    )


def test_downloads_need_approval_the_requester_and_the_right_token(
    platform: Platform, client: TestClient
) -> None:
    officer = bearer(platform, "Practitioner/ph-1", "public-health-officer")
    manager = bearer(platform, "Practitioner/mgr-1", "manager")
    request_id = ask(client, officer).json()["id"]
    url = f"/export/requests/{request_id}/download"
    assert client.get(url, headers=officer | {"X-Export-Token": "x"}).status_code == 403
    token = client.post(f"/export/requests/{request_id}/approve", headers=manager).json()[
        "download_token"
    ]
    assert client.get(url, headers=manager | {"X-Export-Token": token}).status_code == 403
    assert client.get(url, headers=officer | {"X-Export-Token": token + "x"}).status_code == 410
    assert client.get(url, headers=officer | {"X-Export-Token": token}).status_code == 200


def test_requests_need_a_bearer_token_a_role_and_a_purpose(
    platform: Platform, client: TestClient
) -> None:
    assert ask(client, {"Authorization": ""}).status_code == 401
    assert ask(client, {"Authorization": "Bearer not-a-token"}).status_code == 401
    resident = bearer(platform, "Patient/p-1", "resident")
    assert ask(client, resident).status_code == 403
    officer = bearer(platform, "Practitioner/ph-1", "public-health-officer")
    assert ask(client, officer, purpose="研究").status_code == 400
    assert ask(client, officer, query="not a query").status_code == 400
    assert ask(client, officer, k=1).status_code == 400


def test_every_step_is_in_the_audit_chain_without_the_query(
    platform: Platform, client: TestClient, region: list[str]
) -> None:
    officer = bearer(platform, "Practitioner/ph-1", "public-health-officer")
    manager = bearer(platform, "Practitioner/mgr-1", "manager")
    request_id = ask(client, officer, query="Patient?family=王").json()["id"]
    client.post(f"/export/requests/{request_id}/approve", headers=officer)  # refused
    token = client.post(f"/export/requests/{request_id}/approve", headers=manager).json()[
        "download_token"
    ]
    url = f"/export/requests/{request_id}/download"
    client.get(url, headers=officer | {"X-Export-Token": token})
    client.get(url, headers=officer | {"X-Export-Token": token})  # refused: used
    with platform.db.read() as conn:
        rows = [r for r in AuditLogStore().rows(conn) if r.action == "export"]
    steps = []
    for row in rows:
        event = orjson.loads(row.event)
        assert event["type"]["code"] == "110106"
        details = {
            d["type"]: d["valueString"] for e in event["entity"] for d in e.get("detail", [])
        }
        assert details["export-request"] == request_id
        steps.append((details["export-step"], row.outcome))
        assert "王" not in row.event.decode("utf-8")
    assert steps == [
        ("request", "success"),
        ("approve", "denied"),
        ("approve", "success"),
        ("download", "success"),
        ("download", "denied"),
    ]
    assert platform.security.audit.verify().broken is None
