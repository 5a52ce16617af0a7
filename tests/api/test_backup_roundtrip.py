"""`kangtong backup` / `kangtong restore` lose nothing, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from kangtong.cli.main import app
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.security.audit_events import AuditFacts, build_audit_event
from kangtong.store.database import open_database
from kangtong.store.security_tables import audit_anchor, audit_log
from kangtong.store.tables import metadata

SYSTEM = AccessContext.system("test")
TABLES = ("resource", "resource_version", "idx_token", "idx_string", "outbox")


def load_region(platform: Platform) -> None:
    """Resources with several versions, a deletion, and audit events."""
    for n in range(5):
        patient = {"resourceType": "Patient", "gender": "female", "birthDate": f"198{n}-01-02",
                   "name": [{"family": "李", "given": [f"娜{n}"]}]}  # fmt: skip
        created = platform.service.create(SYSTEM, patient).resource
        patient |= {"id": created.res_id, "active": True}
        platform.service.update(SYSTEM, "Patient", created.res_id, patient)
        if n == 4:
            platform.service.delete(SYSTEM, "Patient", created.res_id)
    for n in range(3):
        facts = AuditFacts("read", "success", f"Practitioner/d{n}", platform.service.clock.now())
        platform.security.audit.append("read", "success", build_audit_event(facts))


def snapshot_of(url: str) -> dict[str, Any]:
    db = open_database(url)
    try:
        with db.read() as conn:
            found: dict[str, Any] = {}
            for name in TABLES:
                table = metadata.tables[name]
                rows = conn.execute(select(table)).all()
                found[name] = sorted(tuple(str(v) for v in row) for row in rows)
            found["audit_log"] = conn.execute(select(audit_log).order_by(audit_log.c.seq)).all()
            found["audit_anchor"] = sorted(conn.execute(select(audit_anchor)).all())
            return found
    finally:
        db.dispose()


@pytest.fixture
def fresh_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind: a new SQLite file, or a new PostgreSQL database
    (the schema of the same name is created by the restore)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"kt_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(database_url).set(query={}), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_an_encrypted_backup_restores_every_version_and_a_verifiable_audit_chain(
    platform: Platform, database_url: str, fresh_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    load_region(platform)
    key, offsite = tmp_path / "backup.key", tmp_path / "offsite"
    made = run("backup", "--out", str(tmp_path / "backups"), "--key-file", str(key),
               "--offsite", str(offsite), "--database-url", database_url)  # fmt: skip
    assert made.exit_code == 0, made.output
    archive = Path(made.stdout.strip().splitlines()[-1])
    manifest = orjson.loads((archive / "manifest.json").read_bytes())
    assert manifest["encryption"] == "SM4-GCM" and manifest["revision"]
    assert (offsite / archive.name / manifest["payload"]).is_file()
    restored = run("restore", str(offsite / archive.name), "--key-file", str(key),
                   "--database-url", fresh_url)  # fmt: skip
    assert restored.exit_code == 0, restored.output
    before, after = snapshot_of(database_url), snapshot_of(fresh_url)
    assert before == after
    assert len(before["resource_version"]) == 11 and len(before["audit_log"]) >= 3
    # The audit key and anchor journal live with the platform's keys, not in the backup.
    monkeypatch.setenv("KANGTONG_SECURITY_KEY_DIR", platform.settings.security_key_dir)
    platform.security.audit.publish_committed_head()
    verified = run("audit", "verify", "--database-url", fresh_url)
    assert verified.exit_code == 0, verified.output


def test_a_damaged_archive_or_a_wrong_key_is_refused_before_restoring(
    platform: Platform, database_url: str, fresh_url: str, tmp_path: Path
) -> None:
    load_region(platform)
    key = tmp_path / "backup.key"
    made = run("backup", "--out", str(tmp_path / "b"), "--key-file", str(key),
               "--database-url", database_url)  # fmt: skip
    archive = Path(made.stdout.strip().splitlines()[-1])
    other_key = tmp_path / "other.key"
    other_key.write_text("00" * 16)
    wrong = run("restore", str(archive), "--key-file", str(other_key), "--database-url", fresh_url)
    assert wrong.exit_code == 1 and "did not encrypt" in wrong.output
    no_key = run("restore", str(archive), "--database-url", fresh_url)
    assert no_key.exit_code == 1 and "encrypted" in no_key.output
    payload = next(archive.glob("database.*"))
    data = bytearray(payload.read_bytes())
    data[len(data) // 2] ^= 0x01
    payload.write_bytes(bytes(data))
    damaged = run("restore", str(archive), "--key-file", str(key), "--database-url", fresh_url)
    assert damaged.exit_code == 1 and "checksum" in damaged.output
    fresh = open_database(fresh_url)
    try:
        with fresh.engine.connect() as conn:
            assert not conn.dialect.has_table(conn, "resource")
    finally:
        fresh.dispose()


def test_restore_refuses_a_database_that_is_not_empty(
    platform: Platform, database_url: str, tmp_path: Path
) -> None:
    load_region(platform)
    made = run("backup", "--out", str(tmp_path / "b"), "--database-url", database_url)
    assert made.exit_code == 0, made.output
    archive = Path(made.stdout.strip().splitlines()[-1])
    assert orjson.loads((archive / "manifest.json").read_bytes())["encryption"] is None
    again = run("restore", str(archive), "--database-url", database_url)
    assert again.exit_code == 1 and "not empty" in again.output
