"""FHIR responses are not cached, not sniffed, HSTS over https, CORS only for listed origins.

Issue 13, finding 12. SMART apps running in a browser need CORS; it is off until an origin is
registered in `KANGTONG_CORS_ORIGINS`, and then open to exactly those origins.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from kangtong.core.config import Settings
from kangtong.platform import build_platform
from kangtong.store.database import Database
from kangtong.web.app import create_app
from kangtong.web.cors import SmartAppCors
from tests.api.conftest import token_for

UNFIXED = pytest.mark.xfail(strict=True, reason="issue 13 finding 12: no security headers, no CORS")
APP = "https://app.example"


def client_for(settings: Settings, database: Database, base: str) -> Iterator[TestClient]:
    platform = build_platform(settings, database=database)
    with TestClient(create_app(platform), base_url=base) as client:
        client.headers["content-type"] = "application/fhir+json"
        client.headers["authorization"] = f"Bearer {token_for(platform, 'system')}"
        yield client
    platform.events.stop()
    platform.security.audit_sink.close()


@pytest.fixture
def https(database_url: str, database: Database, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url,
        base_url="https://fhir.example/fhir",
        security_key_dir=str(tmp_path / "keys"),
        cors_origins=[APP],
    )
    yield from client_for(settings, database, "https://fhir.example")


@pytest.mark.parametrize(
    "path", ["/fhir/Patient", "/fhir/metadata", "/fhir/Patient/nope", "/healthz"]
)
def test_responses_are_neither_cached_nor_sniffed(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_refusals_carry_the_headers_too(anonymous: TestClient) -> None:
    response = anonymous.get("/fhir/Patient")
    assert response.status_code == 401
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_hsts_over_https_only(client: TestClient, https: TestClient) -> None:
    assert "strict-transport-security" not in client.get("/fhir/Patient").headers
    hsts = https.get("/fhir/Patient").headers["strict-transport-security"]
    assert hsts.startswith("max-age=") and int(hsts.split("=")[1].split(";")[0]) >= 31536000


def test_cors_is_off_by_default(client: TestClient) -> None:
    response = client.get("/fhir/Patient", headers={"origin": APP})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options(
        "/fhir/Patient", headers={"origin": APP, "access-control-request-method": "GET"}
    )
    assert "access-control-allow-origin" not in preflight.headers
    assert preflight.headers["x-content-type-options"] == "nosniff"


def test_a_registered_origin_gets_cors_and_its_preflight(https: TestClient) -> None:
    preflight = https.options(
        "/fhir/Patient",
        headers={
            "origin": APP,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type",
            "authorization": "",
        },
    )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] == APP
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    response = https.get("/fhir/Patient", headers={"origin": APP})
    assert response.headers["access-control-allow-origin"] == APP
    assert "origin" in response.headers["vary"].lower()


def test_an_unregistered_origin_gets_no_cors(https: TestClient) -> None:
    other = "https://evil.example"
    response = https.get("/fhir/Patient", headers={"origin": other})
    assert "access-control-allow-origin" not in response.headers
    preflight = https.options(
        "/fhir/Patient", headers={"origin": other, "access-control-request-method": "GET"}
    )
    assert "access-control-allow-origin" not in preflight.headers
    assert preflight.status_code == 403
    assert preflight.json()["resourceType"] == "OperationOutcome"


def test_a_wildcard_origin_is_refused_at_start() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("never called")

    with pytest.raises(ValueError, match="one by one"):
        SmartAppCors(app, ["*"])
