"""Every failure is an OperationOutcome from one mapper, whichever layer it comes from."""

from __future__ import annotations

import orjson
import pytest
from fastapi.testclient import TestClient

from kangtong.core.errors import Unavailable
from kangtong.platform import Platform
from kangtong.security.tokens import TokenClaims
from kangtong.web.app import create_app
from tests.api.conftest import bearer, token_for
from tests.api.fixtures import glucose


def test_a_database_lost_during_authentication_is_503(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(_token: str) -> TokenClaims:
        raise Unavailable("The database is unavailable; try again later")

    token = token_for(platform, "system")
    monkeypatch.setattr(platform.security.tokens, "verify", unreachable)
    with TestClient(create_app(platform), base_url="http://kangtong.test") as client:
        response = client.get("/fhir/Patient", headers=bearer(token))
    assert response.status_code == 503
    assert response.json()["issue"][0]["code"] == "transient"


def test_a_defect_is_a_500_outcome_that_does_not_echo_its_message(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("王伟 110101199003070011")

    monkeypatch.setattr(platform.service, "search", broken)
    app = create_app(platform)
    with TestClient(app, base_url="http://kangtong.test", raise_server_exceptions=False) as client:
        response = client.get("/fhir/Patient", headers=bearer(token_for(platform, "system")))
    assert response.status_code == 500
    request_id = response.headers["x-request-id"]  # the operator finds the log line by it
    assert response.json()["issue"] == [
        {
            "severity": "error",
            "code": "exception",
            "diagnostics": f"Internal server error (request {request_id})",
        }
    ]
    assert "110101199003070011" not in response.text


def test_a_decimal_beyond_64_bits_is_stored_exactly_as_written(client: TestClient) -> None:
    text = orjson.dumps(glucose("Patient/p1", 1.25)).replace(b"1.25", b"99999999999999999999")
    created = client.post("/fhir/Observation", content=text)
    assert created.status_code == 201, created.text
    stored = client.get(f"/fhir/Observation/{created.json()['id']}")
    assert b'"value":99999999999999999999' in stored.content
    found = client.get("/fhir/Observation?value-quantity=gt9e19").json()
    assert found["total"] == 1
