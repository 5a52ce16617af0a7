"""People's accounts (用户): creation under the password policy, login with lockout and TOTP.

Login failures say only "invalid credentials", whatever failed, so they reveal neither which
user names exist nor whether the password or the one-time code was wrong. A one-time code is
accepted once (RFC 6238 §5.2): the account remembers the last accepted time step, updated
under the account's row lock in the login's own transaction, so a replayed code — even one
raced against its first use — is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection

from kangtong.core.clock import Clock, epoch_us
from kangtong.core.errors import Conflict, Invalid
from kangtong.security.crypto.field_cipher import FieldCipher, UndecryptableField
from kangtong.security.lockout import LockoutPolicy, LoginFailures
from kangtong.security.oauth_errors import OAuthError, invalid_grant
from kangtong.security.passwords import PasswordHasher, PasswordPolicy
from kangtong.security.roles import known_role
from kangtong.security.totp import accepted_step, new_totp_secret
from kangtong.store.accounts import AccountRow, AccountStore
from kangtong.store.database import Database

TOTP_CONTEXT = "sec_account.totp_secret"


@dataclass(frozen=True)
class NewAccount:
    username: str
    password: str
    roles: tuple[str, ...]
    organization: str | None = None
    district: str | None = None
    fhir_user: str | None = None
    with_totp: bool = False


@dataclass(frozen=True)
class CreatedAccount:
    id: str
    totp_secret: bytes | None  # shown once, for the authenticator app


@dataclass(frozen=True)
class ResealCount:
    """What re-encrypting one sealed field under the current key version did."""

    field: str
    examined: int
    resealed: int
    unreadable: int  # altered values, or sealed under a key version no longer in the key file


def _step_unused(fresh: AccountRow, step: int | None) -> bool:
    """No login accepted this code's time step or a later one (checked under the row lock)."""
    if fresh.totp_secret is None or step is None:
        return fresh.totp_secret is None
    return fresh.totp_last_step is None or step > fresh.totp_last_step


def _failures(account: AccountRow) -> LoginFailures:
    return LoginFailures(account.failed_count, account.failed_since, account.locked_until)


class AccountService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        hasher: PasswordHasher,
        policy: PasswordPolicy,
        lockout: LockoutPolicy,
        cipher: Callable[[], FieldCipher],
    ) -> None:
        self.db = db
        self.clock = clock
        self.hasher = hasher
        self.policy = policy
        self.lockout = lockout
        self.cipher = cipher
        self._store = AccountStore()
        self._dummy_hash: str | None = None

    def create(self, new: NewAccount) -> CreatedAccount:
        if not new.username.strip():
            raise Invalid("A user name is required")
        unknown = [r for r in new.roles if not known_role(r)]
        if unknown or not new.roles:
            raise Invalid(f"Unknown or missing roles {unknown}")
        self.policy.require(new.password, new.username)
        account_id = str(uuid.uuid4())
        secret = new_totp_secret() if new.with_totp else None
        row = AccountRow(
            id=account_id,
            username=new.username.strip(),
            password_hash=self.hasher.hash(new.password),
            roles=new.roles,
            organization=new.organization,
            district=new.district,
            fhir_user=new.fhir_user,
            totp_secret=self.cipher().seal(secret, f"{TOTP_CONTEXT}:{account_id}")
            if secret
            else None,
            failed_count=0,
            failed_since=None,
            locked_until=None,
            active=True,
        )
        with self.db.write() as conn:
            if self._store.account_by_username(conn, row.username) is not None:
                raise Conflict("That user name is taken")
            self._store.insert_account(conn, row, epoch_us(self.clock.now()))
        return CreatedAccount(account_id, secret)

    def authenticate(self, username: str, password: str, otp: str | None) -> AccountRow:
        """The account, if the password (and TOTP, when enrolled) are right and it is not locked.

        The slow part — Argon2id, ~0.2 s — runs outside any transaction, so a stream of failed
        logins never holds the write lock; the outcome is then recorded by a short write that
        re-reads the account under a row lock and counts the attempt against its state then.
        """
        with self.db.read() as conn:
            account = self._store.account_by_username(conn, username.strip())
        if account is None or not account.active:
            self.hasher.verify(self._timing_hash(), password)  # same cost as a real check
            raise invalid_grant("Invalid credentials")
        if _failures(account).is_locked(epoch_us(self.clock.now())):
            raise OAuthError("invalid_grant", "The account is locked after repeated failures")
        holds, step = self._credentials_hold(account, password, otp)
        rehashed = None
        if holds and self.hasher.needs_rehash(account.password_hash):
            rehashed = self.hasher.hash(password)
        if self._record_attempt(account, holds, rehashed, step):
            return account
        raise invalid_grant("Invalid credentials")

    def _record_attempt(
        self, checked: AccountRow, holds: bool, rehashed: str | None, step: int | None
    ) -> bool:
        """Count one login attempt; True when it succeeds against the account as it is now.

        A success counts only if nothing that decided it changed meanwhile: the account is
        still active, not locked by concurrent failures, its password is the one checked, and
        no login has used this code's time step (or a later one) since it was checked.
        """
        now = epoch_us(self.clock.now())
        with self.db.write() as conn:
            fresh = self._store.account_by_id(conn, checked.id, for_update=True)
            if fresh is None or not fresh.active:
                return False
            state = _failures(fresh)
            if state.is_locked(now):
                raise OAuthError("invalid_grant", "The account is locked after repeated failures")
            unchanged = fresh.password_hash == checked.password_hash
            if holds and unchanged and _step_unused(fresh, step):
                self._save(conn, fresh.id, LoginFailures.after_success())
                if step is not None:
                    self._store.set_totp_last_step(conn, fresh.id, step)
                if rehashed is not None:
                    self._store.set_password_hash(conn, fresh.id, rehashed)
                return True
            self._save(conn, fresh.id, state.after_failure(self.lockout, now))
            return False

    def account(self, account_id: str) -> AccountRow | None:
        with self.db.read() as conn:
            return self._store.account_by_id(conn, account_id)

    def _credentials_hold(
        self, account: AccountRow, password: str, otp: str | None
    ) -> tuple[bool, int | None]:
        """Whether the password (and code) hold, and the time step of the accepted code."""
        if not self.hasher.verify(account.password_hash, password):
            return False, None
        if account.totp_secret is None:
            return True, None
        if otp is None:
            return False, None
        secret = self.cipher().open(account.totp_secret, f"{TOTP_CONTEXT}:{account.id}")
        now = int(self.clock.now().timestamp())
        step = accepted_step(secret, otp, now, after=account.totp_last_step)
        return step is not None, step

    def reseal_totp_secrets(self, batch: int = 500) -> ResealCount:
        """Re-encrypt every TOTP secret sealed under an older field key (after a rotation).

        In write transactions of `batch` accounts; a secret changed meanwhile is left as it is.
        Running it again finds nothing left to do, so an interrupted run is simply repeated.
        """
        cipher = self.cipher()
        after, examined, resealed, unreadable = "", 0, 0, 0
        while True:
            with self.db.write() as conn:
                rows = self._store.sealed_totp_secrets(conn, after, batch)
                for account_id, sealed in rows:
                    try:
                        if not cipher.needs_rotation(sealed):
                            continue
                        fresh = cipher.reseal(sealed, f"{TOTP_CONTEXT}:{account_id}")
                    except UndecryptableField:
                        unreadable += 1
                        continue
                    resealed += self._store.replace_totp_secret(conn, account_id, sealed, fresh)
            examined += len(rows)
            if len(rows) < batch:
                return ResealCount(TOTP_CONTEXT, examined, resealed, unreadable)
            after = rows[-1][0]

    def _timing_hash(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash("kangtong-timing-equaliser")
        return self._dummy_hash

    def _save(self, conn: Connection, account_id: str, state: LoginFailures) -> None:
        self._store.set_login_state(
            conn,
            account_id,
            failed_count=state.count,
            failed_since=state.since_us,
            locked_until=state.locked_until_us,
        )
