"""JWT access tokens (RFC 9068 profile) signed ES256 with the platform's key, carrying SMART
scopes, `fhirUser`, organisation, district and roles; and their conversion to `AccessContext`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt

from kangtong.core.clock import Clock
from kangtong.fhir.access import AccessContext
from kangtong.security.keys import KeyFiles
from kangtong.security.oauth_errors import OAuthError

ALGORITHM = "ES256"
CLOCK_SKEW_SECONDS = 30


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

    def context(self) -> AccessContext:
        """Who the holder of the token is, for the resource service."""
        return AccessContext(
            principal=self.fhir_user or self.subject,
            organization=self.organization,
            district=self.district,
            roles=frozenset(self.roles),
            scopes=frozenset(self.scopes),
        )


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int
    claims: TokenClaims


class AccessTokens:
    """Issues and verifies access tokens; `issuer` doubles as the audience (the FHIR base)."""

    def __init__(self, keys: KeyFiles, clock: Clock, *, issuer: str, ttl_seconds: int) -> None:
        self.keys = keys
        self.clock = clock
        self.issuer = issuer
        self.ttl_seconds = ttl_seconds

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
        """The claims of a valid token; `OAuthError(invalid_token)` for any other."""
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
            raise OAuthError("invalid_token", "The access token is invalid", 401) from exc
        now = self.clock.now().timestamp()
        if not payload["iat"] - CLOCK_SKEW_SECONDS <= now < payload["exp"] + CLOCK_SKEW_SECONDS:
            raise OAuthError("invalid_token", "The access token has expired", 401)
        return TokenClaims(
            subject=payload["sub"],
            client_id=payload.get("client_id", ""),
            scopes=tuple(str(payload.get("scope", "")).split()),
            roles=tuple(payload.get("roles", [])),
            organization=payload.get("organization"),
            district=payload.get("district"),
            fhir_user=payload.get("fhirUser"),
            patient=payload.get("patient"),
            expires_at=datetime.fromtimestamp(payload["exp"], tz=self.clock.now().tzinfo),
            token_id=payload["jti"],
        )

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.keys.public_jwk()]}
