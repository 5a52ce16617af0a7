"""Logins under load: password hashing never holds the write lock, and failures all count."""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

import pytest

from kangtong.core.config import Settings
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.security.accounts import NewAccount
from kangtong.security.oauth_errors import OAuthError
from kangtong.security.passwords import PasswordHasher

PASSWORD = "Kangtong-2026-secret!"
SYSTEM = AccessContext.system("test")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        base_url="http://kangtong.test/fhir",
        security_key_dir=str(tmp_path / "keys"),
        lockout_threshold=3,
    )


class SlowHasher(PasswordHasher):
    """Argon2id with a fixed extra delay, so time spent hashing is easy to see."""

    def verify(self, password_hash: str, password: str) -> bool:
        time.sleep(0.3)
        return super().verify(password_hash, password)


def failed_logins(platform: Platform, until: float) -> None:
    while time.monotonic() < until:
        with contextlib.suppress(OAuthError):
            platform.security.accounts.authenticate("nobody", "wrong", None)


def test_failed_logins_do_not_hold_up_writes(platform: Platform) -> None:
    platform.security.accounts.hasher = SlowHasher()
    until = time.monotonic() + 2.0
    attackers = [threading.Thread(target=failed_logins, args=(platform, until)) for _ in range(2)]
    for attacker in attackers:
        attacker.start()
    time.sleep(0.2)  # the attackers are hashing now
    latencies = []
    for i in range(6):
        started = time.monotonic()
        platform.service.create(SYSTEM, {"resourceType": "Patient", "gender": "male"})
        latencies.append(time.monotonic() - started)
        time.sleep(0.05 * i)
    for attacker in attackers:
        attacker.join()
    assert max(latencies) < 0.25, latencies


def test_concurrent_wrong_passwords_all_count_towards_the_lockout(platform: Platform) -> None:
    platform.security.accounts.create(NewAccount("zhang", PASSWORD, ("clinician",)))
    barrier = threading.Barrier(8)

    def wrong() -> None:
        barrier.wait()
        with contextlib.suppress(OAuthError):
            platform.security.accounts.authenticate("zhang", "not-the-password", None)

    threads = [threading.Thread(target=wrong) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with pytest.raises(OAuthError, match="locked"):
        platform.security.accounts.authenticate("zhang", PASSWORD, None)


def test_the_right_password_still_logs_in(platform: Platform) -> None:
    platform.security.accounts.create(NewAccount("li", PASSWORD, ("clinician",)))
    account = platform.security.accounts.authenticate("li", PASSWORD, None)
    assert account.username == "li"
