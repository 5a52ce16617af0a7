"""TOTP codes are good once (RFC 6238 §5.2): a replayed code is refused, even in a race."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from kangtong.core.config import Settings
from kangtong.platform import Platform
from kangtong.security.accounts import NewAccount
from kangtong.security.oauth_errors import OAuthError
from kangtong.security.totp import totp

PASSWORD = "Kangtong-2026-secret!"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        base_url="http://kangtong.test/fhir",
        security_key_dir=str(tmp_path / "keys"),
        lockout_threshold=10,
    )


def _enrolled(platform: Platform, name: str) -> bytes:
    created = platform.security.accounts.create(
        NewAccount(name, PASSWORD, ("clinician",), "org-a", with_totp=True)
    )
    assert created.totp_secret is not None
    return created.totp_secret


def _now(platform: Platform) -> int:
    return int(platform.security.accounts.clock.now().timestamp())


def test_the_same_code_is_accepted_once(platform: Platform) -> None:
    code = totp(_enrolled(platform, "liu"), _now(platform))
    accounts = platform.security.accounts
    assert accounts.authenticate("liu", PASSWORD, code).username == "liu"
    with pytest.raises(OAuthError, match="Invalid credentials"):
        accounts.authenticate("liu", PASSWORD, code)


def test_an_older_code_is_refused_after_a_newer_one_was_used(platform: Platform) -> None:
    secret = _enrolled(platform, "wang")
    now = _now(platform)
    accounts = platform.security.accounts
    assert accounts.authenticate("wang", PASSWORD, totp(secret, now)).username == "wang"
    with pytest.raises(OAuthError):
        accounts.authenticate("wang", PASSWORD, totp(secret, now - 30))


def test_two_concurrent_logins_with_one_code_let_only_one_in(platform: Platform) -> None:
    code = totp(_enrolled(platform, "zhao"), _now(platform))
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def login() -> None:
        barrier.wait()
        try:
            platform.security.accounts.authenticate("zhao", PASSWORD, code)
            outcomes.append("in")
        except OAuthError:
            outcomes.append("refused")

    threads = [threading.Thread(target=login) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["in", "refused", "refused", "refused"]
