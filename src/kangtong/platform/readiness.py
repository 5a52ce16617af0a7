"""Whether this process can serve requests now: the readiness probe's checks (`GET /readyz`).

/healthz says the process answers; readiness says more — the database answers, its schema is
at the migration head this code expects, and the key files can be read. Each check is cheap
(one small query, a byte of each key file) and its result is a word, never a path, a key, an
error message or any value of a record.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from kangtong.core.log_safety import exception_summary
from kangtong.platform.container import Platform
from kangtong.security.key_check import key_files_readable
from kangtong.store.migrate import schema_state

log = logging.getLogger(__name__)

OK = "ok"


@dataclass(frozen=True)
class Readiness:
    """Each check's result: `ok`, or a word that says what is wrong."""

    checks: dict[str, str]

    @property
    def ready(self) -> bool:
        return all(result == OK for result in self.checks.values())


def check_readiness(platform: Platform) -> Readiness:
    """database: `ok` | `unreachable`; schema: `ok` | `behind` | `unknown` | `empty` |
    `not-checked` (the database did not answer); keys: `ok` | `unreadable`."""
    try:
        state = schema_state(platform.db)
    except Exception as exc:  # any driver or network failure means "not ready", never a 500
        log.warning("readiness: the database did not answer: %s", exception_summary(exc))
        database, schema = "unreachable", "not-checked"
    else:
        database, schema = OK, OK if state == "current" else state
    folder = Path(platform.settings.security_key_dir)
    keys = OK if key_files_readable(folder) else "unreadable"
    return Readiness({"database": database, "schema": schema, "keys": keys})
