"""Every request is logged — method, path, parameter names, status, time — never a value."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

CITIZEN_ID = "110101199003070011"


def test_a_search_is_logged_without_its_values(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kangtong.access")
    query = f"identifier=urn:oid:2.16.156.10011.1.3|{CITIZEN_ID}&name=张伟&phone=13800138000"
    assert client.get(f"/fhir/Patient?{query}").status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "kangtong.access"]
    assert any(line.startswith("GET /fhir/Patient ?identifier,name,phone 200 ") for line in lines)
    logged = "\n".join(lines)
    for value in (CITIZEN_ID, "张伟", "%E5%BC%A0", "13800138000"):
        assert value not in logged


def test_refused_requests_are_logged_with_their_status(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kangtong.access")
    anonymous = TestClient(client.app, base_url="http://kangtong.test")
    assert anonymous.get("/fhir/Patient").status_code == 401
    lines = [r.getMessage() for r in caplog.records if r.name == "kangtong.access"]
    assert any(line.startswith("GET /fhir/Patient 401 ") for line in lines)
