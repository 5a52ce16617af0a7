"""Links and Location never name a host the client made up (issue 13, finding 11).

With `KANGTONG_BASE_URL` unset, kangtong builds its absolute URLs from the request's Host
header. Hosts outside the allow-list (`KANGTONG_ALLOWED_HOSTS`, by default the bind address,
127.0.0.1 and localhost) are refused with 400 before anything runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kangtong.core.config import Settings
from kangtong.platform import build_platform
from kangtong.store.database import Database
from kangtong.web.app import create_app
from kangtong.web.hosts import allowed_hosts, host_name
from tests.api.conftest import token_for

UNFIXED = pytest.mark.xfail(strict=True, reason="issue 13 finding 11: any Host header is trusted")
PATIENT = {"resourceType": "Patient", "gender": "female"}


def client_for(settings: Settings, database: Database) -> Iterator[TestClient]:
    platform = build_platform(settings, database=database)
    with TestClient(create_app(platform), base_url="http://127.0.0.1:8080") as client:
        client.headers["content-type"] = "application/fhir+json"
        client.headers["authorization"] = f"Bearer {token_for(platform, 'system')}"
        yield client
    platform.events.stop()
    platform.security.audit_sink.close()


@pytest.fixture
def unset_base(database_url: str, database: Database, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, security_key_dir=str(tmp_path / "keys"))
    yield from client_for(settings, database)


@pytest.fixture
def listed(database_url: str, database: Database, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url,
        security_key_dir=str(tmp_path / "keys"),
        allowed_hosts=["fhir.health.example.gov.cn"],
    )
    yield from client_for(settings, database)


def test_an_unlisted_host_cannot_become_the_location(unset_base: TestClient) -> None:
    response = unset_base.post("/fhir/Patient", json=PATIENT, headers={"host": "evil.example"})
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"
    assert "evil.example" not in response.headers.get("location", "")


def test_an_unlisted_host_cannot_enter_paging_links(unset_base: TestClient) -> None:
    for _ in range(2):
        unset_base.post("/fhir/Patient", json=PATIENT)
    response = unset_base.get("/fhir/Patient?_count=1", headers={"host": "evil.example:443"})
    assert response.status_code == 400
    assert "evil.example" not in response.text


def test_the_bind_address_and_localhost_are_accepted(unset_base: TestClient) -> None:
    created = unset_base.post("/fhir/Patient", json=PATIENT, headers={"host": "localhost:8080"})
    assert created.status_code == 201
    assert created.headers["location"].startswith("http://localhost:8080/fhir/Patient/")
    page = unset_base.get("/fhir/Patient?_count=1")  # Host: 127.0.0.1:8080
    assert page.status_code == 200
    links = [link["url"] for link in page.json()["link"]]
    assert links and all(url.startswith("http://127.0.0.1:8080/fhir/Patient") for url in links)
    assert unset_base.get("/fhir/metadata", headers={"host": "evil.example"}).status_code == 400


def test_a_configured_host_is_accepted_and_others_are_not(listed: TestClient) -> None:
    host = "fhir.health.example.gov.cn"
    created = listed.post("/fhir/Patient", json=PATIENT, headers={"host": host})
    assert created.headers["location"].startswith(f"http://{host}/fhir/Patient/")
    assert listed.get("/healthz", headers={"host": "evil.example"}).status_code == 400
    assert listed.get("/healthz", headers={"host": "localhost"}).status_code == 200


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("Example.ORG", "example.org"),
        ("example.org.:8443", "example.org"),
        ("[::1]:8080", "::1"),
        ("::1", "::1"),
        ("evil.example:443", "evil.example"),
    ],
)
def test_the_host_name_is_compared_without_port_case_or_final_dot(header: str, name: str) -> None:
    assert host_name(header) == name


def test_the_default_list_is_the_bind_address_loopback_and_the_base_url() -> None:
    settings = Settings(host="10.1.2.3", base_url="https://fhir.example.gov.cn/fhir")
    assert allowed_hosts(settings) == {
        "10.1.2.3",
        "127.0.0.1",
        "localhost",
        "::1",
        "fhir.example.gov.cn",
    }
