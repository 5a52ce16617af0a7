"""`kangtong audit verify` and `kangtong audit rotate-key` with the key folder of a server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from kangtong.cli.main import app
from kangtong.core.clock import SystemClock
from kangtong.core.config import Settings
from kangtong.security.audit_events import AuditFacts, build_audit_event
from kangtong.security.services import SecurityServices, build_security
from kangtong.store.database import Database
from kangtong.store.security_tables import audit_log


@pytest.fixture
def security(
    database: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> SecurityServices:
    folder = tmp_path / "keys"
    monkeypatch.setenv("KANGTONG_SECURITY_KEY_DIR", str(folder))
    settings = Settings(database_url=database_url, security_key_dir=str(folder))
    return build_security(settings, database, SystemClock())


def _audit(*args: str) -> Any:
    return CliRunner().invoke(app, ["audit", *args])


def _append(security: SecurityServices, n: int) -> None:
    for i in range(n):
        facts = AuditFacts("read", "success", "Practitioner/liu", SystemClock().now(),
                           resource_type="Observation", resource_id=f"o{i}")  # fmt: skip
        security.audit.append("read", "success", build_audit_event(facts))


def test_rotate_key_keeps_the_chain_verifiable_and_verify_names_an_edited_row(
    security: SecurityServices, database: Database, database_url: str
) -> None:
    _append(security, 3)
    verified = _audit("verify", "--database-url", database_url)
    assert verified.exit_code == 0 and "intact" in verified.output, verified.output
    rotated = _audit("rotate-key", "--database-url", database_url)
    assert rotated.exit_code == 0 and "a2 is current" in rotated.output, rotated.output
    _append(security, 2)  # the running server picks up the new key by itself
    with database.read() as conn:
        key_ids = [row.key_id for row in conn.execute(select(audit_log).order_by(audit_log.c.seq))]
    assert key_ids == ["a1", "a1", "a1", "a2", "a2", "a2"]  # the rotation's own event: a2
    assert _audit("verify", "--database-url", database_url).exit_code == 0
    with database.write() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 2).values(outcome="denied"))
    broken = _audit("verify", "--database-url", database_url)
    assert broken.exit_code == 1 and "Broken at seq 2: row content was altered" in broken.output
