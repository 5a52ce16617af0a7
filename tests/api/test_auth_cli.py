"""`kangtong auth …` and `kangtong audit …` against a migrated database (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from kangtong.cli.main import app
from kangtong.core.clock import SystemClock
from kangtong.core.config import Settings
from kangtong.security.keys import KeyFiles
from kangtong.security.tokens import AccessTokens
from kangtong.store.database import Database
from kangtong.store.security_tables import audit_log


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    keys = tmp_path / "keys"
    monkeypatch.setenv("KANGTONG_SECURITY_KEY_DIR", str(keys))
    return keys


def test_issue_token_prints_a_verifiable_token_and_audits_it(
    database: Database, database_url: str, env: Path
) -> None:
    result = CliRunner().invoke(
        app,
        [
            "auth",
            "issue-token",
            "--role",
            "clinician",
            "--org",
            "org-hosp",
            "--ttl",
            "600",
            "--database-url",
            database_url,
        ],
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    claims = AccessTokens(
        KeyFiles(env), SystemClock(), issuer="urn:kangtong", ttl_seconds=900
    ).verify(token)
    assert claims.roles == ("clinician",) and claims.organization == "org-hosp"
    assert claims.scopes == ("user/*.cruds",)
    verified = CliRunner().invoke(app, ["audit", "verify", "--database-url", database_url])
    assert verified.exit_code == 0 and "(1 rows)" in verified.output


def test_issue_token_refuses_an_unknown_role(
    database: Database, database_url: str, env: Path
) -> None:
    result = CliRunner().invoke(
        app, ["auth", "issue-token", "--role", "root", "--database-url", database_url]
    )
    assert result.exit_code == 1


def test_audit_verify_exits_1_naming_the_first_broken_link(
    database: Database, database_url: str, env: Path
) -> None:
    for _ in range(3):
        CliRunner().invoke(
            app, ["auth", "issue-token", "--role", "nurse", "--database-url", database_url]
        )
    with database.write() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 2).values(outcome="denied"))
    result = CliRunner().invoke(app, ["audit", "verify", "--database-url", database_url])
    assert result.exit_code == 1
    assert "Broken at seq 2" in result.output


def test_audit_purge_refuses_less_than_180_days(
    database: Database, database_url: str, env: Path
) -> None:
    refused = CliRunner().invoke(
        app, ["audit", "purge", "--older-than-days", "30", "--database-url", database_url]
    )
    assert refused.exit_code == 1 and "180" in refused.output
    done = CliRunner().invoke(
        app, ["audit", "purge", "--older-than-days", "365", "--database-url", database_url]
    )
    assert done.exit_code == 0 and "Purged 0" in done.output


def test_create_user_enforces_the_policy_and_enrols_totp(
    database: Database, database_url: str, env: Path
) -> None:
    weak = CliRunner().invoke(
        app,
        ["auth", "create-user", "liu", "--role", "clinician", "--database-url", database_url],
        input="short\nshort\n",
    )
    assert weak.exit_code == 1 and "shorter than 10" in weak.output
    made = CliRunner().invoke(
        app,
        [
            "auth",
            "create-user",
            "liu",
            "--role",
            "clinician",
            "--org",
            "org-hosp",
            "--totp",
            "--database-url",
            database_url,
        ],
        input="Kangtong#2026\nKangtong#2026\n",
    )
    assert made.exit_code == 0, made.output
    assert "otpauth://totp/" in made.output and "Kangtong#2026" not in made.stdout


def test_create_client_prints_its_secret_once(
    database: Database, database_url: str, env: Path
) -> None:
    made = CliRunner().invoke(
        app,
        [
            "auth",
            "create-client",
            "his-1",
            "--org",
            "org-hosp",
            "--scope",
            "system/*.cruds",
            "--database-url",
            database_url,
        ],
    )
    assert made.exit_code == 0, made.output
    assert "client secret (shown once):" in made.output
    again = CliRunner().invoke(
        app, ["auth", "create-client", "his-1", "--org", "org-hosp", "--database-url", database_url]
    )
    assert again.exit_code == 1 and "already registered" in again.output


def test_settings_read_the_key_folder_from_the_environment(env: Path) -> None:
    assert Settings().security_key_dir == str(env)
