"""`GET /metrics`: Prometheus text for operators — requests by route template, writes, backlogs —
closed to the world by default and free of ids and query values."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from kangtong.core.config import Settings
from kangtong.platform import Platform, build_platform
from kangtong.security.clients import NewClient
from kangtong.store.database import Database, open_database
from kangtong.store.mpi_curation import MpiCurationStore, ReviewRow
from kangtong.web.app import create_app
from tests.api.conftest import bearer, token_for
from tests.api.fixtures import patient

CITIZEN_ID = "11010119900307001X"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient) -> Samples:
    """Every sample of /metrics, keyed by name and labels (the pid label left out)."""
    response = client.get(
        "/metrics", headers=bearer(token_for(client.app.state.platform, "system"))
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return {
        (s.name, frozenset((k, v) for k, v in s.labels.items() if k != "pid")): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def sample(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


# -- access -------------------------------------------------------------------------------
def test_metrics_need_a_token(anonymous: TestClient) -> None:
    assert anonymous.get("/metrics").status_code == 401


@pytest.mark.parametrize("role", ["platform-admin", "system"])
def test_the_platform_roles_read_the_metrics(
    anonymous: TestClient, platform: Platform, role: str
) -> None:
    response = anonymous.get("/metrics", headers=bearer(token_for(platform, role)))
    assert response.status_code == 200
    assert "kangtong_http_requests_total" in response.text


@pytest.mark.parametrize("role", ["clinician", "auditor", "institution-admin", "resident"])
def test_other_roles_are_refused(anonymous: TestClient, platform: Platform, role: str) -> None:
    response = anonymous.get("/metrics", headers=bearer(token_for(platform, role, org="org1")))
    assert response.status_code == 403
    assert response.json()["resourceType"] == "OperationOutcome"


@pytest.fixture
def scraper_platform(settings: Settings, database: Database) -> Iterator[Platform]:
    allowed = settings.model_copy(update={"metrics_allow_ips": ["10.0.8.0/24", "127.0.0.1"]})
    built = build_platform(allowed, database=database)
    yield built
    built.close()


@pytest.mark.parametrize(("address", "status"), [("10.0.8.7", 200), ("10.0.9.7", 401)])
def test_a_listed_scraper_address_needs_no_token(
    scraper_platform: Platform, address: str, status: int
) -> None:
    app = create_app(scraper_platform)
    with TestClient(app, base_url="http://kangtong.test", client=(address, 40000)) as scraper:
        assert scraper.get("/metrics").status_code == status
        # The listing opens /metrics only, nothing else.
        assert scraper.get("/fhir/Patient").status_code == 401


# -- requests -----------------------------------------------------------------------------
def test_a_request_is_counted_by_route_template_and_status(client: TestClient) -> None:
    created = client.post("/fhir/Patient", json=patient(citizen_id=CITIZEN_ID))
    patient_id = created.json()["id"]
    assert client.get(f"/fhir/Patient/{patient_id}").status_code == 200
    assert client.get("/fhir/Patient/no-such-patient").status_code == 404
    assert client.get(f"/fhir/Patient?identifier={CITIZEN_ID}&name=王伟").status_code == 200
    samples = scrape(client)
    read = {"method": "GET", "route": "/fhir/{res_type}/{res_id}"}
    assert sample(samples, "kangtong_http_requests_total", **read, status="200") == 1
    assert sample(samples, "kangtong_http_requests_total", **read, status="404") == 1
    assert sample(samples, "kangtong_http_request_duration_seconds_count", **read) == 2
    search = {"method": "GET", "route": "/fhir/{res_type}", "status": "200"}
    assert sample(samples, "kangtong_http_requests_total", **search) == 1
    create = {"method": "POST", "route": "/fhir/{res_type}", "status": "201"}
    assert sample(samples, "kangtong_http_requests_total", **create) == 1


def test_no_id_or_query_value_becomes_a_label(client: TestClient) -> None:
    patient_id = client.post("/fhir/Patient", json=patient(citizen_id=CITIZEN_ID)).json()["id"]
    client.get(f"/fhir/Patient/{patient_id}")
    client.get(f"/fhir/Patient?identifier={CITIZEN_ID}&name=王伟&phone=13800138000")
    client.get(f"/nothing/here/{CITIZEN_ID}")
    text = client.get("/metrics").text
    for value in (patient_id, CITIZEN_ID, "王伟", "13800138000", "/nothing"):
        assert value not in text
    assert 'route="unmatched"' in text


def without_token(client: TestClient) -> TestClient:
    """A client of the same app (so the same metrics) that sends no token."""
    return TestClient(client.app, base_url="http://kangtong.test")


def test_a_refused_request_is_counted_under_the_route_it_asked_for(client: TestClient) -> None:
    assert without_token(client).get("/fhir/Patient/p1").status_code == 401
    samples = scrape(client)
    labels = {"method": "GET", "route": "/fhir/{res_type}/{res_id}", "status": "401"}
    assert sample(samples, "kangtong_http_requests_total", **labels) == 1


def test_a_method_no_route_knows_is_one_label(client: TestClient) -> None:
    client.request("BREW", "/healthz")
    client.request("FROBNICATE", "/healthz")
    samples = scrape(client)
    assert sample(samples, "kangtong_http_requests_total", method="other", route="/healthz",
                  status="405") == 2  # fmt: skip


def test_each_app_counts_its_own_requests(platform: Platform) -> None:
    with TestClient(create_app(platform), base_url="http://kangtong.test") as first:
        first.get("/healthz")
        first.get("/healthz")
    with TestClient(create_app(platform), base_url="http://kangtong.test") as second:
        second.get("/healthz")
        samples = scrape(second)
    labels = {"method": "GET", "route": "/healthz", "status": "200"}
    assert sample(samples, "kangtong_http_requests_total", **labels) == 1


# -- writes and backlogs ------------------------------------------------------------------
def test_resource_writes_are_counted_by_type_and_interaction(client: TestClient) -> None:
    patient_id = client.post("/fhir/Patient", json=patient()).json()["id"]
    client.put(f"/fhir/Patient/{patient_id}", json={**patient(), "id": patient_id})
    client.delete(f"/fhir/Patient/{patient_id}")
    assert client.post(
        "/fhir/Patient", json={"resourceType": "Patient", "gender": 7}
    ).status_code in (400, 422)
    samples = scrape(client)
    for interaction in ("created", "updated", "deleted"):
        assert sample(samples, "kangtong_resource_writes_total", resource_type="Patient",
                      interaction=interaction) == 1  # fmt: skip


def test_outbox_lag_grows_while_delivery_is_stopped_and_falls_after_it(
    client: TestClient, platform: Platform
) -> None:
    platform.events.stop()  # as if the dispatcher had stalled
    unidentified = {k: v for k, v in patient().items() if k != "identifier"}
    for _ in range(3):
        assert client.post("/fhir/Patient", json=unidentified).status_code == 201
    client.post("/fhir/Organization", json={"resourceType": "Organization", "name": "卫生院"})
    samples = scrape(client)
    subscriber = "mpi-link-on-ingest"
    assert sample(samples, "kangtong_outbox_lag_events", subscriber=subscriber) == 4
    assert sample(samples, "kangtong_outbox_oldest_pending_age_seconds", subscriber=subscriber) > 0
    assert sample(samples, "kangtong_mpi_queue_length", queue="link") == 3  # Patients only
    assert sample(samples, "kangtong_database_up") == 1
    platform.events.drain()
    samples = scrape(client)
    assert sample(samples, "kangtong_outbox_lag_events", subscriber=subscriber) == 0
    assert sample(samples, "kangtong_outbox_oldest_pending_age_seconds", subscriber=subscriber) == 0
    assert sample(samples, "kangtong_mpi_queue_length", queue="link") == 0


def test_open_reviews_are_the_review_queue(client: TestClient, platform: Platform) -> None:
    store = MpiCurationStore()
    with platform.db.write() as conn:
        for n, status in enumerate(("open", "open", "accepted")):
            store.add_review(conn, ReviewRow(f"r{n}", f"p{n}", "person1", 9.0, "", status, n))
    assert sample(scrape(client), "kangtong_mpi_queue_length", queue="review") == 2


def test_a_database_that_does_not_answer_is_reported_not_failed(
    client: TestClient, platform: Platform
) -> None:
    answering = platform.db
    platform.db = open_database("postgresql+psycopg://kangtong@127.0.0.1:1/nowhere")
    try:
        samples = scrape(client)
    finally:
        platform.db.dispose()
        platform.db = answering
    assert sample(samples, "kangtong_database_up") == 0


def test_a_scraper_client_reads_the_metrics_with_a_client_credentials_token(
    platform: Platform, anonymous: TestClient
) -> None:
    # As Prometheus' `oauth2` scrape setting does: client credentials, then the bearer token.
    secret = platform.security.clients.register(
        NewClient("prometheus", "org-platform", "Prometheus", "client_secret_basic",
                  ("system/Organization.rs",), ("platform-admin",))
    )  # fmt: skip
    assert secret is not None
    raw = base64.b64encode(f"prometheus:{secret}".encode()).decode()
    token = anonymous.post(
        "/oauth2/token",
        content="grant_type=client_credentials&scope=system/Organization.rs",
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "authorization": f"Basic {raw}",
        },
    ).json()["access_token"]
    assert anonymous.get("/metrics", headers=bearer(token)).status_code == 200
