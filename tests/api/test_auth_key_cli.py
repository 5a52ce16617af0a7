"""`kangtong auth revoke-token` and `kangtong auth rotate-field-keys` against a migrated
database (SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from kangtong.cli.main import app
from kangtong.core.clock import SystemClock
from kangtong.core.config import Settings
from kangtong.security.accounts import NewAccount
from kangtong.security.services import SecurityServices, build_security
from kangtong.security.tokens import TokenClaims
from kangtong.security.totp import totp
from kangtong.store.audit_log import AuditLogStore
from kangtong.store.database import Database
from kangtong.store.security_tables import account

PASSWORD = "Kangtong#2026"


@pytest.fixture
def keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "keys"
    monkeypatch.setenv("KANGTONG_SECURITY_KEY_DIR", str(folder))
    return folder


@pytest.fixture
def security(database: Database, database_url: str, keys: Path) -> SecurityServices:
    """The services of a running server over the same database and key folder."""
    settings = Settings(database_url=database_url, security_key_dir=str(keys))
    return build_security(settings, database, SystemClock())


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, ["auth", *args])


def _audit(database: Database) -> list[tuple[str, str, dict[str, Any]]]:
    with database.read() as conn:
        return [(r.action, r.outcome, orjson.loads(r.event)) for r in AuditLogStore().rows(conn)]


def _details(event: dict[str, Any]) -> dict[str, str]:
    return {
        d["type"]: d["valueString"] for e in event.get("entity", []) for d in e.get("detail", [])
    }


# -- revoke-token ----------------------------------------------------------------------------
def test_revoke_token_by_id_refuses_that_token_everywhere_and_is_audited(
    security: SecurityServices, database: Database, database_url: str
) -> None:
    issued = security.tokens.issue(TokenClaims("cli/nurse", "kangtong-cli", ("user/*.rs",)))
    kept = security.tokens.issue(TokenClaims("cli/nurse", "kangtong-cli", ("user/*.rs",)))
    jti = security.tokens.verify(issued.token).token_id
    assert jti is not None
    done = _cli("revoke-token", "--jti", jti, "--database-url", database_url)
    assert done.exit_code == 0, done.output
    security.revocations.refresh(force=True)  # what the server does within a second
    assert security.revocations.is_revoked(security.tokens.decode(issued.token))
    assert not security.revocations.is_revoked(security.tokens.decode(kept.token))
    action, outcome, event = _audit(database)[-1]
    assert (action, outcome) == ("revoke", "success")
    assert _details(event) == {"token-id": jti}
    assert event["agent"][0]["who"]["identifier"]["value"] == "cli/operator"


def test_revoke_token_by_subject_ends_its_tokens_and_refresh_grants(
    security: SecurityServices, database: Database, database_url: str
) -> None:
    created = security.accounts.create(NewAccount("liu", PASSWORD, ("clinician",), "org-hosp"))
    subject = f"account/{created.id}"
    issued = security.tokens.issue(TokenClaims(subject, "portal", ("user/*.rs",)))
    done = _cli("revoke-token", "--subject", subject, "--database-url", database_url)
    assert done.exit_code == 0, done.output
    assert "refresh grants ended: 0" in done.output
    security.revocations.refresh(force=True)
    assert security.revocations.is_revoked(security.tokens.decode(issued.token))
    assert _details(_audit(database)[-1][2]) == {"subject": subject, "refresh-grants": "0"}


def test_revoke_token_needs_exactly_one_of_jti_and_subject(
    database: Database, database_url: str, keys: Path
) -> None:
    assert _cli("revoke-token", "--database-url", database_url).exit_code == 1
    both = _cli("revoke-token", "--jti", "x", "--subject", "y", "--database-url", database_url)
    assert both.exit_code == 1 and "exactly one" in both.output
    too_long = _cli("revoke-token", "--jti", "x" * 300, "--database-url", database_url)
    assert too_long.exit_code == 1 and "1 to 256 characters" in too_long.output
    assert _audit(database) == []


# -- rotate-field-keys -----------------------------------------------------------------------
def _sealed_version(security: SecurityServices, database: Database, username: str) -> int:
    with database.read() as conn:
        query = select(account.c.totp_secret).where(account.c.username == username)
        sealed = conn.execute(query).scalar_one()
    return security.keys.field_cipher().key_version(bytes(sealed))


def _log_in(security: SecurityServices, username: str, secret: bytes, ahead: int = 0) -> None:
    """Log in with the code of `ahead` steps on: a code is accepted once (RFC 6238 §5.2)."""
    code = totp(secret, int(time.time()) + 30 * ahead)
    assert security.accounts.authenticate(username, PASSWORD, code).username == username


def test_rotation_keeps_old_values_readable_and_re_encryption_moves_them_to_the_new_key(
    security: SecurityServices, database: Database, database_url: str
) -> None:
    before = security.accounts.create(NewAccount("liu", PASSWORD, ("clinician",), with_totp=True))
    assert before.totp_secret is not None
    assert _sealed_version(security, database, "liu") == 1

    rotated = _cli("rotate-field-keys", "--database-url", database_url)
    assert rotated.exit_code == 0, rotated.output
    assert "field key version 2 is current" in rotated.output
    assert _sealed_version(security, database, "liu") == 1  # not re-encrypted yet …
    _log_in(security, "liu", before.totp_secret)  # … and still readable
    between = security.accounts.create(NewAccount("wang", PASSWORD, ("nurse",), with_totp=True))
    assert between.totp_secret is not None
    assert _sealed_version(security, database, "wang") == 2  # the server saw the new key

    moved = _cli("rotate-field-keys", "--re-encrypt", "--database-url", database_url)
    assert moved.exit_code == 0, moved.output
    assert "field key version 3 is current" in moved.output
    assert "sec_account.totp_secret: 2 examined, 2 re-encrypted, 0 unreadable" in moved.output
    assert _sealed_version(security, database, "liu") == 3
    assert _sealed_version(security, database, "wang") == 3
    _log_in(security, "liu", before.totp_secret, ahead=1)
    _log_in(security, "wang", between.totp_secret)

    again = _cli("rotate-field-keys", "--re-encrypt", "--database-url", database_url)
    assert "2 examined, 2 re-encrypted" in again.output  # version 4: both move again

    events = [(a, o, e) for a, o, e in _audit(database) if a in ("rotate-keys", "re-encrypt")]
    assert [(a, o) for a, o, _ in events] == [
        ("rotate-keys", "success"),
        ("rotate-keys", "success"),
        ("re-encrypt", "success"),
        ("rotate-keys", "success"),
        ("re-encrypt", "success"),
    ]
    assert all(e["type"]["code"] == "110113" for _, _, e in events)
    assert _details(events[2][2])["sec_account.totp_secret:re-encrypted"] == "2"
    assert security.audit.verify().intact


def test_a_value_that_cannot_be_opened_is_counted_left_alone_and_fails_the_command(
    security: SecurityServices, database: Database, database_url: str
) -> None:
    security.accounts.create(NewAccount("liu", PASSWORD, ("clinician",), with_totp=True))
    with database.write() as conn:  # an altered value: its tag no longer authenticates it
        sealed = conn.execute(select(account.c.totp_secret)).scalar_one()
        conn.execute(account.update().values(totp_secret=bytes(sealed)[:-1] + b"\x00"))
    result = _cli("rotate-field-keys", "--re-encrypt", "--database-url", database_url)
    assert result.exit_code == 1
    assert "1 examined, 0 re-encrypted, 1 unreadable" in result.output
    assert _sealed_version(security, database, "liu") == 1
    assert _audit(database)[-1][:2] == ("re-encrypt", "failure")
