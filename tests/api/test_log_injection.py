"""A client cannot split or forge a log line (issue 13, finding 10).

The request path is logged; a path may carry any character percent-encoded, including line
breaks. Every control character is written escaped, so one record is one line and no line
starts where an attacker chose.
"""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from tests.log_lines import captured_lines

FORGED = "2026-12-07 19:00:00,000 INFO kangtong.access: GET /fhir/Patient 200 1.0 ms"
UNFIXED = pytest.mark.xfail(
    strict=True, reason="issue 13 finding 10: control characters logged raw"
)


@pytest.mark.parametrize(
    "breaker", ["%0a", "%0d", "%0d%0a", "%0b", "%0c", "%1c", "%c2%85", "%e2%80%a8", "%e2%80%a9"]
)
def test_a_line_break_in_the_path_cannot_forge_a_line(anonymous: TestClient, breaker: str) -> None:
    with captured_lines(logging.INFO) as log:
        response = anonymous.get(f"/fhir/Patient/x{breaker}{FORGED}")
    assert response.status_code == 401
    access = [text for text in log.texts if " kangtong.access: " in text]
    assert len(access) == 1
    assert len(access[0].splitlines()) == 1
    assert not any(line.startswith(FORGED[:23]) for line in log.lines)


def test_terminal_escapes_and_direction_overrides_are_written_escaped(
    anonymous: TestClient,
) -> None:
    with captured_lines(logging.INFO) as log:
        anonymous.get("/fhir/Patient/x%1b[2K%1b[1Gok%e2%80%aereversed%00")
    (line,) = [text for text in log.texts if " kangtong.access: " in text]
    assert "\x1b" not in line and "\u202e" not in line and "\x00" not in line
    assert "\\x1b[2K" in line and "\\u202e" in line and "\\x00" in line


def test_any_logger_escapes_what_it_is_given(client: TestClient) -> None:
    # The app installs the escaping for every logger, not only the access log.
    with captured_lines(logging.INFO) as log:
        logging.getLogger("some.library").warning("value %s", f"a\n{FORGED}")
    assert log.lines == [log.texts[0]]
    assert log.texts[0].endswith(f"value a\\n{FORGED}")
