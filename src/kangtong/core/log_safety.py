"""Log records that carry no personal data from exceptions and cannot split a line (ADR 0025).

Exception messages quote what they were given — SQL parameters, the value a parser refused — and
in a health platform that is a citizen ID number, a name or a phone. Request paths and headers
may hold line breaks that forge log lines. Both are settled where every record is born, the
record factory, so no handler — ours, uvicorn's, pytest's or an operator's — ever sees them:

- the message is rendered and every non-printable character written escaped (`\\n`, `\\x1b`,
  `\\u2028`), so one record is one line;
- an attached exception becomes its type and location (`ValueError at kangtong/x.py:12 in f`),
  never its message, arguments or traceback text.

`install_safe_logging()` is called by the app factory and the CLI; calling it again is harmless.
Each record also carries the id of the request it was written for (`request_id`, None outside
a request), which the JSON lines of `configure_logging(log_format="json")` include.
"""

from __future__ import annotations

import logging
import sys
import types
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Set by the web app for the duration of each request (web/request_ids.py); the threadpool
# copies it into the threads a request's work runs on.
CURRENT_REQUEST_ID: ContextVar[str | None] = ContextVar("kangtong_request_id", default=None)
_MAX_CAUSES = 3


def escape_controls(text: str) -> str:
    """`text` with every non-printable character as a Python escape; printable text unchanged.

    Non-printable covers C0/C1 controls, line and paragraph separators and format characters
    such as bidirectional overrides, everything a terminal or a log shipper may act on.
    """
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )


def _short_path(path: str) -> str:
    """The path from the package on (`kangtong/web/errors.py`), never the install location."""
    for marker in ("/site-packages/", "/src/"):
        if marker in path:
            return path.rsplit(marker, 1)[1]
    return path.rsplit("/", 1)[-1]


def _where(tb: types.TracebackType) -> str:
    code = tb.tb_frame.f_code
    return f"{_short_path(code.co_filename)}:{tb.tb_lineno} in {code.co_name}"


def _type_name(exc: BaseException) -> str:
    cls = type(exc)
    return (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )


def exception_location(exc: BaseException) -> str:
    """Where `exc` surfaced in kangtong's code, and where it was raised if that is elsewhere."""
    frames: list[types.TracebackType] = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    if not frames:
        return "unknown location"
    own = [f for f in frames if "/kangtong/" in f.tb_frame.f_code.co_filename]
    surfaced, raised = (own[-1] if own else frames[-1]), frames[-1]
    if surfaced is raised:
        return _where(raised)
    return f"{_where(surfaced)} (raised at {_where(raised)})"


def exception_summary(exc: BaseException) -> str:
    """`exc` as type and location, with the types of its causes: no message, no values."""
    text = f"{_type_name(exc)} at {exception_location(exc)}"
    cause, seen = exc.__cause__ or exc.__context__, 0
    while cause is not None and seen < _MAX_CAUSES:
        text += f" from {_type_name(cause)}"
        cause, seen = cause.__cause__ or cause.__context__, seen + 1
    return text


def _rendered(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception as exc:  # a bad format string must not lose the record
        return f"{record.msg!s} (unformattable arguments: {type(exc).__name__})"


def make_safe(record: logging.LogRecord) -> logging.LogRecord:
    """Render, summarise and escape `record` in place; formatters then print it as is."""
    message = _rendered(record)
    if record.exc_info and record.exc_info[1] is not None:
        message = f"{message} [{exception_summary(record.exc_info[1])}]"
    record.msg, record.args = escape_controls(message), ()
    record.exc_info, record.exc_text = None, None
    if record.stack_info:
        record.stack_info = escape_controls(record.stack_info)
    return record


class _SafeRecordFactory:
    """Wraps the record factory in place when installed (a marker makes installing idempotent)."""

    def __init__(self, previous: Callable[..., logging.LogRecord]) -> None:
        self.previous = previous

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_safe(self.previous(*args, **kwargs))
        record.request_id = CURRENT_REQUEST_ID.get()
        return record


def install_safe_logging() -> None:
    """Make every log record of this process safe from its creation on."""
    current = logging.getLogRecordFactory()
    if not isinstance(current, _SafeRecordFactory):
        logging.setLogRecordFactory(_SafeRecordFactory(current))


class JsonLines(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message and request_id if any.

    The record is made safe again here (idempotent), so a record that did not come through the
    safe factory still carries no exception message and no control character.
    """

    def format(self, record: logging.LogRecord) -> str:
        make_safe(record)
        line: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": escape_controls(record.name),
            "message": str(record.msg),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            line["request_id"] = str(request_id)
        return orjson.dumps(line).decode("utf-8")


LogFormat = Literal["text", "json"]


def configure_logging(level: int = logging.INFO, log_format: LogFormat = "text") -> None:
    """The CLI's logging: safe records, one line each (text or JSON), to standard error."""
    install_safe_logging()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if log_format == "json" else logging.Formatter(LOG_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
