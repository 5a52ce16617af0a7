"""API fixtures: a platform per test, and a client that sends a bearer token.

The default token is the platform's own (`system` role, `system/*.cruds`), so tests of the
FHIR mechanics run with every row visible; access tests mint their own tokens with
`token_for`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kangtong.core.config import Settings
from kangtong.platform import Platform, build_platform
from kangtong.security.tokens import TokenClaims
from kangtong.store.database import Database
from kangtong.web.app import create_app


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        base_url="http://kangtong.test/fhir",
        security_key_dir=str(tmp_path / "keys"),
    )


@pytest.fixture
def platform(settings: Settings, database: Database) -> Iterator[Platform]:
    built = build_platform(settings, database=database)
    yield built
    built.events.stop()
    built.security.audit_sink.close()


def token_for(
    platform: Platform,
    *roles: str,
    org: str | None = None,
    district: str | None = None,
    scopes: Sequence[str] = (),
    subject: str = "test",
    fhir_user: str | None = None,
    patient: str | None = None,
) -> str:
    """A signed access token for a caller with `roles` (default scopes as the CLI gives)."""
    default = (
        "system/*.cruds"
        if "system" in roles or "institution-system" in roles
        else ("patient/*.rs" if roles == ("resident",) else "user/*.cruds")
    )
    claims = TokenClaims(
        subject=subject,
        client_id="tests",
        scopes=tuple(scopes) or (default,),
        roles=roles,
        organization=org,
        district=district,
        fhir_user=fhir_user,
        patient=patient,
    )
    return platform.security.tokens.issue(claims).token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform), base_url="http://kangtong.test") as test_client:
        test_client.headers["content-type"] = "application/fhir+json"
        test_client.headers["authorization"] = f"Bearer {token_for(platform, 'system')}"
        yield test_client


@pytest.fixture
def anonymous(platform: Platform) -> Iterator[TestClient]:
    """A client that sends no token."""
    with TestClient(create_app(platform), base_url="http://kangtong.test") as test_client:
        test_client.headers["content-type"] = "application/fhir+json"
        yield test_client
