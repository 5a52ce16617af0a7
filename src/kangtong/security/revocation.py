"""Access-token revocation before expiry: a deny-list in the database, held in every process.

Three kinds of row deny access tokens: a token id (`jti`, RFC 7009 revocation of an access
token), an OAuth2 grant (`sid`: every access token issued from a revoked refresh-token family)
and a subject (every token of `sub` issued up to the revocation; the operator's command).

Every API request asks `is_revoked`, so the answer comes from an in-process `DenyList`: a
monotonic-clock comparison and at most three hash look-ups. At most once per `refresh_seconds`
a process reads the deny-list's generation counter and re-reads the rows only when it changed.
The process that writes a revocation re-reads at once; every other process honours it within
`refresh_seconds` (1 s). A SQLite-only installation needs nothing else running (ADR 0013).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection

from kangtong.core.clock import Clock
from kangtong.core.errors import Invalid
from kangtong.security.tokens import CLOCK_SKEW_SECONDS, MAX_TOKEN_SECONDS, TokenClaims
from kangtong.store.database import Database
from kangtong.store.token_grants import TokenGrantStore
from kangtong.store.token_revocations import RevocationStore, RevokedKind, RevokedRow

REFRESH_SECONDS = 1.0
MAX_VALUE_LENGTH = 256  # sec_revoked_token.value
ACCOUNT_SUBJECT = "account/"  # subjects of people's tokens (`oauth._person_claims`)


def epoch_us(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


@dataclass(frozen=True)
class DenyList:
    """The revocations in force, as sets to look tokens up in."""

    token_ids: frozenset[str] = frozenset()
    grants: frozenset[str] = frozenset()
    subjects: Mapping[str, int] = field(default_factory=dict)  # subject → revoked at (µs)

    @classmethod
    def of(cls, rows: Iterable[tuple[str, str, int]]) -> DenyList:
        """From (kind, value, revoked µs) rows, as `RevocationStore.live` reads them."""
        by_kind: dict[str, dict[str, int]] = {"jti": {}, "grant": {}, "subject": {}}
        for kind, value, revoked in rows:
            by_kind[kind][value] = revoked
        return cls(frozenset(by_kind["jti"]), frozenset(by_kind["grant"]), by_kind["subject"])

    def denies(self, claims: TokenClaims) -> bool:
        if claims.token_id in self.token_ids or claims.grant_id in self.grants:
            return True
        revoked = self.subjects.get(claims.subject)
        if revoked is None:
            return False
        # `iat` has whole seconds: a token of the revocation's own second is denied too.
        return claims.issued_at is None or epoch_us(claims.issued_at) <= revoked


@dataclass(frozen=True)
class SubjectRevocation:
    subject: str
    revoked_at: datetime
    refresh_grants: int  # refresh-token families of the subject's account that were ended


class TokenRevocations:
    """Writes revocations and answers `is_revoked` from a snapshot refreshed at most once a second."""

    def __init__(
        self, db: Database, clock: Clock, *, longest_token_seconds: int = MAX_TOKEN_SECONDS,
        refresh_seconds: float = REFRESH_SECONDS, monotonic: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.db = db
        self.clock = clock
        self.refresh_seconds = refresh_seconds
        # How long a revocation that does not know the token's expiry must be kept.
        self.keep_us = (longest_token_seconds + CLOCK_SKEW_SECONDS) * 1_000_000
        self._monotonic = monotonic
        self._store = RevocationStore()
        self._grants = TokenGrantStore()
        self._snapshot = DenyList()
        self._generation: int | None = None
        self._next_check = float("-inf")
        self._reading = threading.Lock()

    # -- the hot path ------------------------------------------------------------------------
    def is_revoked(self, claims: TokenClaims) -> bool:
        if self._monotonic() >= self._next_check:
            self.refresh()
        return self._snapshot.denies(claims)

    def refresh(self, *, force: bool = False) -> None:
        """Re-read the deny-list if its generation changed (always when `force`).

        Without `force` a thread that finds another one reading keeps the current snapshot
        rather than wait: the other thread's answer is at most a few milliseconds newer.
        """
        if not self._reading.acquire(blocking=force):
            return
        try:
            with self.db.read() as conn:
                generation = self._store.generation(conn)
                if force or generation != self._generation:
                    rows = self._store.live(conn, epoch_us(self.clock.now()))
                    self._snapshot = DenyList.of(rows)
                    self._generation = generation
            self._next_check = self._monotonic() + self.refresh_seconds
        finally:
            self._reading.release()

    # -- writing -----------------------------------------------------------------------------
    def deny(
        self, conn: Connection, kind: RevokedKind, value: str, expires_us: int,
        at_us: int | None = None,
    ) -> None:  # fmt: skip
        """Add a deny row in `conn`'s transaction; call `refresh(force=True)` after the commit."""
        if not 0 < len(value) <= MAX_VALUE_LENGTH:
            raise Invalid(f"A token id or subject has 1 to {MAX_VALUE_LENGTH} characters")
        now = at_us if at_us is not None else epoch_us(self.clock.now())
        self._store.deny(conn, RevokedRow(kind, value, now, expires_us))

    def revoke_token_id(self, token_id: str, expires_us: int | None = None) -> None:
        """Deny one token until `expires_us` (its `exp`; the longest token life when unknown)."""
        until = expires_us or epoch_us(self.clock.now()) + self.keep_us
        with self.db.write() as conn:
            self.deny(conn, "jti", token_id, until)
        self.refresh(force=True)

    def revoke_subject(self, subject: str) -> SubjectRevocation:
        """Deny every token of `subject` issued until now; end its account's refresh grants.

        Tokens issued later are accepted: this revokes tokens, not the account.
        """
        now = self.clock.now()
        now_us, ended = epoch_us(now), 0
        with self.db.write() as conn:
            self.deny(conn, "subject", subject, now_us + self.keep_us, at_us=now_us)
            if subject.startswith(ACCOUNT_SUBJECT):
                account_id = subject.removeprefix(ACCOUNT_SUBJECT)
                ended = self._grants.revoke_account(conn, account_id, now_us)
        self.refresh(force=True)
        return SubjectRevocation(subject, now, ended)
