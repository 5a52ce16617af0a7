"""The OAuth2 token service: grants, refresh-token rotation and revocation (RFC 6749, 7009).

- `client_credentials` (SMART Backend Services): institution systems, `system/` scopes.
- `password` (+ `otp` when the account has TOTP): people, `user/` and `patient/` scopes.
- `refresh_token`: rotated on every use; a used token presented again revokes its whole
  family (RFC 9700 §4.14.2 reuse detection). Stored as SHA-256 hashes only.
A person's access tokens carry their grant's id (`sid`): revoking the grant — its refresh token,
or reuse detection — also denies them. An access token is revoked by itself (`jti` denied until
its `exp`). Every grant, refusal and revocation is written to the audit chain.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection

from kangtong.core.clock import Clock
from kangtong.security.accounts import AccountService
from kangtong.security.audit_events import AuditFacts, build_audit_event
from kangtong.security.audit_trail import AuditTrail
from kangtong.security.clients import ClientCredentials, ClientRegistry
from kangtong.security.oauth_errors import OAuthError, invalid_grant, invalid_request
from kangtong.security.revocation import TokenRevocations
from kangtong.security.roles import Role
from kangtong.security.scopes import narrow
from kangtong.security.secret_digest import secret_digest
from kangtong.security.tokens import CLOCK_SKEW_SECONDS, AccessTokens, IssuedToken, TokenClaims
from kangtong.store.accounts import AccountRow, ClientRow
from kangtong.store.database import Database
from kangtong.store.token_grants import RefreshTokenRow, TokenGrantStore

GRANT_TYPES = ("client_credentials", "password", "refresh_token")
REFRESH_SCOPES = frozenset({"offline_access", "online_access"})


@dataclass(frozen=True)
class TokenRequest:
    grant_type: str
    scope: str = ""
    username: str | None = None
    password: str | None = None
    otp: str | None = None
    refresh_token: str | None = None


@dataclass(frozen=True)
class TokenResponse:
    access: IssuedToken
    refresh_token: str | None

    def body(self) -> dict[str, object]:
        body: dict[str, object] = {
            "access_token": self.access.token,
            "token_type": "Bearer",
            "expires_in": self.access.expires_in,
            "scope": " ".join(self.access.claims.scopes),
        }
        if self.refresh_token:
            body["refresh_token"] = self.refresh_token
        if self.access.claims.patient:
            body["patient"] = self.access.claims.patient
        return body


class TokenService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        clients: ClientRegistry,
        accounts: AccountService,
        tokens: AccessTokens,
        audit: AuditTrail,
        revocations: TokenRevocations,
        refresh_ttl_seconds: int,
    ) -> None:
        self.db = db
        self.clock = clock
        self.clients = clients
        self.accounts = accounts
        self.tokens = tokens
        self.audit = audit
        self.revocations = revocations
        self.refresh_ttl = timedelta(seconds=refresh_ttl_seconds)
        self._grants = TokenGrantStore()

    def token(self, request: TokenRequest, credentials: ClientCredentials) -> TokenResponse:
        client = self.clients.authenticate(credentials)
        try:
            response = self._grant(request, client)
        except OAuthError:
            self._audit("login", "denied", client.client_id, client.organization)
            raise
        claims = response.access.claims
        self._audit(
            "login", "success", claims.subject, claims.organization, frozenset(claims.roles)
        )
        return response

    def _grant(self, request: TokenRequest, client: ClientRow) -> TokenResponse:
        if request.grant_type == "client_credentials":
            return self._client_credentials(request, client)
        if request.grant_type == "password":
            return self._password(request, client)
        if request.grant_type == "refresh_token":
            return self._refresh(request, client)
        raise OAuthError("unsupported_grant_type", f"Supported grants: {', '.join(GRANT_TYPES)}")

    def _client_credentials(self, request: TokenRequest, client: ClientRow) -> TokenResponse:
        requested = request.scope.split() or list(client.scopes)
        scopes = [s for s in narrow(requested, client.scopes) if s.startswith("system/")]
        if not scopes:
            raise OAuthError("invalid_scope", "None of the requested system scopes is allowed")
        claims = TokenClaims(
            subject=client.client_id,
            client_id=client.client_id,
            scopes=tuple(scopes),
            roles=client.roles,
            organization=client.organization,
            district=client.district,
        )
        return TokenResponse(self.tokens.issue(claims), None)

    def _password(self, request: TokenRequest, client: ClientRow) -> TokenResponse:
        if not request.username or request.password is None:
            raise invalid_request("username and password are required")
        account = self.accounts.authenticate(request.username, request.password, request.otp)
        scopes = self._person_scopes(request.scope.split(), client, account)
        grant = secrets.token_hex(16)  # the refresh-token family, and `sid` of its access tokens
        claims = _person_claims(account, client, scopes, grant)
        refresh = (
            self._new_refresh(client, account, scopes, grant, None)
            if REFRESH_SCOPES & set(scopes)
            else None
        )
        return TokenResponse(self.tokens.issue(claims), refresh)

    def _person_scopes(
        self, requested: list[str], client: ClientRow, account: AccountRow
    ) -> list[str]:
        is_resident = Role.RESIDENT in account.roles
        scopes = [
            s for s in narrow(requested, client.scopes)
            if not s.startswith("system/") and (is_resident or not s.startswith("patient/"))
        ]  # fmt: skip
        if not any("/" in s for s in scopes):
            raise OAuthError("invalid_scope", "None of the requested resource scopes is allowed")
        return scopes

    def _refresh(self, request: TokenRequest, client: ClientRow) -> TokenResponse:
        if not request.refresh_token:
            raise invalid_request("refresh_token is required")
        now = self._now_us()
        token_hash = secret_digest(request.refresh_token)
        with self.db.write() as conn:
            row = self._grants.refresh(conn, token_hash)
            if row is None or row.client_id != client.client_id:
                raise invalid_grant()
            if row.revoked is not None or row.expires <= now:
                raise invalid_grant()
            reused = not self._grants.mark_used(conn, token_hash, now)
            if reused:  # committed with this transaction, although the request is refused
                self._revoke_grant(conn, row.family, now)
        if reused:
            self.revocations.refresh(force=True)
            raise invalid_grant("The refresh token was used before; its grant is revoked")
        account = self.accounts.account(row.account_id) if row.account_id else None
        if account is None or not account.active:
            raise invalid_grant()
        scopes = narrow(request.scope.split(), row.scopes) if request.scope else list(row.scopes)
        refresh = self._new_refresh(client, account, scopes, row.family, row)
        claims = _person_claims(account, client, scopes, row.family)
        return TokenResponse(self.tokens.issue(claims), refresh)

    def _new_refresh(
        self,
        client: ClientRow,
        account: AccountRow,
        scopes: list[str],
        family: str,
        previous: RefreshTokenRow | None,
    ) -> str:
        """A new refresh token; a rotation keeps the family and its absolute expiry."""
        token = secrets.token_urlsafe(32)
        now = self._now_us()
        expires = (
            previous.expires if previous else now + int(self.refresh_ttl.total_seconds() * 1e6)
        )
        row = RefreshTokenRow(
            secret_digest(token), family, client.client_id, account.id, tuple(scopes), now, expires,
        )  # fmt: skip
        with self.db.write() as conn:
            self._grants.insert_refresh(conn, row)
        return token

    def revoke(
        self, token: str, credentials: ClientCredentials, token_type_hint: str | None = None
    ) -> None:
        """RFC 7009: revoke a refresh token (its grant, and the access tokens issued from it)
        or an access token (denied until its `exp`). Tokens that are unknown, expired or
        issued to another client are not an error and stay as they are (§2.2).
        """
        client = self.clients.authenticate(credentials)
        ways = (self._revoke_refresh, self._revoke_access)
        if token_type_hint == "access_token":  # a hint only orders the search (§2.1)
            ways = (self._revoke_access, self._revoke_refresh)
        revoked = "none"
        for way in ways:
            found = way(token, client)
            if found:
                revoked = found
                break
        self._audit("revoke", "success", client.client_id, client.organization,
                    details=(("token-type", revoked),))  # fmt: skip

    def _revoke_refresh(self, token: str, client: ClientRow) -> str | None:
        now = self._now_us()
        with self.db.write() as conn:
            row = self._grants.refresh(conn, secret_digest(token))
            if row is None or row.client_id != client.client_id:
                return None
            self._revoke_grant(conn, row.family, now)
        self.revocations.refresh(force=True)
        return "refresh_token"

    def _revoke_access(self, token: str, client: ClientRow) -> str | None:
        try:
            claims = self.tokens.decode(token)
        except OAuthError:
            return None  # not ours, tampered with, or expired: nothing left to revoke
        if claims.client_id != client.client_id or not claims.token_id or not claims.expires_at:
            return None
        expires = int(claims.expires_at.timestamp() + CLOCK_SKEW_SECONDS) * 1_000_000
        self.revocations.revoke_token_id(claims.token_id, expires)
        return "access_token"

    def _revoke_grant(self, conn: Connection, family: str, now_us: int) -> None:
        """End a refresh-token family and deny the access tokens issued from it."""
        self._grants.revoke_family(conn, family, now_us)
        # Its last access token was issued before now and lives `ttl_seconds` at most.
        lives_us = (self.tokens.ttl_seconds + CLOCK_SKEW_SECONDS) * 1_000_000
        self.revocations.deny(conn, "grant", family, now_us + lives_us, at_us=now_us)

    def _audit(
        self, action: str, outcome: str, principal: str, organization: str | None,
        roles: frozenset[str] = frozenset(), details: tuple[tuple[str, str], ...] = (),
    ) -> None:  # fmt: skip
        facts = AuditFacts(action, outcome, principal, self.clock.now(), organization, roles,
                           details=details)  # fmt: skip
        self.audit.append(action, outcome, build_audit_event(facts))

    def _now_us(self) -> int:
        return int(self.clock.now().timestamp() * 1_000_000)


def _person_claims(
    account: AccountRow, client: ClientRow, scopes: list[str], grant: str
) -> TokenClaims:
    patient = None
    if account.fhir_user and account.fhir_user.startswith("Patient/"):
        patient = account.fhir_user.removeprefix("Patient/")
    return TokenClaims(
        subject=f"account/{account.id}",
        client_id=client.client_id,
        scopes=tuple(scopes),
        roles=account.roles,
        organization=account.organization,
        district=account.district,
        fhir_user=account.fhir_user,
        patient=patient if any(s.startswith("patient/") for s in scopes) else None,
        grant_id=grant,
    )
