"""Every route of the app requires an access token, except the few issue 7 names as open."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Route

from kangtong.core.config import Settings
from kangtong.platform import Platform
from kangtong.web.app import create_app, self_authenticating_prefixes
from tests.api.conftest import bearer, token_for

OPEN = {
    ("GET", "/fhir/metadata"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),  # issue 14: readiness names checks, never a value
    ("POST", "/oauth2/token"),
    ("POST", "/oauth2/revoke"),
    ("GET", "/.well-known/smart-configuration"),
    ("GET", "/fhir/.well-known/smart-configuration"),
    ("GET", "/.well-known/jwks.json"),
}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every route, looking inside included routers."""
    for route in routes:
        if isinstance(route, Route):
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                yield method, prefix + route.path
        elif hasattr(route, "original_router"):  # FastAPI ≥ 0.165 keeps included routers
            yield from _routes(route.original_router.routes, prefix + route.include_context.prefix)
        else:
            raise AssertionError(f"unexpected route kind {route!r}")


def _every_route(platform: Platform) -> list[tuple[str, str]]:
    return sorted(set(_routes(create_app(platform).routes)))


def _self_authenticating(path: str) -> bool:
    """Paths a module authenticates itself (the web UI's cookie sessions), never /fhir ones."""
    declared = self_authenticating_prefixes()
    assert not [p for p in declared if p.startswith("/fhir")]
    return any(path == p or (p.endswith("/") and p != "/" and path.startswith(p)) for p in declared)


def test_every_route_but_the_open_ones_answers_401_without_a_token(
    anonymous: TestClient, platform: Platform
) -> None:
    routes = [r for r in _every_route(platform) if not _self_authenticating(r[1])]
    assert len(routes) > 30  # the FHIR API, the module routers, docs
    answered_open = set()
    for method, path in routes:
        response = anonymous.request(method, _concrete(path))
        if response.status_code == 401:
            assert response.headers["www-authenticate"].startswith('Bearer realm="kangtong"')
            assert response.json()["resourceType"] == "OperationOutcome"
        else:
            answered_open.add((method, path))
    assert answered_open == OPEN


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """A refusal limit above this module's garbage tokens: each route must answer 401 itself."""
    return Settings(
        database_url=database_url,
        base_url="http://kangtong.test/fhir",
        security_key_dir=str(tmp_path / "keys"),
        refusal_limit_per_window=10_000,
    )


def test_a_wrong_scheme_or_a_garbage_token_is_refused_everywhere(
    anonymous: TestClient, platform: Platform
) -> None:
    for method, path in _every_route(platform):
        if (method, path) in OPEN or _self_authenticating(path):
            continue
        for header in ("Basic dXNlcjpwYXNz", "Bearer not-a-jwt", "Bearer "):
            response = anonymous.request(method, _concrete(path), headers={"Authorization": header})
            assert response.status_code == 401, (method, path, header)


def test_an_invalid_token_is_named_in_the_challenge(anonymous: TestClient) -> None:
    response = anonymous.get("/fhir/Patient", headers={"Authorization": "Bearer a.b.c"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_a_valid_token_opens_the_api_and_a_forbidden_action_answers_403(
    anonymous: TestClient, platform: Platform
) -> None:
    system = bearer(token_for(platform, "system"))
    assert anonymous.get("/fhir/Patient", headers=system).status_code == 200
    auditor = bearer(token_for(platform, "auditor"))
    refused = anonymous.get("/fhir/Patient", headers=auditor)
    assert refused.status_code == 403
    assert refused.json()["issue"][0]["code"] == "forbidden"


def test_the_organisation_comes_from_the_token_not_from_a_header(
    anonymous: TestClient, platform: Platform
) -> None:
    writer = bearer(token_for(platform, "institution-system", org="org-a"))
    created = anonymous.post(
        "/fhir/Patient", json={"resourceType": "Patient", "gender": "male"}, headers=writer
    )
    assert created.status_code == 201
    other = bearer(token_for(platform, "clinician", org="org-b")) | {
        "X-Kangtong-Organization": "org-a"
    }
    read = anonymous.get(f"/fhir/Patient/{created.json()['id']}", headers=other)
    assert read.status_code == 403
