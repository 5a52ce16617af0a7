"""Account lockout (登录失败处理): N failed logins within a window lock the account for a while."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LockoutPolicy:
    threshold: int = 5
    window_us: int = 15 * 60 * 1_000_000
    lock_us: int = 15 * 60 * 1_000_000


@dataclass(frozen=True)
class LoginFailures:
    """The failed-login state of one account (persisted in `sec_account`)."""

    count: int = 0
    since_us: int | None = None
    locked_until_us: int | None = None

    def is_locked(self, now_us: int) -> bool:
        return self.locked_until_us is not None and now_us < self.locked_until_us

    def after_failure(self, policy: LockoutPolicy, now_us: int) -> LoginFailures:
        """The state after one more failure at `now_us`; the window restarts once it has passed."""
        in_window = self.since_us is not None and now_us - self.since_us < policy.window_us
        count = self.count + 1 if in_window else 1
        since = self.since_us if in_window else now_us
        if count >= policy.threshold:
            return LoginFailures(0, None, now_us + policy.lock_us)
        return LoginFailures(count, since, self.locked_until_us)

    @staticmethod
    def after_success() -> LoginFailures:
        return LoginFailures()
