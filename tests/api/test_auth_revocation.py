"""Revocation of access tokens before expiry (RFC 7009) and the audit of refused tokens, over
HTTP on both databases."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import orjson
import pytest
from fastapi.testclient import TestClient

from kangtong.core.clock import FrozenClock
from kangtong.core.config import Settings
from kangtong.platform import Platform, build_platform
from kangtong.security.accounts import NewAccount
from kangtong.security.clients import NewClient
from kangtong.security.tokens import AccessTokens, TokenClaims
from kangtong.store.audit_log import AuditLogStore
from kangtong.store.database import Database
from kangtong.web.app import create_app
from tests.api.conftest import bearer, token_for

FORM = {"content-type": "application/x-www-form-urlencoded"}
PASSWORD = "Kangtong#2026"


def _basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {**FORM, "authorization": f"Basic {raw}"}


def _register(platform: Platform, client_id: str, scopes: tuple[str, ...]) -> dict[str, str]:
    secret = platform.security.clients.register(
        NewClient(client_id, "org-hosp", client_id, "client_secret_basic", scopes)
    )
    assert secret is not None
    return _basic(client_id, secret)


@pytest.fixture
def his(platform: Platform) -> dict[str, str]:
    """Basic-auth headers of an institution system."""
    return _register(platform, "his-1", ("system/*.cruds",))


@pytest.fixture
def portal(platform: Platform) -> dict[str, str]:
    """Basic-auth headers of the portal, and an account that logs in through it."""
    platform.security.accounts.create(
        NewAccount("liu", PASSWORD, ("clinician",), "org-hosp", fhir_user="Practitioner/liu")
    )
    return _register(platform, "portal", ("user/*.rs", "offline_access"))


def _system_token(client: TestClient, his: dict[str, str]) -> str:
    answer = client.post("/oauth2/token", content="grant_type=client_credentials", headers=his)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def _login(client: TestClient, portal: dict[str, str]) -> dict[str, Any]:
    form = (
        "grant_type=password&username=liu&password=Kangtong%232026&scope=user/*.rs%20offline_access"
    )
    answer = client.post("/oauth2/token", content=form, headers=portal)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _refresh(client: TestClient, portal: dict[str, str], token: str) -> Any:
    return client.post(
        "/oauth2/token", content=f"grant_type=refresh_token&refresh_token={token}", headers=portal
    )


def _revoke(client: TestClient, headers: dict[str, str], token: str, hint: str = "") -> None:
    form = f"token={token}" + (f"&token_type_hint={hint}" if hint else "")
    assert client.post("/oauth2/revoke", content=form, headers=headers).status_code == 200


def _api(client: TestClient, token: str) -> int:
    return client.get("/fhir/Patient", headers=bearer(token)).status_code


def _events(platform: Platform) -> list[tuple[str, str, dict[str, Any]]]:
    assert platform.security.audit_sink.writer.flush()
    with platform.db.read() as conn:
        return [(r.action, r.outcome, orjson.loads(r.event)) for r in AuditLogStore().rows(conn)]


def _details(event: dict[str, Any]) -> dict[str, str]:
    return {
        d["type"]: d["valueString"] for e in event.get("entity", []) for d in e.get("detail", [])
    }


# -- revocation ------------------------------------------------------------------------------
def test_a_revoked_access_token_is_refused_at_once(
    anonymous: TestClient, platform: Platform, his: dict[str, str]
) -> None:
    token, other = _system_token(anonymous, his), _system_token(anonymous, his)
    assert _api(anonymous, token) == 200  # now in the verified-token cache
    _revoke(anonymous, his, token, "access_token")
    refused = anonymous.get("/fhir/Patient", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.json()["resourceType"] == "OperationOutcome"
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    assert "revoked" in refused.headers["www-authenticate"]
    assert _api(anonymous, other) == 200  # only that token
    revocations = [e for a, _, e in _events(platform) if a == "revoke"]
    assert _details(revocations[-1]) == {"token-type": "access_token"}


def test_an_access_token_is_found_without_a_hint_and_despite_a_wrong_one(
    anonymous: TestClient, his: dict[str, str]
) -> None:
    first, second = _system_token(anonymous, his), _system_token(anonymous, his)
    _revoke(anonymous, his, first)
    _revoke(anonymous, his, second, "refresh_token")
    assert (_api(anonymous, first), _api(anonymous, second)) == (401, 401)


def test_a_client_cannot_revoke_another_clients_access_token(
    anonymous: TestClient, his: dict[str, str], portal: dict[str, str]
) -> None:
    token = _system_token(anonymous, his)
    _revoke(anonymous, portal, token, "access_token")  # 200 (RFC 7009 §2.2), nothing revoked
    assert _api(anonymous, token) == 200


def test_revoking_a_refresh_token_refuses_every_access_token_of_its_grant(
    anonymous: TestClient, portal: dict[str, str]
) -> None:
    first = _login(anonymous, portal)
    rotated = _refresh(anonymous, portal, first["refresh_token"]).json()
    elsewhere = _login(anonymous, portal)  # another grant of the same person
    tokens = (first["access_token"], rotated["access_token"], elsewhere["access_token"])
    assert [_api(anonymous, t) for t in tokens] == [200, 200, 200]
    _revoke(anonymous, portal, rotated["refresh_token"], "refresh_token")
    assert [_api(anonymous, t) for t in tokens] == [401, 401, 200]
    assert _refresh(anonymous, portal, rotated["refresh_token"]).status_code == 400


def test_a_reused_refresh_token_also_refuses_the_access_tokens_of_its_grant(
    anonymous: TestClient, portal: dict[str, str]
) -> None:
    first = _login(anonymous, portal)
    rotated = _refresh(anonymous, portal, first["refresh_token"]).json()
    assert _refresh(anonymous, portal, first["refresh_token"]).status_code == 400  # reuse
    assert _api(anonymous, rotated["access_token"]) == 401


def test_another_worker_process_refuses_a_revoked_token_within_a_second(
    anonymous: TestClient, settings: Settings, database: Database, his: dict[str, str]
) -> None:
    second = build_platform(settings, database=database)  # its own deny-list snapshot
    try:
        with TestClient(create_app(second), base_url="http://kangtong.test") as worker:
            token = _system_token(anonymous, his)
            assert _api(worker, token) == 200
            _revoke(anonymous, his, token, "access_token")
            revoked_at = time.monotonic()
            while _api(worker, token) == 200:
                assert time.monotonic() - revoked_at < 1.5, "not refused within a second"
                time.sleep(0.02)
            assert time.monotonic() - revoked_at <= 1.2
    finally:
        second.close()


# -- refused tokens are audited ----------------------------------------------------------------
@pytest.fixture
def bad_tokens(platform: Platform, his: dict[str, str], anonymous: TestClient) -> dict[str, str]:
    """Authorization headers of every kind of bad token, by the reason they are refused."""
    good = token_for(platform, "clinician", org="org-hosp", subject="cli/王伟")
    header, _payload, signature = good.split(".")
    raised = jwt.decode(good, options={"verify_signature": False}) | {"roles": ["system"]}
    forged = base64.urlsafe_b64encode(orjson.dumps(raised)).rstrip(b"=").decode()
    old = AccessTokens(platform.security.keys, FrozenClock(datetime.now(UTC) - timedelta(hours=1)),
                       issuer=platform.security.issuer, ttl_seconds=900)  # fmt: skip
    expired = old.issue(TokenClaims("cli/王伟", "tests", ("system/*.cruds",), ("system",))).token
    revoked = _system_token(anonymous, his)
    _revoke(anonymous, his, revoked, "access_token")
    return {
        "invalid": f"Bearer {header}.{forged}.{signature}",
        "expired": f"Bearer {expired}",
        "revoked": f"Bearer {revoked}",
        "malformed": f"Basic {base64.b64encode(b'liu:secret').decode()}",
    }


def test_each_refused_token_is_audited_once_saying_why_and_nothing_from_the_token(
    anonymous: TestClient, platform: Platform, bad_tokens: dict[str, str]
) -> None:
    before = len(_events(platform))
    for header in bad_tokens.values():
        answer = anonymous.get("/fhir/Patient?name=王伟", headers={"authorization": header})
        assert answer.status_code == 401 and answer.json()["resourceType"] == "OperationOutcome"
    refused = _events(platform)[before:]
    assert [(a, o) for a, o, _ in refused] == [("login", "denied")] * len(bad_tokens)
    reasons = [_details(e)["bearer-token"] for _, _, e in refused]
    assert reasons == list(bad_tokens)
    assert all(e["outcome"] == "4" and e["type"]["code"] == "110114" for _, _, e in refused)
    logged = orjson.dumps([e for _, _, e in refused]).decode()
    for header in bad_tokens.values():
        for part in header.split(" ")[1].split("."):
            assert part not in logged
    assert "王伟" not in logged and "his-1" not in logged and "secret" not in logged
    assert platform.security.audit.verify().intact


def test_a_request_without_a_token_is_challenged_but_not_audited(
    anonymous: TestClient, platform: Platform
) -> None:
    before = len(_events(platform))
    answer = anonymous.get("/fhir/Patient")
    assert answer.status_code == 401 and answer.headers["www-authenticate"].startswith("Bearer")
    assert len(_events(platform)) == before


def test_a_flood_of_bad_tokens_adds_rows_only_up_to_the_refusal_limit(
    anonymous: TestClient, platform: Platform
) -> None:
    """One row per refused token up to the limit, then 429 and no row each (issue 13 #7)."""
    limit = platform.settings.refusal_limit_per_window
    before = len(_events(platform))
    # Twice the limit: all of it well inside one window even on a busy machine (300 requests
    # once took longer than the 60 s window on PostgreSQL, and the next window began).
    statuses = [_api(anonymous, f"not-a-token-{i}") for i in range(2 * limit)]
    assert statuses[:limit] == [401] * limit and set(statuses[limit:]) == {429}
    assert len(_events(platform)) - before == limit
    assert platform.security.audit.verify().intact
