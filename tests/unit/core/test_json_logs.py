"""JSON log lines (`KANGTONG_LOG_FORMAT=json`): one object per line that parses, with the same
safety as text lines (ADR 0025) — no exception message, no control character, no identifier."""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from kangtong.core.ids.gb11643 import make_citizen_id
from kangtong.core.log_safety import CURRENT_REQUEST_ID, JsonLines
from tests.log_lines import personal_data_in

CITIZEN_ID = make_citizen_id("110101", dt.date(1990, 3, 7), 777)


class JsonCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.setFormatter(JsonLines())
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))


@contextmanager
def json_lines() -> Iterator[JsonCollector]:
    logger = logging.getLogger("kangtong.tests.json")
    collector = JsonCollector()
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)


def test_a_line_is_one_json_object_with_time_level_logger_and_message() -> None:
    with json_lines() as log:
        logging.getLogger("kangtong.tests.json").warning("outbox lag %d events", 12)
    (text,) = log.texts
    line = json.loads(text)
    assert line["level"] == "WARNING"
    assert line["logger"] == "kangtong.tests.json"
    assert line["message"] == "outbox lag 12 events"
    assert dt.datetime.fromisoformat(line["time"]).utcoffset() == dt.timedelta(0)
    assert "request_id" not in line  # written outside any request


def test_a_line_names_the_request_it_was_written_for() -> None:
    bound = CURRENT_REQUEST_ID.set("0a1b2c3d4e5f6a7b")
    try:
        with json_lines() as log:
            logging.getLogger("kangtong.tests.json").info("read")
    finally:
        CURRENT_REQUEST_ID.reset(bound)
    assert json.loads(log.texts[0])["request_id"] == "0a1b2c3d4e5f6a7b"


def test_control_characters_and_exception_messages_stay_out() -> None:
    with json_lines() as log:
        try:
            raise ValueError(f"bad identifier {CITIZEN_ID}")
        except ValueError:
            logging.getLogger("kangtong.tests.json").exception("refused\n%s", "forged line\x1b[2K")
    (text,) = log.texts
    assert len(text.splitlines()) == 1 and "\x1b" not in text
    message = json.loads(text)["message"]
    assert message.startswith("refused\\nforged line\\x1b[2K [ValueError at test_json_logs.py:")
    assert CITIZEN_ID not in text and not personal_data_in(text)


def test_a_record_that_bypassed_the_safe_factory_is_made_safe_by_the_formatter() -> None:
    try:
        raise RuntimeError(CITIZEN_ID)
    except RuntimeError:
        record = logging.makeLogRecord(
            {"name": "other", "levelname": "ERROR", "msg": "a\u2028b %s", "args": ("c\nd",),
             "exc_info": sys.exc_info()}
        )  # fmt: skip
    line = json.loads(JsonLines().format(record))
    assert line["message"].startswith("a\\u2028b c\\nd [RuntimeError at ")
    assert CITIZEN_ID not in line["message"]


def test_configure_logging_writes_json_lines_to_standard_error() -> None:
    program = (
        "import logging\n"
        "from kangtong.core.log_safety import configure_logging\n"
        "configure_logging(log_format='json')\n"
        "logging.getLogger('uvicorn.error').info('Started server process')\n"
        f"logging.getLogger('kangtong.x').error('value %s', 'a\\nb {CITIZEN_ID[:6]}')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True
    )
    lines = [json.loads(text) for text in done.stderr.splitlines()]
    assert [(line["logger"], line["level"]) for line in lines] == [
        ("uvicorn.error", "INFO"),
        ("kangtong.x", "ERROR"),
    ]
    assert lines[1]["message"] == f"value a\\nb {CITIZEN_ID[:6]}"
