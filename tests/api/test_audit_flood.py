"""One client cannot flood the audit trail (issue 13 finding 7): refusals beyond the limit are
answered 429 with Retry-After and recorded as one aggregated event, across worker processes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from kangtong.core.config import Settings
from kangtong.platform import Platform, build_platform
from kangtong.store.audit_log import AuditLogStore
from kangtong.store.database import Database
from kangtong.web.app import create_app
from tests.api.conftest import bearer, token_for

LIMIT = 5
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        base_url="http://kangtong.test/fhir",
        security_key_dir=str(tmp_path / "keys"),
        refusal_limit_per_window=LIMIT,
        refusal_window_seconds=600,  # the test never straddles a window
        lockout_threshold=1000,
    )


def _events(platform: Platform) -> list[tuple[str, dict[str, Any]]]:
    assert platform.security.audit_sink.writer.flush()
    with platform.db.read() as conn:
        return [(r.action, orjson.loads(r.event)) for r in AuditLogStore().rows(conn)]


def _details(event: dict[str, Any]) -> dict[str, str]:
    return {d["type"]: d["valueString"] for e in event["entity"] for d in e.get("detail", [])}


def _bad(n: int) -> dict[str, str]:
    return {"Authorization": f"Bearer forged.{n}.x"}


def test_a_flood_of_bad_tokens_is_answered_429_and_audited_as_one_event(
    platform: Platform, anonymous: TestClient
) -> None:
    responses = [anonymous.get("/fhir/Patient", headers=_bad(n)) for n in range(200)]
    statuses = [r.status_code for r in responses]
    assert statuses[:LIMIT] == [401] * LIMIT and set(statuses[LIMIT:]) == {429}
    assert 0 < int(responses[-1].headers["Retry-After"]) <= 600
    assert responses[-1].json()["issue"][0]["code"] == "throttled"
    platform.security.refusal_limits.close()  # shutdown (or the window's end) reports it
    events = _events(platform)
    assert sum(1 for action, _ in events if action == "login") == LIMIT
    [flood] = [e for action, e in events if action == "refusal-flood"]
    details = _details(flood)
    assert details["refusal-kind"] == "bad-token" and details["client-address"] == "testclient"
    assert details["refused-in-window"] == "200" and details["answered-429-here"] == "194"
    assert details["window-start"] < details["window-end"]
    assert platform.security.audit.verify().intact


def test_a_valid_token_from_the_flooding_address_still_works(
    platform: Platform, anonymous: TestClient
) -> None:
    for n in range(LIMIT + 3):
        anonymous.get("/fhir/Patient", headers=_bad(n))
    good = bearer(token_for(platform, "institution-system", org="org-a"))
    assert anonymous.get("/fhir/Patient", headers=good).status_code == 200


@pytest.fixture
def second_process(settings: Settings, database: Database) -> Iterator[TestClient]:
    """Another worker process: a platform of its own over the same database and key folder."""
    other = build_platform(settings, database=database)
    with TestClient(create_app(other), base_url="http://kangtong.test") as client:
        yield client
    other.events.stop()
    other.security.audit_sink.close()


def test_the_limit_holds_across_worker_processes(
    platform: Platform, anonymous: TestClient, second_process: TestClient
) -> None:
    for n in range(LIMIT):
        assert anonymous.get("/fhir/Patient", headers=_bad(n)).status_code == 401
    assert second_process.get("/fhir/Patient", headers=_bad(99)).status_code == 429
    assert anonymous.get("/fhir/Patient", headers=_bad(100)).status_code == 429


def test_failed_logins_beyond_the_limit_get_429_before_any_password_check(
    platform: Platform, anonymous: TestClient
) -> None:
    form = "grant_type=password&client_id=nobody&client_secret=x&username=u&password=p"
    statuses = []
    for _ in range(LIMIT + 4):
        statuses.append(anonymous.post("/oauth2/token", content=form, headers=FORM).status_code)
    assert statuses[:LIMIT] == [401] * LIMIT and set(statuses[LIMIT:]) == {429}
    refused_logins = [e for action, e in _events(platform) if action == "login"]
    assert len(refused_logins) <= LIMIT


def test_a_principal_refused_again_and_again_is_throttled(
    platform: Platform, anonymous: TestClient
) -> None:
    nurse = bearer(token_for(platform, "nurse", org="org-a", fhir_user="Practitioner/n1"))
    body = {"resourceType": "Condition", "subject": {"reference": "Patient/x"}}
    statuses = [
        anonymous.post("/fhir/Condition", json=body, headers=nurse).status_code
        for _ in range(LIMIT + 5)
    ]
    assert statuses[: LIMIT + 1] == [403] * (LIMIT + 1) and set(statuses[LIMIT + 1 :]) == {429}
    denials = [e for action, e in _events(platform) if action == "create"]
    assert len(denials) == LIMIT


def test_failed_logins_at_the_web_page_are_limited_too(platform: Platform) -> None:
    statuses = []
    with TestClient(create_app(platform), base_url="http://kangtong.test") as browser:
        for _ in range(LIMIT + 3):
            token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text)
            assert token is not None
            form = {"csrf_token": token.group(1), "username": "nobody", "password": "guess"}
            response = browser.post("/login", data=form, follow_redirects=False)
            statuses.append(response.status_code)
    assert statuses[:LIMIT] == [401] * LIMIT and set(statuses[LIMIT:]) == {429}
    assert int(response.headers["Retry-After"]) > 0


def test_refused_break_glass_requests_count_towards_the_limit_too(
    platform: Platform, anonymous: TestClient
) -> None:
    """A resident may never break the glass: asking again and again is a flood like any other."""
    system = bearer(token_for(platform, "institution-system", org="org-a"))
    patient = anonymous.post("/fhir/Patient", json={"resourceType": "Patient"}, headers=system)
    resident = bearer(token_for(platform, "resident", fhir_user="Patient/r1"))
    body = {
        "patient": f"Patient/{patient.json()['id']}",
        "reason": "昏迷患者急诊抢救，需查看既往史",
        "minutes": 60,
    }
    statuses = [
        anonymous.post("/security/break-glass", json=body, headers=resident).status_code
        for _ in range(LIMIT + 5)
    ]
    assert statuses[: LIMIT + 1] == [403] * (LIMIT + 1) and set(statuses[LIMIT + 1 :]) == {429}
    refusals = [e for action, e in _events(platform) if action == "break-glass"]
    assert len(refusals) == LIMIT
