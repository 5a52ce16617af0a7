"""OAuth2 clients (接入系统): registration and authentication at the token endpoint.

Each client belongs to an Organization and uses one method (RFC 7591
`token_endpoint_auth_method`): `client_secret_basic`, `client_secret_post` or `private_key_jwt`
(RFC 7523 with a registered JWK Set, as SMART Backend Services asks). Secrets are 256-bit
random values generated here and stored as SHA-256 hashes: with that much entropy a slow
password hash adds nothing.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any, Literal

import jwt
import orjson

from kangtong.core.clock import Clock, epoch_us
from kangtong.core.errors import Conflict, Invalid
from kangtong.security.oauth_errors import invalid_client
from kangtong.security.roles import known_role
from kangtong.security.scopes import parse_scope
from kangtong.security.secret_digest import secret_digest
from kangtong.store.accounts import AccountStore, ClientRow
from kangtong.store.database import Database
from kangtong.store.token_grants import TokenGrantStore

AuthMethod = Literal["client_secret_basic", "client_secret_post", "private_key_jwt"]
AUTH_METHODS: tuple[AuthMethod, ...] = (
    "client_secret_basic",
    "client_secret_post",
    "private_key_jwt",
)
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGORITHMS = ["ES256", "ES384", "RS384", "RS256", "EdDSA"]
MAX_ASSERTION_LIFETIME_SECONDS = 300  # SMART Backend Services: exp at most five minutes ahead


@dataclass(frozen=True)
class ClientCredentials:
    """What a token request presented to authenticate its client."""

    basic: tuple[str, str] | None = None  # from the Authorization: Basic header
    client_id: str | None = None
    client_secret: str | None = None
    assertion_type: str | None = None
    assertion: str | None = None
    token_endpoint: str | None = None  # where the request arrived: the assertion's audience


@dataclass(frozen=True)
class NewClient:
    client_id: str
    organization: str
    name: str
    auth_method: AuthMethod
    scopes: tuple[str, ...]
    roles: tuple[str, ...] = ("institution-system",)
    district: str | None = None
    jwks: dict[str, Any] | None = None


class ClientRegistry:
    def __init__(self, db: Database, clock: Clock, *, token_endpoint: str) -> None:
        self.db = db
        self.clock = clock
        self.token_endpoint = token_endpoint
        self._accounts = AccountStore()
        self._grants = TokenGrantStore()

    def register(self, new: NewClient) -> str | None:
        """Store the client; returns its secret (shown once) or None for private_key_jwt."""
        _check_registration(new)
        secret = None if new.auth_method == "private_key_jwt" else secrets.token_urlsafe(32)
        row = ClientRow(
            client_id=new.client_id,
            organization=new.organization,
            district=new.district,
            name=new.name,
            auth_method=new.auth_method,
            secret_hash=secret_digest(secret) if secret else None,
            jwks=orjson.dumps(new.jwks).decode() if new.jwks else None,
            scopes=new.scopes,
            roles=new.roles,
            active=True,
        )
        with self.db.write() as conn:
            if self._accounts.client(conn, new.client_id) is not None:
                raise Conflict(f"Client {new.client_id!r} is already registered")
            self._accounts.insert_client(conn, row, epoch_us(self.clock.now()))
        return secret

    def authenticate(self, presented: ClientCredentials) -> ClientRow:
        """The client the request authenticated as; `invalid_client` otherwise."""
        if presented.assertion is not None:
            return self._by_assertion(presented)
        if presented.basic is not None:
            client_id, secret = presented.basic
            return self._by_secret(client_id, secret, "client_secret_basic")
        if presented.client_id and presented.client_secret is not None:
            return self._by_secret(
                presented.client_id, presented.client_secret, "client_secret_post"
            )
        raise invalid_client("No client authentication was presented")

    def client(self, client_id: str) -> ClientRow | None:
        with self.db.read() as conn:
            return self._accounts.client(conn, client_id)

    def _by_secret(self, client_id: str, secret: str, method: AuthMethod) -> ClientRow:
        client = self.client(client_id)
        presented = secret_digest(secret)
        stored = client.secret_hash if client and client.secret_hash else "0" * 64
        if not hmac.compare_digest(presented, stored) or client is None or not client.active:
            raise invalid_client()
        if client.auth_method != method:
            raise invalid_client(f"This client is registered for {client.auth_method}")
        return client

    def _by_assertion(self, presented: ClientCredentials) -> ClientRow:
        if presented.assertion_type != JWT_BEARER:
            raise invalid_client("client_assertion_type must be " + JWT_BEARER)
        assertion = presented.assertion or ""
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError as exc:
            raise invalid_client("The client assertion is not a JWT") from exc
        client = self.client(str(unverified.get("iss", "")))
        if (
            client is None
            or not client.active
            or client.auth_method != "private_key_jwt"
            or not client.jwks
        ):
            raise invalid_client()
        audience = self.token_endpoint or presented.token_endpoint or ""
        claims = self._verified_assertion(assertion, header, client, audience)
        with self.db.write() as conn:
            fresh = self._grants.claim_assertion_id(
                conn,
                client.client_id,
                claims["jti"],
                expires=claims["exp"] * 1_000_000,
                now_us=epoch_us(self.clock.now()),
            )
        if not fresh:
            raise invalid_client("The client assertion was used before (jti replay)")
        return client

    def _verified_assertion(
        self, assertion: str, header: dict[str, Any], client: ClientRow, audience: str
    ) -> dict[str, Any]:
        key = _registered_key(client, header.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                assertion,
                key.key,
                algorithms=ASSERTION_ALGORITHMS,
                audience=audience,
                issuer=client.client_id,
                options={"require": ["iss", "sub", "aud", "exp", "jti"], "verify_exp": False,
                         "verify_iat": False, "verify_nbf": False},
            )  # fmt: skip
        except jwt.PyJWTError as exc:
            raise invalid_client(f"The client assertion is invalid: {exc}") from exc
        now = self.clock.now().timestamp()
        if claims["sub"] != client.client_id:
            raise invalid_client("The client assertion's sub must be the client id")
        if not now < claims["exp"] <= now + MAX_ASSERTION_LIFETIME_SECONDS + 30:
            raise invalid_client("The client assertion is expired or lives more than five minutes")
        return claims


def _registered_key(client: ClientRow, kid: Any) -> jwt.PyJWK:
    try:
        keys = jwt.PyJWKSet.from_dict(orjson.loads(client.jwks or "{}")).keys
    except jwt.PyJWTError as exc:
        raise invalid_client("The client's registered JWK Set is unusable") from exc
    matching = [k for k in keys if kid is None or k.key_id == kid]
    if len(matching) != 1:
        raise invalid_client("No single registered key matches the assertion's kid")
    return matching[0]


def _check_registration(new: NewClient) -> None:
    if new.auth_method not in AUTH_METHODS:
        raise Invalid(f"Unknown client authentication method {new.auth_method!r}")
    if new.auth_method == "private_key_jwt":
        if not new.jwks or not new.jwks.get("keys"):
            raise Invalid("A private_key_jwt client must register a JWK Set")
        try:
            jwt.PyJWKSet.from_dict(new.jwks)
        except jwt.PyJWTError as exc:
            raise Invalid(f"The JWK Set is unusable: {exc}") from exc
    unknown = [r for r in new.roles if not known_role(r)]
    if unknown:
        raise Invalid(f"Unknown roles {unknown}")
    for scope in new.scopes:
        parse_scope(scope)  # raises on a malformed resource scope
    if not new.organization:
        raise Invalid("A client belongs to an Organization")
