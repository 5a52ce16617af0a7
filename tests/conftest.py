"""Shared fixtures: every store and API test runs on SQLite and on PostgreSQL.

PostgreSQL tests use a schema of their own (created and dropped per test session), so runs
never collide. They are skipped only when KANGTONG_TEST_PG is unset and no server answers;
in CI (CI=true) a missing server is an error.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kangtong.core.config import Settings
from kangtong.core.log_safety import install_safe_logging
from kangtong.store.database import Database, open_database
from kangtong.store.migrate import upgrade
from tests.log_lines import LineCollector, personal_data_in

PG_URL = os.environ.get("KANGTONG_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session", autouse=True)
def safe_logging_as_in_production() -> None:
    """Records are made safe as `kangtong` and the app make them, at the level `serve` logs."""
    install_safe_logging()
    logging.getLogger("kangtong").setLevel(logging.INFO)


@pytest.fixture(autouse=True)
def no_personal_data_in_logs() -> Iterator[None]:
    """Fails the test during which any log line names a citizen ID, a mobile or a name.

    Issue 13, finding 9: every line of the whole run is checked, as the log file would hold it.
    """
    root = logging.getLogger()
    collector = LineCollector()
    root.addHandler(collector)
    yield
    root.removeHandler(collector)
    leaks = [
        f"{found}: {line[:200]}" for line in collector.lines if (found := personal_data_in(line))
    ]
    if leaks:
        pytest.fail("personal data in log lines:\n" + "\n".join(leaks[:10]), pytrace=False)


def _pg_available() -> bool:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    if not _pg_available():
        if os.environ.get("KANGTONG_TEST_PG") or os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG_URL} does not answer")
        pytest.skip("no PostgreSQL server answers and KANGTONG_TEST_PG is unset")
    schema = f"kt_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kangtong.db'}"
    base: str = request.getfixturevalue("pg_schema_url")
    return base


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = open_database(database_url)
    upgrade(db)
    yield db
    if db.dialect == "postgresql":
        _truncate(db)
    db.dispose()


def _truncate(db: Database) -> None:
    from kangtong.store.security_tables import security_metadata
    from kangtong.store.tables import metadata

    with db.engine.begin() as conn:
        tables = [*metadata.sorted_tables, *security_metadata.sorted_tables]
        names = ", ".join(t.name for t in tables)
        conn.execute(text(f"TRUNCATE {names}"))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, base_url="http://kangtong.test/fhir")
