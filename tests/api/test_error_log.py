"""An unforeseen error is logged as documented: its type, where, and the request (issue 13).

`web/errors.py` promised "the type only" and logged the traceback and message. The line now
says which exception, in which function of kangtong, and the request id that the client also
received (`X-Request-Id`), so an operator can find the request without any of its values.
"""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from kangtong.platform import Platform
from tests.log_lines import captured_lines

UNFIXED = pytest.mark.xfail(
    strict=True, reason="issue 13: web/errors.py logs traceback and message"
)


def test_an_unexpected_error_is_one_line_with_type_location_and_request_id(
    client: TestClient, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_read(*_args: object, **_kwargs: object) -> object:
        raise KeyError("secret value 13912345678")

    monkeypatch.setattr(platform.service, "read", failing_read)
    with captured_lines(logging.INFO) as log:
        response = client.get("/fhir/Patient/abc")
    assert response.status_code == 500
    request_id = response.headers["x-request-id"]
    assert request_id in response.json()["issue"][0]["diagnostics"]
    (error,) = [text for text in log.texts if " kangtong.web: " in text]
    assert "\n" not in error
    assert "KeyError" in error
    assert "kangtong/web/fhir_routes.py:" in error  # where in kangtong it surfaced
    assert request_id in error
    assert "secret value" not in error and "Traceback" not in error


def test_the_access_log_names_the_request_id(client: TestClient) -> None:
    with captured_lines(logging.INFO) as log:
        response = client.get("/fhir/Patient")
    (line,) = [text for text in log.texts if " kangtong.access: " in text]
    assert response.headers["x-request-id"] in line
