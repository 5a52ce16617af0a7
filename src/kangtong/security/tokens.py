"""JWT access tokens (RFC 9068 profile) signed ES256 with the platform's key, carrying SMART
scopes, `fhirUser`, organisation, district and roles; and their conversion to `AccessContext`.

A token issued from an OAuth2 grant of a person carries the grant's id as `sid`, so revoking the
grant (its refresh token) also revokes the access tokens issued from it (`security/revocation.py`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

import jwt

from kangtong.core.clock import Clock
from kangtong.fhir.access import AccessContext
from kangtong.security.keys import KeyFiles
from kangtong.security.oauth_errors import OAuthError

ALGORITHM = "ES256"
CLOCK_SKEW_SECONDS = 30
# The longest life any access token may have (`kangtong auth issue-token --ttl` stops here):
# a revocation that does not know a token's `exp` is kept this long.
MAX_TOKEN_SECONDS = 86_400

# Why a token was refused; said in the audit trail instead of anything about the token itself.
RefusalReason = Literal["missing", "malformed", "invalid", "expired", "revoked"]


class InvalidToken(OAuthError):
    """`invalid_token` (RFC 6750 §3.1), with the reason in words the audit trail may keep."""

    def __init__(self, reason: RefusalReason, description: str) -> None:
        super().__init__("invalid_token", description, 401)
        self.reason: RefusalReason = reason


@dataclass(frozen=True)
class TokenClaims:
    subject: str  # account id, client id, or a CLI principal
    client_id: str
    scopes: tuple[str, ...]
    roles: tuple[str, ...] = ()
    organization: str | None = None
    district: str | None = None
    fhir_user: str | None = None  # e.g. Practitioner/123 (SMART fhirUser)
    patient: str | None = None  # SMART launch context for patient/ scopes
    expires_at: datetime | None = None
    token_id: str | None = None
    issued_at: datetime | None = None
    grant_id: str | None = None  # the OAuth2 grant (refresh-token family) it was issued from

    def context(self) -> AccessContext:
        """Who the holder of the token is, for the resource service."""
        return AccessContext(
            principal=self.fhir_user or self.subject,
            organization=self.organization,
            district=self.district,
            roles=frozenset(self.roles),
            scopes=frozenset(self.scopes),
        )


class RevocationCheck(Protocol):
    def is_revoked(self, claims: TokenClaims) -> bool:
        """Whether the token of `claims` was revoked before its expiry."""
        ...


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int
    claims: TokenClaims


class AccessTokens:
    """Issues and verifies access tokens; `issuer` doubles as the audience (the FHIR base)."""

    def __init__(
        self, keys: KeyFiles, clock: Clock, *, issuer: str, ttl_seconds: int,
        revocations: RevocationCheck | None = None,
    ) -> None:  # fmt: skip
        self.keys = keys
        self.clock = clock
        self.issuer = issuer
        self.ttl_seconds = ttl_seconds
        self.revocations = revocations

    def issue(self, claims: TokenClaims, ttl_seconds: int | None = None) -> IssuedToken:
        ttl = ttl_seconds or self.ttl_seconds
        now = int(self.clock.now().timestamp())
        token_id = secrets.token_urlsafe(16)
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.issuer,
            "sub": claims.subject,
            "client_id": claims.client_id,
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
            "jti": token_id,
            "scope": " ".join(claims.scopes),
            "roles": list(claims.roles),
        }
        optional = {
            "organization": claims.organization,
            "district": claims.district,
            "fhirUser": claims.fhir_user,
            "patient": claims.patient,
            "sid": claims.grant_id,
        }
        payload.update({k: v for k, v in optional.items() if v})
        jwk = self.keys.public_jwk()
        token = jwt.encode(
            payload,
            self.keys.signing_key(),
            algorithm=ALGORITHM,
            headers={"kid": jwk["kid"], "typ": "at+jwt"},
        )
        return IssuedToken(token, ttl, claims)

    def verify(self, token: str) -> TokenClaims:
        """The claims of a valid, unrevoked token; `InvalidToken` for any other."""
        claims = self.decode(token)
        self.ensure_not_revoked(claims)
        return claims

    def ensure_not_revoked(self, claims: TokenClaims) -> None:
        if self.revocations is not None and self.revocations.is_revoked(claims):
            raise InvalidToken("revoked", "The access token has been revoked")

    def decode(self, token: str) -> TokenClaims:
        """The claims of a token signed by us, for us, and in force — revoked or not."""
        try:
            payload = jwt.decode(
                token,
                self.keys.signing_key().public_key(),
                algorithms=[ALGORITHM],
                audience=self.issuer,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "jti"], "verify_exp": False,
                         "verify_iat": False, "verify_nbf": False},
            )  # fmt: skip
        except jwt.PyJWTError as exc:
            raise InvalidToken("invalid", "The access token is invalid") from exc
        now = self.clock.now().timestamp()
        if not payload["iat"] - CLOCK_SKEW_SECONDS <= now < payload["exp"] + CLOCK_SKEW_SECONDS:
            raise InvalidToken("expired", "The access token has expired")
        zone = self.clock.now().tzinfo
        return TokenClaims(
            subject=payload["sub"],
            client_id=payload.get("client_id", ""),
            scopes=tuple(str(payload.get("scope", "")).split()),
            roles=tuple(payload.get("roles", [])),
            organization=payload.get("organization"),
            district=payload.get("district"),
            fhir_user=payload.get("fhirUser"),
            patient=payload.get("patient"),
            expires_at=datetime.fromtimestamp(payload["exp"], tz=zone),
            token_id=payload["jti"],
            issued_at=datetime.fromtimestamp(payload["iat"], tz=zone),
            grant_id=payload.get("sid"),
        )

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.keys.public_jwk()]}
