from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import jwt
import pytest

from kangtong.core.clock import FrozenClock
from kangtong.security.keys import FIELD_KEYS_FILE, SIGNING_KEY_FILE, KeyFiles
from kangtong.security.oauth_errors import OAuthError
from kangtong.security.tokens import AccessTokens, TokenClaims

ISSUER = "http://kangtong.test/fhir"


def test_keys_are_generated_once_private_to_the_owner_and_reused(tmp_path: Path) -> None:
    first = KeyFiles(tmp_path / "keys")
    jwk = first.public_jwk()
    path = tmp_path / "keys" / SIGNING_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert KeyFiles(tmp_path / "keys").public_jwk() == jwk
    assert {"kid", "x", "y"} <= jwk.keys() and "d" not in jwk
    assert jwk["alg"] == "ES256"


def test_nothing_is_written_until_a_key_is_needed(tmp_path: Path) -> None:
    KeyFiles(tmp_path / "keys")
    assert not (tmp_path / "keys").exists()


def test_field_key_rotation_keeps_old_values_readable(tmp_path: Path) -> None:
    keys = KeyFiles(tmp_path / "keys")
    sealed = keys.field_cipher().seal(b"13800138000", "Patient.telecom")
    assert keys.rotate_field_keys() == 2
    reread = KeyFiles(tmp_path / "keys").field_cipher()
    assert reread.keyring.current == 2
    assert reread.open(sealed, "Patient.telecom") == b"13800138000"
    assert reread.key_version(reread.reseal(sealed, "Patient.telecom")) == 2
    assert stat.S_IMODE((tmp_path / "keys" / FIELD_KEYS_FILE).stat().st_mode) == 0o600


def test_sm2_keys_sign_what_they_verify(tmp_path: Path) -> None:
    from kangtong.security.crypto.sm2 import Sm2Signer, sm2_verify

    pair = KeyFiles(tmp_path / "keys").sm2_keys()
    assert KeyFiles(tmp_path / "keys").sm2_keys() == pair
    assert sm2_verify(pair.public_hex, b"doc", Sm2Signer(pair).sign(b"doc"))


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 11, 24, tzinfo=UTC))


@pytest.fixture
def tokens(tmp_path: Path, clock: FrozenClock) -> AccessTokens:
    return AccessTokens(KeyFiles(tmp_path / "keys"), clock, issuer=ISSUER, ttl_seconds=900)


CLAIMS = TokenClaims(
    subject="account/a1",
    client_id="portal",
    scopes=("user/*.rs", "fhirUser"),
    roles=("clinician",),
    organization="org-1",
    district="520102",
    fhir_user="Practitioner/liu",
)


def test_an_issued_token_verifies_to_its_claims_and_context(tokens: AccessTokens) -> None:
    issued = tokens.issue(CLAIMS)
    claims = tokens.verify(issued.token)
    assert (claims.subject, claims.scopes, claims.roles) == (
        CLAIMS.subject,
        CLAIMS.scopes,
        CLAIMS.roles,
    )
    ctx = claims.context()
    assert ctx.principal == "Practitioner/liu" and ctx.organization == "org-1"
    assert ctx.scopes == {"user/*.rs", "fhirUser"} and ctx.roles == {"clinician"}
    header = jwt.get_unverified_header(issued.token)
    assert header["alg"] == "ES256" and header["kid"] == tokens.jwks()["keys"][0]["kid"]


def test_an_expired_token_is_refused(tokens: AccessTokens, clock: FrozenClock) -> None:
    issued = tokens.issue(CLAIMS, ttl_seconds=60)
    clock.advance(seconds=60 + 31)
    with pytest.raises(OAuthError) as refused:
        tokens.verify(issued.token)
    assert refused.value.error == "invalid_token"


def test_a_token_signed_by_another_key_is_refused(
    tmp_path: Path, tokens: AccessTokens, clock: FrozenClock
) -> None:
    other = AccessTokens(KeyFiles(tmp_path / "other"), clock, issuer=ISSUER, ttl_seconds=900)
    with pytest.raises(OAuthError):
        tokens.verify(other.issue(CLAIMS).token)


def test_a_token_for_another_issuer_is_refused(
    tmp_path: Path, tokens: AccessTokens, clock: FrozenClock
) -> None:
    other = AccessTokens(tokens.keys, clock, issuer="http://elsewhere/fhir", ttl_seconds=900)
    with pytest.raises(OAuthError):
        tokens.verify(other.issue(CLAIMS).token)


def test_a_tampered_token_is_refused(tokens: AccessTokens) -> None:
    header, _, signature = tokens.issue(CLAIMS).token.split(".")
    forged = jwt.utils.base64url_encode(b'{"sub":"account/admin"}').decode()
    with pytest.raises(OAuthError):
        tokens.verify(f"{header}.{forged}.{signature}")
