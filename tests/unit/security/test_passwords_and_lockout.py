from __future__ import annotations

import pytest

from kangtong.core.errors import Invalid
from kangtong.security.lockout import LockoutPolicy, LoginFailures
from kangtong.security.passwords import PasswordHasher, PasswordPolicy, character_classes

MINUTE = 60 * 1_000_000


def test_a_long_password_of_three_classes_is_accepted() -> None:
    assert PasswordPolicy().problems("Kangtong2026", "zhangwei") == []


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Ab1!", "shorter than 10"),
        ("abcdefghijk", "character classes"),
        ("abcdefgh12", "character classes"),
        ("Zhangwei2026!", "contains the user name"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, problem: str) -> None:
    with pytest.raises(Invalid) as refused:
        PasswordPolicy().require(password, "ZhangWei")
    assert problem in refused.value.message
    assert password not in refused.value.message


def test_the_policy_is_configurable() -> None:
    policy = PasswordPolicy(min_length=16, min_classes=4)
    assert policy.problems("Kangtong2026!", "") == ["shorter than 16 characters"]
    assert PasswordPolicy(forbid_username=False).problems("zhangwei-2026X", "zhangwei") == []


def test_chinese_characters_count_as_the_symbol_class() -> None:
    assert character_classes("康通abc123") == 3


def test_hashes_verify_only_their_password_and_differ_by_salt() -> None:
    hasher = PasswordHasher(time_cost=1, memory_kib=1024, parallelism=1)
    first, second = hasher.hash("Kangtong2026"), hasher.hash("Kangtong2026")
    assert first != second and first.startswith("$argon2id$")
    assert hasher.verify(first, "Kangtong2026")
    assert not hasher.verify(first, "kangtong2026")
    assert not hasher.verify("not a hash", "Kangtong2026")


def test_a_hash_made_with_weaker_parameters_needs_rehashing() -> None:
    weak = PasswordHasher(time_cost=1, memory_kib=1024, parallelism=1).hash("Kangtong2026")
    assert PasswordHasher().needs_rehash(weak)


def test_the_threshold_of_failures_within_the_window_locks_the_account() -> None:
    policy = LockoutPolicy(threshold=3, window_us=10 * MINUTE, lock_us=15 * MINUTE)
    state = LoginFailures()
    for minute in range(3):
        assert not state.is_locked(minute * MINUTE)
        state = state.after_failure(policy, minute * MINUTE)
    assert state.is_locked(3 * MINUTE)
    assert state.is_locked(2 * MINUTE + 15 * MINUTE - 1)
    assert not state.is_locked(2 * MINUTE + 15 * MINUTE)


def test_failures_spread_beyond_the_window_do_not_lock() -> None:
    policy = LockoutPolicy(threshold=3, window_us=10 * MINUTE, lock_us=15 * MINUTE)
    state = LoginFailures()
    for minute in (0, 6, 12, 18, 24):
        state = state.after_failure(policy, minute * MINUTE)
        assert not state.is_locked(minute * MINUTE)


def test_a_success_clears_the_failures() -> None:
    policy = LockoutPolicy(threshold=2)
    state = LoginFailures().after_failure(policy, 0)
    assert state.count == 1
    assert LoginFailures.after_success() == LoginFailures()
