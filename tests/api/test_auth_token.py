"""The OAuth2 token and revocation endpoints and SMART discovery, over HTTP on both databases."""

from __future__ import annotations

import base64
import time
import uuid
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from jwt.algorithms import ECAlgorithm

from kangtong.core.config import Settings
from kangtong.platform import Platform
from kangtong.security.accounts import NewAccount
from kangtong.security.clients import JWT_BEARER, NewClient
from kangtong.security.totp import totp

TOKEN_URL = "http://kangtong.test/oauth2/token"
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        base_url="http://kangtong.test/fhir",
        security_key_dir=str(tmp_path / "keys"),
        lockout_threshold=3,
    )


def _basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {**FORM, "authorization": f"Basic {raw}"}


def _his(platform: Platform, method: str = "client_secret_basic") -> str:
    secret = platform.security.clients.register(
        NewClient(
            "his-1", "org-hosp", "人民医院 HIS", method, ("system/*.cruds",), district="520102"
        )  # type: ignore[arg-type]
    )
    assert secret is not None
    return secret


def _portal(platform: Platform) -> str:
    secret = platform.security.clients.register(
        NewClient(
            "portal",
            "org-platform",
            "Portal",
            "client_secret_post",
            ("user/*.cruds", "patient/*.rs", "offline_access", "openid", "fhirUser"),
            (),
        )
    )
    assert secret is not None
    return secret


def test_an_institution_system_gets_a_system_token_with_basic_auth(
    client: TestClient, platform: Platform
) -> None:
    secret = _his(platform)
    response = client.post(
        "/oauth2/token",
        content="grant_type=client_credentials&scope=system/Patient.rs",
        headers=_basic("his-1", secret),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "system/Patient.rs"
    assert "refresh_token" not in body and response.headers["cache-control"] == "no-store"
    claims = platform.security.tokens.verify(body["access_token"])
    assert (claims.organization, claims.district, claims.roles) == (
        "org-hosp",
        "520102",
        ("institution-system",),
    )


def test_a_wrong_secret_or_method_is_invalid_client(client: TestClient, platform: Platform) -> None:
    secret = _his(platform)
    wrong = client.post(
        "/oauth2/token", content="grant_type=client_credentials", headers=_basic("his-1", "x")
    )
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    as_post = client.post(
        "/oauth2/token",
        headers=FORM,
        content=f"grant_type=client_credentials&client_id=his-1&client_secret={secret}",
    )
    assert as_post.status_code == 401


def test_scopes_beyond_the_clients_registration_are_not_granted(
    client: TestClient, platform: Platform
) -> None:
    secret = _his(platform)
    response = client.post(
        "/oauth2/token",
        content="grant_type=client_credentials&scope=user/Patient.rs",
        headers=_basic("his-1", secret),
    )
    assert (response.status_code, response.json()["error"]) == (400, "invalid_scope")


def _assertion(key: ec.EllipticCurvePrivateKey, kid: str, **overrides: object) -> str:
    now = int(time.time())
    claims = {
        "iss": "his-jwt",
        "sub": "his-jwt",
        "aud": TOKEN_URL,
        "exp": now + 240,
        "jti": uuid.uuid4().hex,
    }
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm="ES384", headers={"kid": kid})


def test_private_key_jwt_authenticates_once_per_assertion(
    client: TestClient, platform: Platform
) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True) | {"kid": "k1", "alg": "ES384"}
    platform.security.clients.register(
        NewClient(
            "his-jwt", "org-chc", "CHC", "private_key_jwt", ("system/*.rs",), jwks={"keys": [jwk]}
        )
    )
    assertion = _assertion(key, "k1")
    form = (
        "grant_type=client_credentials&scope=system/Observation.rs"
        f"&client_assertion_type={JWT_BEARER}&client_assertion={assertion}"
    )
    first = client.post("/oauth2/token", content=form, headers=FORM)
    assert first.status_code == 200, first.text
    replay = client.post("/oauth2/token", content=form, headers=FORM)
    assert (replay.status_code, replay.json()["error"]) == (401, "invalid_client")
    other_key = ec.generate_private_key(ec.SECP384R1())
    forged = form.replace(assertion, _assertion(other_key, "k1"))
    assert client.post("/oauth2/token", content=forged, headers=FORM).status_code == 401
    long_lived = form.replace(assertion, _assertion(key, "k1", exp=int(time.time()) + 3600))
    assert client.post("/oauth2/token", content=long_lived, headers=FORM).status_code == 401


def _login(client: TestClient, secret: str, password: str, extra: str = "") -> dict[str, object]:
    form = (
        f"grant_type=password&client_id=portal&client_secret={secret}&username=liu"
        f"&password={password}&scope=user/*.rs%20offline_access{extra}"
    )
    response = client.post("/oauth2/token", content=form, headers=FORM)
    return {"status": response.status_code, **response.json()}


def test_a_person_logs_in_with_password_and_totp(client: TestClient, platform: Platform) -> None:
    secret = _portal(platform)
    created = platform.security.accounts.create(
        NewAccount(
            "liu", "Kangtong#2026", ("clinician",), "org-hosp", "520102", "Practitioner/liu", True
        )
    )
    assert created.totp_secret is not None
    assert _login(client, secret, "Kangtong%232026")["status"] == 400  # no one-time code
    code = totp(created.totp_secret, int(time.time()))
    body = _login(client, secret, "Kangtong%232026", f"&otp={code}")
    assert body["status"] == 200 and body["refresh_token"]
    claims = platform.security.tokens.verify(str(body["access_token"]))
    assert (
        claims.fhir_user == "Practitioner/liu" and claims.context().principal == "Practitioner/liu"
    )
    assert claims.scopes == ("user/*.rs", "offline_access")


def test_repeated_failures_lock_the_account_even_for_the_right_password(
    client: TestClient, platform: Platform
) -> None:
    secret = _portal(platform)
    platform.security.accounts.create(
        NewAccount("liu", "Kangtong#2026", ("clinician",), "org-hosp")
    )
    for _ in range(3):
        assert _login(client, secret, "wrong")["error"] == "invalid_grant"
    locked = _login(client, secret, "Kangtong%232026")
    assert locked["status"] == 400 and "locked" in str(locked["error_description"])


def test_unknown_users_and_wrong_passwords_get_the_same_answer(
    client: TestClient, platform: Platform
) -> None:
    secret = _portal(platform)
    platform.security.accounts.create(
        NewAccount("liu", "Kangtong#2026", ("clinician",), "org-hosp")
    )
    wrong_password = _login(client, secret, "wrong")
    unknown = client.post(
        "/oauth2/token",
        headers=FORM,
        content=(
            f"grant_type=password&client_id=portal&client_secret={secret}"
            "&username=nobody&password=x&scope=user/*.rs"
        ),
    )
    assert unknown.json() == {k: v for k, v in wrong_password.items() if k != "status"}


def test_refresh_tokens_rotate_and_a_reused_one_revokes_the_grant(
    client: TestClient, platform: Platform
) -> None:
    secret = _portal(platform)
    platform.security.accounts.create(
        NewAccount("liu", "Kangtong#2026", ("clinician",), "org-hosp")
    )
    first = str(_login(client, secret, "Kangtong%232026")["refresh_token"])

    def refresh(token: str) -> dict[str, object]:
        response = client.post(
            "/oauth2/token",
            headers=FORM,
            content=(
                f"grant_type=refresh_token&client_id=portal&client_secret={secret}&refresh_token={token}"
            ),
        )
        return {"status": response.status_code, **response.json()}

    second = refresh(first)
    assert second["status"] == 200 and second["refresh_token"] != first
    reused = refresh(first)
    assert reused["status"] == 400 and reused["error"] == "invalid_grant"
    assert refresh(str(second["refresh_token"]))["status"] == 400  # the whole family is revoked


def test_revoking_a_refresh_token_ends_the_grant(client: TestClient, platform: Platform) -> None:
    secret = _portal(platform)
    platform.security.accounts.create(
        NewAccount("liu", "Kangtong#2026", ("clinician",), "org-hosp")
    )
    token = str(_login(client, secret, "Kangtong%232026")["refresh_token"])
    revoked = client.post(
        "/oauth2/revoke",
        headers=FORM,
        content=f"token={token}&client_id=portal&client_secret={secret}",
    )
    assert revoked.status_code == 200
    unknown = client.post(
        "/oauth2/revoke",
        headers=FORM,
        content=f"token=nonsense&client_id=portal&client_secret={secret}",
    )
    assert unknown.status_code == 200  # RFC 7009 §2.2
    again = client.post(
        "/oauth2/token",
        headers=FORM,
        content=(
            f"grant_type=refresh_token&client_id=portal&client_secret={secret}&refresh_token={token}"
        ),
    )
    assert again.json()["error"] == "invalid_grant"


def test_every_grant_and_refusal_is_in_the_audit_chain(
    client: TestClient, platform: Platform
) -> None:
    secret = _his(platform)
    client.post(
        "/oauth2/token", content="grant_type=client_credentials", headers=_basic("his-1", secret)
    )
    client.post(
        "/oauth2/token",
        content="grant_type=password&username=u&password=p",
        headers=_basic("his-1", secret),
    )
    assert platform.security.audit.count() == 2
    assert platform.security.audit.verify().intact


def test_smart_configuration_describes_the_endpoints(client: TestClient) -> None:
    for path in ("/.well-known/smart-configuration", "/fhir/.well-known/smart-configuration"):
        config = client.get(path).json()
        assert config["token_endpoint"] == TOKEN_URL
        assert config["jwks_uri"] == "http://kangtong.test/.well-known/jwks.json"
        assert "private_key_jwt" in config["token_endpoint_auth_methods_supported"]
        assert "permission-v2" in config["capabilities"]
        assert config["grant_types_supported"] == [
            "client_credentials",
            "password",
            "refresh_token",
        ]


def test_tokens_verify_with_the_published_jwks(client: TestClient, platform: Platform) -> None:
    secret = _his(platform)
    token = client.post(
        "/oauth2/token", content="grant_type=client_credentials", headers=_basic("his-1", secret)
    ).json()["access_token"]
    keys = jwt.PyJWKSet.from_dict(client.get("/.well-known/jwks.json").json())
    key = next(k for k in keys.keys if k.key_id == jwt.get_unverified_header(token)["kid"])
    claims = jwt.decode(token, key.key, algorithms=["ES256"], audience="http://kangtong.test/fhir")
    assert claims["client_id"] == "his-1"


def test_the_fhir_api_stays_open_until_phase_2_switches_enforcement_on(client: TestClient) -> None:
    assert client.get("/fhir/Patient").status_code == 200
