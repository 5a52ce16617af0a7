"""Web UI sessions (会话): login with password (+ TOTP), lockout, server-side session records.

The cookie carries a random 256-bit session id; the database keeps only its SHA-256, the
account and a synchroniser CSRF token, so a database reader cannot take over sessions and
logout ends the session everywhere. Sessions end `ttl` after login (absolute expiry). Audit
events name the account id, never the user name typed in (it may be a person's name).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from kangtong.core.clock import Clock
from kangtong.security.accounts import AccountService
from kangtong.security.audit_events import AuditFacts, build_audit_event
from kangtong.security.audit_trail import AuditTrail
from kangtong.security.oauth_errors import OAuthError
from kangtong.security.secret_digest import secret_digest
from kangtong.store.accounts import AccountRow
from kangtong.store.database import Database
from kangtong.store.web_sessions import SessionRow, WebSessionStore

LOCKED = "The account is locked"  # how `AccountService.authenticate` says an account is locked


class LoginRefused(Exception):
    """Login failed; `locked` tells the one case the user can do nothing about but wait."""

    def __init__(self, locked: bool) -> None:
        super().__init__("locked" if locked else "invalid credentials")
        self.locked = locked


@dataclass(frozen=True)
class WebSession:
    token: str  # the cookie value; never stored
    csrf_token: str
    account: AccountRow
    expires_us: int


class WebSessions:
    def __init__(
        self, db: Database, clock: Clock, accounts: AccountService, audit: AuditTrail,
        ttl: timedelta = timedelta(hours=2),
    ) -> None:  # fmt: skip
        self._db = db
        self._clock = clock
        self._accounts = accounts
        self._audit = audit
        self._ttl_us = int(ttl.total_seconds() * 1_000_000)
        self._store = WebSessionStore()

    def _now(self) -> int:
        now = self._clock.now()
        return int(now.timestamp()) * 1_000_000 + now.microsecond

    def login(self, username: str, password: str, otp: str | None) -> WebSession:
        """A new session for valid credentials; `LoginRefused` (audited) otherwise."""
        try:
            account = self._accounts.authenticate(username, password, otp or None)
        except OAuthError as exc:
            self._record("web/anonymous", "denied", None)
            raise LoginRefused(exc.description.startswith(LOCKED)) from exc
        token, now = secrets.token_urlsafe(32), self._now()
        row = SessionRow(secret_digest(token), account.id, secrets.token_urlsafe(32), now,
                         now + self._ttl_us)  # fmt: skip
        with self._db.write() as conn:
            self._store.delete_expired(conn, now)
            self._store.insert(conn, row)
        self._record(f"account/{account.id}", "success", account.organization)
        return WebSession(token, row.csrf_token, account, row.expires)

    def resolve(self, token: str | None) -> WebSession | None:
        """The live session of a cookie value; None when absent, unknown, expired or inactive."""
        if not token:
            return None
        with self._db.read() as conn:
            row = self._store.get(conn, secret_digest(token))
        if row is None or row.expires <= self._now():
            return None
        account = self._accounts.account(row.account_id)
        if account is None or not account.active:
            return None
        return WebSession(token, row.csrf_token, account, row.expires)

    def logout(self, session: WebSession) -> None:
        with self._db.write() as conn:
            self._store.delete(conn, secret_digest(session.token))
        self._record(f"account/{session.account.id}", "success", session.account.organization,
                     step="logout")  # fmt: skip

    def _record(
        self, principal: str, outcome: str, organization: str | None, step: str = "login"
    ) -> None:
        facts = AuditFacts("login", outcome, principal, self._clock.now(),
                           organization=organization, details=(("web", step),))  # fmt: skip
        self._audit.append("login", outcome, build_audit_event(facts))
