"""OWASP API Security style tests: broken authentication (forged, tampered, expired tokens),
broken function- and object-level authorisation (scope escalation, IDOR on ids), injection
through search parameters."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient

from kangtong.core.clock import FrozenClock
from kangtong.platform import Platform
from kangtong.security.keys import KeyFiles
from kangtong.security.tokens import AccessTokens, TokenClaims
from tests.api.conftest import bearer, token_for

HOSPITAL_A, HOSPITAL_B = "org-a", "org-b"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(data)).rstrip(b"=").decode()


def _claims(platform: Platform, token: str) -> dict[str, Any]:
    payload: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return payload


@pytest.fixture
def observation(platform: Platform, client: TestClient) -> dict[str, Any]:
    """An Observation that hospital A recorded about its patient."""
    writer = bearer(token_for(platform, "institution-system", org=HOSPITAL_A))
    patient = client.post("/fhir/Patient", json={"resourceType": "Patient"}, headers=writer)
    body = {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "laboratory"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "2339-0"}]},
        "subject": {"reference": f"Patient/{patient.json()['id']}"},
    }  # fmt: skip
    created = client.post("/fhir/Observation", json=body, headers=writer)
    assert created.status_code == 201
    result: dict[str, Any] = created.json()
    return result


# -- broken authentication -------------------------------------------------------------------
def test_a_token_with_an_edited_payload_is_refused(
    platform: Platform, anonymous: TestClient
) -> None:
    token = token_for(platform, "clinician", org=HOSPITAL_B)
    header, _payload, signature = token.split(".")
    raised = _claims(platform, token) | {"roles": ["system"], "scope": "system/*.cruds"}
    forged = f"{header}.{_b64(raised)}.{signature}"
    assert anonymous.get("/fhir/Patient", headers=bearer(forged)).status_code == 401


def test_a_token_signed_by_another_key_is_refused(
    platform: Platform, anonymous: TestClient
) -> None:
    claims = _claims(platform, token_for(platform, "clinician", org=HOSPITAL_B))
    stranger = ec.generate_private_key(ec.SECP256R1())
    forged = jwt.encode(claims | {"roles": ["system"]}, stranger, algorithm="ES256")
    assert anonymous.get("/fhir/Patient", headers=bearer(forged)).status_code == 401


def test_unsigned_and_algorithm_confused_tokens_are_refused(
    platform: Platform, anonymous: TestClient
) -> None:
    claims = _claims(platform, token_for(platform, "system"))
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    public_pem = (
        platform.security.keys.signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header = _b64({"alg": "HS256", "typ": "JWT"})
    import hashlib
    import hmac

    signing_input = f"{header}.{_b64(claims)}".encode()
    mac = hmac.new(public_pem, signing_input, hashlib.sha256).digest()
    confused = f"{signing_input.decode()}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    for token in (unsigned, confused):
        assert anonymous.get("/fhir/Patient", headers=bearer(token)).status_code == 401


def test_an_expired_token_is_refused(platform: Platform, anonymous: TestClient) -> None:
    an_hour_ago = FrozenClock(datetime.now(UTC) - timedelta(hours=1))
    old = AccessTokens(
        platform.security.keys, an_hour_ago, issuer=platform.security.issuer, ttl_seconds=900
    )
    token = old.issue(TokenClaims("cli/x", "tests", ("system/*.cruds",), ("system",))).token
    response = anonymous.get("/fhir/Patient", headers=bearer(token))
    assert response.status_code == 401
    assert "expired" in response.headers["www-authenticate"]


def test_a_token_for_another_audience_is_refused(
    platform: Platform, anonymous: TestClient, tmp_path: Path
) -> None:
    other = AccessTokens(
        platform.security.keys, FrozenClock(datetime.now(UTC)), issuer="https://elsewhere.example",
        ttl_seconds=900,
    )  # fmt: skip
    token = other.issue(TokenClaims("cli/x", "tests", ("system/*.cruds",), ("system",))).token
    assert anonymous.get("/fhir/Patient", headers=bearer(token)).status_code == 401
    stranger_keys = KeyFiles(tmp_path / "stranger")
    forged = AccessTokens(stranger_keys, FrozenClock(datetime.now(UTC)),
                          issuer=platform.security.issuer, ttl_seconds=900)  # fmt: skip
    token = forged.issue(TokenClaims("cli/x", "tests", ("system/*.cruds",), ("system",))).token
    assert anonymous.get("/fhir/Patient", headers=bearer(token)).status_code == 401


# -- broken function-level authorisation: scopes ------------------------------------------------
def test_a_read_only_scope_cannot_write(
    platform: Platform, anonymous: TestClient, observation: dict[str, Any]
) -> None:
    reader = bearer(token_for(platform, "clinician", org=HOSPITAL_A, scopes=["user/*.rs"]))
    assert (
        anonymous.get(f"/fhir/Observation/{observation['id']}", headers=reader).status_code == 200
    )
    changed = observation | {"status": "amended"}
    url = f"/fhir/Observation/{observation['id']}"
    assert anonymous.put(url, json=changed, headers=reader).status_code == 403
    assert anonymous.delete(url, headers=reader).status_code == 403
    assert anonymous.get(url, headers=reader).json()["status"] == "final"


def test_a_scope_for_one_type_reaches_no_other(
    platform: Platform, anonymous: TestClient, observation: dict[str, Any]
) -> None:
    narrow = bearer(token_for(platform, "clinician", org=HOSPITAL_A, scopes=["user/Patient.rs"]))
    assert (
        anonymous.get(f"/fhir/Observation/{observation['id']}", headers=narrow).status_code == 403
    )
    assert anonymous.get("/fhir/Observation", headers=narrow).status_code == 403
    revincluded = anonymous.get(
        "/fhir/Patient?_revinclude=Observation:subject", headers=narrow
    ).json()
    assert {e["resource"]["resourceType"] for e in revincluded["entry"]} == {"Patient"}


def test_a_granular_scope_narrows_searches_to_its_category(
    platform: Platform, anonymous: TestClient, observation: dict[str, Any]
) -> None:
    vitals = "user/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs"
    headers = bearer(token_for(platform, "clinician", org=HOSPITAL_A, scopes=[vitals]))
    found = anonymous.get("/fhir/Observation?_total=accurate", headers=headers).json()
    assert found["total"] == 0  # the laboratory result is outside the granted category
    assert (
        anonymous.get(f"/fhir/Observation/{observation['id']}", headers=headers).status_code == 403
    )


def test_roles_cannot_be_raised_by_requesting_scopes(
    platform: Platform, anonymous: TestClient, observation: dict[str, Any]
) -> None:
    admin = bearer(token_for(platform, "platform-admin", scopes=["system/*.cruds"]))
    assert anonymous.get(f"/fhir/Observation/{observation['id']}", headers=admin).status_code == 403
    assert anonymous.get("/fhir/Observation", headers=admin).status_code == 403


# -- broken object-level authorisation (IDOR) ---------------------------------------------------
def test_another_hospitals_record_is_closed_by_every_path_to_its_id(
    platform: Platform, anonymous: TestClient, observation: dict[str, Any]
) -> None:
    other = bearer(token_for(platform, "clinician", org=HOSPITAL_B, fhir_user="Practitioner/b"))
    res_id, patient = observation["id"], observation["subject"]["reference"]
    for path in (
        f"/fhir/Observation/{res_id}",
        f"/fhir/Observation/{res_id}/_history/1",
        f"/fhir/Observation/{res_id}/_history",
        f"/fhir/{patient}/$everything",
    ):
        assert anonymous.get(path, headers=other).status_code == 403, path
    for wider in ("/fhir/Observation/_history", "/fhir/_history"):  # filtered, not refused
        history = anonymous.get(wider, headers=other)
        assert history.status_code == 200, wider
        assert res_id not in history.text, wider
    found = anonymous.get(f"/fhir/Observation?_id={res_id}&_total=accurate", headers=other).json()
    assert found["total"] == 0
    batch = {"resourceType": "Bundle", "type": "batch",
             "entry": [{"request": {"method": "GET", "url": f"Observation/{res_id}"}}]}  # fmt: skip
    answered = anonymous.post("/fhir", json=batch, headers=other).json()
    assert answered["entry"][0]["response"]["status"].startswith("403")
    assert (
        "resource" not in answered["entry"][0]
        or answered["entry"][0]["resource"]["resourceType"] == "OperationOutcome"
    )


def test_another_hospitals_record_cannot_be_changed_or_deleted(
    platform: Platform, anonymous: TestClient, observation: dict[str, Any]
) -> None:
    other = bearer(token_for(platform, "institution-system", org=HOSPITAL_B))
    url = f"/fhir/Observation/{observation['id']}"
    assert (
        anonymous.put(url, json=observation | {"status": "cancelled"}, headers=other).status_code
        == 403
    )
    patch = anonymous.patch(
        url,
        content=b'[{"op": "replace", "path": "/status", "value": "cancelled"}]',
        headers=other | {"content-type": "application/json-patch+json"},
    )
    assert patch.status_code == 403
    assert anonymous.delete(url, headers=other).status_code == 403
    conditional = anonymous.delete(f"/fhir/Observation?_id={observation['id']}", headers=other)
    assert conditional.status_code in (204, 200)  # matches nothing it may see: deletes nothing
    owner = bearer(token_for(platform, "institution-system", org=HOSPITAL_A))
    assert anonymous.get(url, headers=owner).json()["status"] == "final"


# -- injection -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query",
    [
        "Observation?subject=Patient/x' OR '1'='1",
        "Observation?_id=1' OR 1=1 --",
        "Observation?code=%27%3B%20DROP%20TABLE%20resource%3B--",
        "Patient?name=%25",
        "Patient?name:contains=%25%27",
        "Observation?_sort=pk;DROP TABLE resource",
        "Observation?subject:Patient.name='%20OR%201=1--",
        "Patient?_has:Observation:subject:code=x' OR 1=1--",
    ],
)
def test_injection_in_search_parameters_reveals_nothing(
    platform: Platform, anonymous: TestClient, observation: dict[str, Any], query: str
) -> None:
    other = bearer(token_for(platform, "clinician", org=HOSPITAL_B))
    response = anonymous.get(f"/fhir/{query}", headers=other)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json().get("entry", []) == []
    owner = bearer(token_for(platform, "institution-system", org=HOSPITAL_A))
    assert anonymous.get(f"/fhir/Observation/{observation['id']}", headers=owner).status_code == 200
