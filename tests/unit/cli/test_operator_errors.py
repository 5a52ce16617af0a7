"""A problem the operator can fix is one line and a non-zero exit, never a traceback (issue 14).

Run as the operator runs it: a separate process, the way the installed `kangtong` command is.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def kangtong(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kangtong.cli.main", *args],
        capture_output=True, text=True, cwd=cwd, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("not a url", "the database url cannot be read"),
        ("mysql://root@127.0.0.1/kangtong", "unsupported database"),
        ("oracle://scott@127.0.0.1/xe", "unsupported database"),
        ("postgresql://postgres@127.0.0.1:1/test", "cannot reach the database"),
    ],
    ids=["unreadable", "mysql", "no driver", "unreachable"],
)
def test_a_bad_database_url_is_one_line_and_exit_1(tmp_path: Path, url: str, says: str) -> None:
    done = kangtong("db", "current", "--database-url", url, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and says in lines[0].lower(), done.stderr


def test_reading_a_missing_sqlite_database_creates_no_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "kangtong.db"
    done = kangtong("db", "current", "--database-url", f"sqlite:///{missing}", cwd=tmp_path)
    assert done.returncode == 1
    assert "No database at" in done.stdout
    assert not missing.exists() and not missing.parent.exists()
