"""The deny-list's rules, the claims revocation needs, and field keys re-read after a rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kangtong.core.clock import FrozenClock
from kangtong.security.keys import KeyFiles
from kangtong.security.revocation import DenyList, epoch_us
from kangtong.security.tokens import AccessTokens, InvalidToken, TokenClaims

NOW = datetime(2026, 11, 28, 9, 0, 0, 500_000, tzinfo=UTC)
ISSUER = "http://kangtong.test/fhir"


def _claims(**changes: object) -> TokenClaims:
    values: dict[str, object] = {
        "subject": "account/a1",
        "client_id": "portal",
        "scopes": ("user/*.rs",),
        "token_id": "jti-1",
        "grant_id": "grant-1",
        "issued_at": NOW.replace(microsecond=0) - timedelta(minutes=5),
    }
    values.update(changes)
    return TokenClaims(**values)  # type: ignore[arg-type]


def _row(kind: str, value: str, revoked: datetime = NOW) -> tuple[str, str, int]:
    return (kind, value, epoch_us(revoked))


def test_an_empty_deny_list_denies_nothing() -> None:
    assert not DenyList().denies(_claims())
    assert not DenyList().denies(_claims(token_id=None, grant_id=None, issued_at=None))


def test_a_revoked_token_id_denies_that_token_only() -> None:
    denied = DenyList.of([_row("jti", "jti-1")])
    assert denied.denies(_claims())
    assert not denied.denies(_claims(token_id="jti-2"))


def test_a_revoked_grant_denies_every_token_issued_from_it() -> None:
    denied = DenyList.of([_row("grant", "grant-1")])
    assert denied.denies(_claims(token_id="jti-2")) and denied.denies(_claims(token_id="jti-3"))
    assert not denied.denies(_claims(grant_id="grant-2"))
    assert not denied.denies(_claims(grant_id=None))  # e.g. a client_credentials token


def test_a_revoked_subject_denies_tokens_issued_up_to_the_revocation_not_after() -> None:
    denied = DenyList.of([_row("subject", "account/a1")])
    assert denied.denies(_claims())
    # `iat` has whole seconds: a token of the revocation's own second counts as before it.
    assert denied.denies(_claims(issued_at=NOW.replace(microsecond=0)))
    assert not denied.denies(_claims(issued_at=NOW.replace(microsecond=0) + timedelta(seconds=1)))
    assert not denied.denies(_claims(subject="account/a2"))


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


class _Revoked:
    """A deny-list of one token id, standing in for `TokenRevocations`."""

    def __init__(self) -> None:
        self.token_ids: set[str] = set()

    def is_revoked(self, claims: TokenClaims) -> bool:
        return claims.token_id in self.token_ids


def test_tokens_carry_their_grant_and_issue_time_and_revoked_ones_fail_verification(
    tmp_path: Path, clock: FrozenClock
) -> None:
    revoked = _Revoked()
    tokens = AccessTokens(
        KeyFiles(tmp_path / "keys"), clock, issuer=ISSUER, ttl_seconds=900, revocations=revoked
    )
    issued = tokens.issue(TokenClaims("account/a1", "portal", ("user/*.rs",), grant_id="g-7"))
    claims = tokens.verify(issued.token)
    assert claims.grant_id == "g-7" and claims.issued_at == NOW.replace(microsecond=0)
    assert claims.token_id is not None
    revoked.token_ids.add(claims.token_id)
    with pytest.raises(InvalidToken) as refused:
        tokens.verify(issued.token)
    assert (refused.value.reason, refused.value.error, refused.value.status) == (
        "revoked",
        "invalid_token",
        401,
    )
    assert tokens.decode(issued.token).token_id == claims.token_id  # still ours, revoked or not


def test_refusals_say_why_without_quoting_the_token(tmp_path: Path, clock: FrozenClock) -> None:
    tokens = AccessTokens(KeyFiles(tmp_path / "keys"), clock, issuer=ISSUER, ttl_seconds=60)
    issued = tokens.issue(TokenClaims("cli/x", "tests", ("system/*.rs",)))
    with pytest.raises(InvalidToken) as tampered:
        tokens.verify(issued.token[:-4] + "AAAA")
    assert tampered.value.reason == "invalid"
    clock.advance(seconds=60 + 31)
    with pytest.raises(InvalidToken) as expired:
        tokens.verify(issued.token)
    assert expired.value.reason == "expired"


def test_a_running_process_sees_a_field_key_rotation_made_by_another(tmp_path: Path) -> None:
    server = KeyFiles(tmp_path / "keys")
    old = server.field_cipher().seal(b"secret", "ctx")
    operator = KeyFiles(tmp_path / "keys")
    assert operator.rotate_field_keys() == 2
    new = operator.field_cipher().seal(b"secret", "ctx")
    cipher = server.field_cipher()
    assert cipher.keyring.current == 2
    assert cipher.open(new, "ctx") == cipher.open(old, "ctx") == b"secret"
    assert server.field_cipher() is cipher  # unchanged file: no re-read
