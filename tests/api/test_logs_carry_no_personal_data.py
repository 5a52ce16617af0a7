"""Whatever fails, no log line carries a citizen ID number, a name or a phone (issue 13, finding 9).

Exceptions are where personal data slips in: a driver error quotes its SQL parameters, a parser
error quotes the value it could not parse. Each test provokes one kind of failure with the
synthetic resident's data in the request and reads every line that would reach the log file.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from kangtong.core.ids.gb11643 import make_citizen_id
from kangtong.platform import Platform
from tests.log_lines import captured_lines, personal_data_in

CITIZEN_ID = make_citizen_id("110101", dt.date(1990, 3, 7), 777)
NAME = "李四"
PHONE = "13912345678"
UNFIXED = pytest.mark.xfail(strict=True, reason="issue 13 finding 9: exceptions are logged whole")


def assert_clean(lines: list[str]) -> None:
    leaks = [(line, personal_data_in(line)) for line in lines if personal_data_in(line)]
    assert not leaks
    logged = "\n".join(lines)
    for value in (CITIZEN_ID, NAME, PHONE):
        assert value not in logged


def test_a_driver_error_is_logged_without_its_sql_parameters(
    client: TestClient, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_search(*_args: object, **_kwargs: object) -> object:
        with platform.db.read() as conn:  # a defect: a statement the database refuses
            conn.execute(
                text("SELECT no_such_column FROM res WHERE res_id = :v"), {"v": CITIZEN_ID}
            )
        raise AssertionError("the statement above fails")

    monkeypatch.setattr(platform.service, "search", failing_search)
    with captured_lines() as log:
        response = client.get(f"/fhir/Patient?identifier={CITIZEN_ID}")
    assert response.status_code == 500
    assert any("ProgrammingError" in line or "OperationalError" in line for line in log.lines)
    assert_clean(log.lines)


def test_an_unexpected_error_quoting_the_request_is_logged_without_its_message(
    client: TestClient, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_search(*_args: object, **_kwargs: object) -> object:
        raise ValueError(f"invalid literal for int(): '_count={NAME}{CITIZEN_ID} {PHONE}'")

    monkeypatch.setattr(platform.service, "search", failing_search)
    with captured_lines() as log:
        assert client.get(f"/fhir/Patient?_count={NAME}").status_code == 500
    assert any("ValueError" in line for line in log.lines)
    assert_clean(log.lines)


@pytest.mark.parametrize(
    "query",
    [
        f"_count={NAME}{CITIZEN_ID}",
        f"birthdate={PHONE}",
        f"name:nosuchmodifier={NAME}",
        f"identifier:above={CITIZEN_ID}",
        f"telecom={PHONE}&_sort={NAME}",
        f"nosuchparameter={CITIZEN_ID}",
    ],
)
def test_refused_searches_log_no_value(client: TestClient, query: str) -> None:
    with captured_lines() as log:
        response = client.get(f"/fhir/Patient?{query}", headers={"prefer": "handling=strict"})
    assert 400 <= response.status_code < 500
    assert_clean(log.lines)


@pytest.mark.parametrize("token", [CITIZEN_ID, f"{NAME}.{PHONE}.x", f"eyJ{CITIZEN_ID}.e30.sig"])
def test_refused_tokens_log_no_value(anonymous: TestClient, token: str) -> None:
    with captured_lines() as log:
        response = anonymous.get(
            "/fhir/Patient", headers={"authorization": f"Bearer {token}".encode()}
        )
    assert response.status_code == 401
    assert_clean(log.lines)


def test_refused_logins_log_no_value(anonymous: TestClient) -> None:
    form = {"grant_type": "password", "username": CITIZEN_ID, "password": PHONE, "otp": NAME}
    del anonymous.headers["content-type"]  # a form, not FHIR JSON
    with captured_lines() as log:
        token = anonymous.post("/oauth2/token", data=form)
        page = anonymous.post("/login", data={"username": NAME, "password": CITIZEN_ID})
    assert token.status_code in (400, 401)
    assert page.status_code in (200, 400, 401, 403)
    assert_clean(log.lines)


def test_sql_logging_shows_no_parameter(
    platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # as an operator debugging SQL
    with captured_lines(logging.INFO) as log, platform.db.read() as conn:
        conn.execute(text("SELECT :v AS echoed"), {"v": CITIZEN_ID})
    assert any("SELECT" in line for line in log.lines)  # the engine logged the statement
    assert_clean(log.lines)


def test_a_batch_entry_that_fails_unexpectedly_is_logged_without_its_message(
    client: TestClient, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_entry(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError(f"row {CITIZEN_ID} {NAME} {PHONE}")

    monkeypatch.setattr(platform.bundles, "_batch_entry", failing_entry)
    batch = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [{"request": {"method": "GET", "url": "Patient/p1"}}],
    }
    with captured_lines() as log:
        response = client.post("/fhir", json=batch)
    assert response.status_code == 200
    assert response.json()["entry"][0]["response"]["status"].startswith("500")
    assert any("RuntimeError at " in line for line in log.lines)
    assert_clean(log.lines)
