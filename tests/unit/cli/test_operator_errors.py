"""A problem the operator can fix is one line and a non-zero exit, never a traceback (issue 14).

Run as the operator runs it: a separate process, the way the installed `kangtong` command is.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.served import own_schema


def kangtong(*args: str, cwd: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KANGTONG_")}
    return subprocess.run(
        [sys.executable, "-m", "kangtong.cli.main", *args],
        capture_output=True, text=True, cwd=cwd, timeout=120, env=environment | settings,
    )  # fmt: skip


def assert_one_line(done: subprocess.CompletedProcess[str], says: str) -> None:
    """Exit status 1 and exactly one line on stderr, `kangtong: …`, that says `says`."""
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("kangtong: ") and says in lines[0], lines[0]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("not a url", "the database url cannot be read"),
        ("mysql://root@127.0.0.1/kangtong", "unsupported database"),
        ("oracle://scott@127.0.0.1/xe", "unsupported database"),
        ("postgresql://postgres@127.0.0.1:1/test", "cannot reach the database"),
        ("postgresql://postgres:s3cret@127.0.0.1:5432x/test", "the database url cannot be read"),
        ("postgresql://postgres:s3cret@127.0.0.1:1/test?foo=bar", "cannot connect to the database"),
    ],
    ids=["unreadable", "mysql", "no driver", "unreachable", "port not a number", "unknown option"],
)
def test_a_bad_database_url_is_one_line_and_exit_1(tmp_path: Path, url: str, says: str) -> None:
    done = kangtong("db", "current", "--database-url", url, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and says in lines[0].lower(), done.stderr
    assert "s3cret" not in done.stderr + done.stdout


def test_reading_a_missing_sqlite_database_creates_no_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "kangtong.db"
    done = kangtong("db", "current", "--database-url", f"sqlite:///{missing}", cwd=tmp_path)
    assert_one_line(done, f"no database at {missing}")
    assert not missing.exists() and not missing.parent.exists()


def empty_database(tmp_path: Path) -> str:
    """An SQLite file that exists but was never migrated (a wrong file, or a new one)."""
    sqlite3.connect(tmp_path / "empty.db").close()
    return f"sqlite:///{tmp_path / 'empty.db'}"


def a_file(tmp_path: Path) -> str:
    (tmp_path / "a-file").write_text("not a folder")
    return str(tmp_path / "a-file")


# (arguments, settings, what the one line says); "{db}" is an unmigrated database, "{file}" a
# plain file where a folder is expected, "{tmp}" the test's folder.
CASES: dict[str, tuple[tuple[str, ...], dict[str, str], str]] = {
    "unknown revision": (
        ("db", "upgrade", "--revision", "nosuch"),
        {},
        "cannot migrate to 'nosuch'",
    ),
    "serve a missing database": (
        ("serve", "--database-url", "sqlite:///{tmp}/missing.db"),
        {},
        "no database at",
    ),
    "serve an unmigrated database": (("serve", "--database-url", "{db}"), {}, "no kangtong schema"),
    "audit an unmigrated database": (
        ("audit", "verify", "--database-url", "{db}"),
        {},
        "no kangtong schema",
    ),
    "token from an unmigrated database": (
        ("auth", "issue-token", "--role", "system", "--database-url", "{db}"),
        {},
        "no kangtong schema",
    ),
    "registry on an unmigrated database": (
        ("org", "show", "x", "--database-url", "{db}"),
        {},
        "no kangtong schema",
    ),
    "key folder is a file": (
        ("auth", "issue-token", "--role", "system"),
        {"KANGTONG_SECURITY_KEY_DIR": "{file}"},
        "{file}: File exists",
    ),
    "backup into a file": (("backup", "--out", "{file}"), {}, "Not a directory"),
    "setting of the wrong type": (
        ("db", "current"),
        {"KANGTONG_PORT": "eighty"},
        "setting KANGTONG_PORT",
    ),
    "time zone that does not exist": (
        ("org", "show", "x"),
        {"KANGTONG_TIMEZONE": "Nowhere/Zone"},
        "setting KANGTONG_TIMEZONE: no time zone 'Nowhere/Zone'",
    ),
    "canonical base that is no URL": (
        ("--help",),
        {"KANGTONG_CANONICAL_BASE": "not-a-url"},
        "KANGTONG_CANONICAL_BASE must be an absolute http(s) URL",
    ),
    "setting out of its choices": (
        ("serve",),
        {"KANGTONG_AUDIT_HASH": "md5"},
        "setting KANGTONG_AUDIT_HASH",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_wrong_operator_input_is_one_line_and_exit_1(tmp_path: Path, case: str) -> None:
    arguments, settings, says = CASES[case]

    def fill(text: str) -> str:
        return text.format(db=empty_database(tmp_path), file=a_file(tmp_path), tmp=tmp_path)

    database = {"KANGTONG_DATABASE_URL": f"sqlite:///{tmp_path}/kangtong.db"}
    migrated = kangtong("db", "upgrade", cwd=tmp_path, **database)
    assert migrated.returncode == 0, migrated.stderr
    settings = database | {key: fill(value) for key, value in settings.items()}
    done = kangtong(*map(fill, arguments), cwd=tmp_path, **settings)
    assert_one_line(done, fill(says))


@pytest.mark.pg
def test_an_unmigrated_postgresql_schema_is_one_line_and_exit_1(
    tmp_path: Path, pg_schema_url: str
) -> None:
    with own_schema(pg_schema_url) as url:
        for command in (("audit", "verify"), ("org", "show", "x"), ("serve",)):
            assert_one_line(
                kangtong(*command, "--database-url", url, cwd=tmp_path), "no kangtong schema"
            )


def test_a_bug_keeps_its_traceback(tmp_path: Path) -> None:
    """Only operator input is shortened: an error of kangtong itself stays a traceback."""
    probe = (
        "import sys; from kangtong.cli import main; "
        "main.app.command('boom')(lambda: 1 / 0); sys.argv = ['kangtong', 'boom']; main.main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert done.returncode == 1
    assert "ZeroDivisionError" in done.stderr and "kangtong: " not in done.stderr
