"""Log records carry no exception message and no raw control character (ADR 0025)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from kangtong.core.ids.gb11643 import make_citizen_id
from kangtong.core.log_safety import (
    escape_controls,
    exception_summary,
    install_safe_logging,
    make_safe,
)
from tests.log_lines import captured_lines, personal_data_in

CITIZEN_ID = make_citizen_id("110101", dt.date(1990, 3, 7), 777)


def _raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:
        return caught


def test_printable_text_is_unchanged() -> None:
    text = "GET /fhir/Patient ?name,birthdate 200 3.1 ms 张伟 ünïcode"
    assert escape_controls(text) is text


@pytest.mark.parametrize(
    ("raw", "written"),
    [
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\r\\nb"),
        ("\x1b[31m", "\\x1b[31m"),
        ("a\u2028b\u2029c\x85", "a\\u2028b\\u2029c\\x85"),
        ("\u202eevil", "\\u202eevil"),
        ("nul\x00", "nul\\x00"),
    ],
)
def test_control_characters_are_written_as_escapes(raw: str, written: str) -> None:
    assert escape_controls(raw) == written
    assert len(escape_controls(raw).splitlines()) == 1


def test_an_exception_is_summarised_without_its_message() -> None:
    exc = _raised(ValueError(f"bad _count={CITIZEN_ID}"))
    summary = exception_summary(exc)
    assert summary.startswith("ValueError at test_log_safety.py:")
    assert "in _raised" in summary
    assert CITIZEN_ID not in summary


def test_a_summary_names_the_types_of_the_causes_only() -> None:
    try:
        try:
            int(f"李四{CITIZEN_ID}")
        except ValueError as inner:
            raise KeyError(CITIZEN_ID) from inner
    except KeyError as outer:
        summary = exception_summary(outer)
    assert summary.startswith("KeyError at ") and summary.endswith(" from ValueError")
    assert CITIZEN_ID not in summary and "李四" not in summary


def test_a_safe_record_is_one_line_with_the_exception_summarised() -> None:
    exc = _raised(RuntimeError(f"row {CITIZEN_ID}\nforged line"))
    record = logging.LogRecord(
        "kangtong.x",
        logging.ERROR,
        __file__,
        1,
        "failed for %s",
        ("a\nb",),
        (RuntimeError, exc, exc.__traceback__),
    )
    make_safe(record)
    text = logging.Formatter("%(message)s").format(record)
    assert text.startswith("failed for a\\nb [RuntimeError at test_log_safety.py:")
    assert "\n" not in text and CITIZEN_ID not in text
    assert record.exc_info is None and record.args == ()


def test_once_installed_every_logger_writes_safe_lines() -> None:
    install_safe_logging()
    install_safe_logging()  # twice is harmless: the factory is not wrapped twice
    with captured_lines(logging.INFO) as log:
        try:
            raise OSError(f"cannot open /data/{CITIZEN_ID}.json")
        except OSError:
            logging.getLogger("any.library").exception("load failed:\n%s", "next")
    assert log.texts == log.lines  # one line per record
    assert "load failed:\\nnext [OSError at " in log.lines[0]
    assert "OSError at test_log_safety.py:" in log.lines[0]
    assert not personal_data_in(log.lines[0])
    factory = logging.getLogRecordFactory()
    assert type(factory).__name__ == "_SafeRecordFactory"
    assert type(factory.previous).__name__ != "_SafeRecordFactory"


@pytest.mark.parametrize(
    ("line", "found"),
    [
        (f"id {CITIZEN_ID}", [f"citizen ID {CITIZEN_ID}"]),
        ("id 110101199003077777", []),  # checksum wrong: not an ID number
        ("call 13912345678 now", ["mobile 13912345678"]),
        ("order 213912345678", []),
        ("patient 王芳 seen", ["name 王芳"]),
        ("_count=李四13912345678", ["mobile 13912345678", "name 李四"]),
        ("[request 1b2ed16694569657]", []),  # a hex id is not a phone number
        ("GET /fhir/Patient ?name 200 1.0 ms [request 0a1b2c3d4e5f6a7b]", []),
    ],
)
def test_the_log_guard_recognises_personal_data(line: str, found: list[str]) -> None:
    assert personal_data_in(line) == found
