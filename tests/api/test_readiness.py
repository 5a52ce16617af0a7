"""`GET /readyz`: ready only when the database answers, its schema is at the migration head and
the key files can be read; otherwise 503 naming the failed check, never a path or a value."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kangtong.core.config import Settings
from kangtong.platform import Platform, build_platform
from kangtong.security.keys import FIELD_KEYS_FILE
from kangtong.store.database import open_database
from kangtong.store.migrate import known_revisions, upgrade
from kangtong.web.app import create_app
from tests.served import own_schema


def test_a_migrated_platform_is_ready_without_a_token(anonymous: TestClient) -> None:
    response = anonymous.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "schema": "ok", "keys": "ok"},
    }
    assert response.headers["cache-control"] == "no-store"


@pytest.fixture
def unmigrated_settings(settings: Settings) -> Iterator[Settings]:
    """Settings over a database no migration has touched (on PostgreSQL a schema of its own)."""
    if not settings.database_url.startswith("postgresql"):
        yield settings
        return
    with own_schema(settings.database_url) as url:
        yield settings.model_copy(update={"database_url": url})


def test_a_database_one_migration_behind_is_not_ready(unmigrated_settings: Settings) -> None:
    head, known = known_revisions()
    previous = known[known.index(head) + 1]
    db = open_database(unmigrated_settings.database_url)
    upgrade(db, previous)  # as after deploying new code without `kangtong db upgrade`
    platform = build_platform(unmigrated_settings, database=db)
    try:
        with TestClient(create_app(platform), base_url="http://kangtong.test") as client:
            response = client.get("/readyz")
    finally:
        platform.close()
    assert response.status_code == 503
    assert response.json() == {
        "status": "not-ready",
        "checks": {"database": "ok", "schema": "behind", "keys": "ok"},
    }


@pytest.fixture
def key_folder(platform: Platform, anonymous: TestClient) -> Iterator[Path]:
    """The platform's key folder, its keys made (a token was signed, a field sealed)."""
    platform.security.keys.signing_key()
    platform.security.keys.field_cipher()
    folder = Path(platform.settings.security_key_dir)
    assert (folder / FIELD_KEYS_FILE).is_file()
    yield folder


def test_a_key_file_that_cannot_be_read_makes_it_not_ready(
    anonymous: TestClient, key_folder: Path
) -> None:
    (key_folder / FIELD_KEYS_FILE).unlink()
    (key_folder / FIELD_KEYS_FILE).mkdir()  # read() fails as it would for a wrong owner
    response = anonymous.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "schema": "ok", "keys": "unreadable"}
    assert str(key_folder) not in response.text and FIELD_KEYS_FILE not in response.text


def test_a_key_folder_that_is_not_a_folder_makes_it_not_ready(
    anonymous: TestClient, key_folder: Path
) -> None:
    shutil.rmtree(key_folder)
    key_folder.write_bytes(b"not a folder")
    response = anonymous.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["keys"] == "unreadable"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file whatever its mode")
def test_a_key_file_without_read_permission_makes_it_not_ready(
    anonymous: TestClient, key_folder: Path
) -> None:
    (key_folder / FIELD_KEYS_FILE).chmod(0o000)
    assert anonymous.get("/readyz").json()["checks"]["keys"] == "unreadable"


def test_keys_not_made_yet_are_no_reason_to_wait(anonymous: TestClient, settings: Settings) -> None:
    # A new installation makes its keys on first use (security/keys.py).
    assert not Path(settings.security_key_dir).exists()
    assert anonymous.get("/readyz").json()["checks"]["keys"] == "ok"


def test_a_database_that_does_not_answer_is_not_ready(
    anonymous: TestClient, platform: Platform
) -> None:
    answering = platform.db
    platform.db = open_database("postgresql+psycopg://kangtong@127.0.0.1:1/nowhere")
    try:
        response = anonymous.get("/readyz")
    finally:
        platform.db.dispose()
        platform.db = answering
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "unreachable",
        "schema": "not-checked",
        "keys": "ok",
    }
