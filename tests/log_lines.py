"""Log lines as an operator would read them, and the personal data that must never be in them.

`captured_lines()` formats every record of every logger (except the test clients' own) with
the format `kangtong serve` uses, so a test sees exactly what would reach the log file.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

from kangtong.core.ids.citizen_id_fast import is_valid_citizen_id

SERVE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# The HTTP clients of the tests log whole request URLs; they are the callers, not the server.
CLIENT_LOGGERS = ("httpx", "httpcore")

# Names the fixtures and the synthetic district use for residents.
SYNTHETIC_NAMES = ("张伟", "王伟", "王芳", "李四", "张三", "李娜", "赵秀英", "王小伟")
# Not inside a longer run of ASCII letters and digits (a hex request id, a hash); Chinese text
# around a number does not hide it.
_DIGITS_18 = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")


def personal_data_in(line: str) -> list[str]:
    """What in `line` is a resident's identifier, phone or name (kinds and values)."""
    found = [f"citizen ID {m}" for m in _DIGITS_18.findall(line) if is_valid_citizen_id(m)]
    found += [f"mobile {m}" for m in _MOBILE.findall(line)]
    found += [f"name {name}" for name in SYNTHETIC_NAMES if name in line]
    return found


class LineCollector(logging.Handler):
    """Keeps every record as the formatted text a stream handler would write."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.setFormatter(logging.Formatter(SERVE_FORMAT))
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in CLIENT_LOGGERS:
            return
        self.texts.append(self.format(record))

    @property
    def lines(self) -> list[str]:
        """The physical lines, split wherever a terminal or a log shipper would split."""
        return [line for text in self.texts for line in text.splitlines()]


@contextmanager
def captured_lines(level: int = logging.DEBUG) -> Iterator[LineCollector]:
    """Every log line written inside the block, with the root logger at `level`."""
    root = logging.getLogger()
    collector = LineCollector()
    old_level = root.level
    root.addHandler(collector)
    root.setLevel(level)
    try:
        yield collector
    finally:
        root.removeHandler(collector)
        root.setLevel(old_level)
