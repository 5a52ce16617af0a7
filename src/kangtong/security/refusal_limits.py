"""Refusal limits (拒绝限流): one client cannot flood the audit trail (issue 13 finding 7).

Refusals — bad bearer tokens and failed logins per client address, refused requests per
principal — are counted per fixed window in `sec_refusal_window`, shared by every worker
process. Up to `per_window` refusals a window are audited one by one as before; the one that
crosses the limit blocks the subject in this process until the window ends: its requests are
answered 429 with `Retry-After`, counted in memory, and the flood is recorded once, when the
window ends (or at shutdown), as one aggregated Security Alert (`Flood`): how many refusals,
from which address, in which window. Another process meets the shared count on its first
refusal from that subject and blocks it too, so the limit holds across processes.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from kangtong.core.clock import Clock, epoch_us
from kangtong.store.database import Database
from kangtong.store.refusal_windows import RefusalWindowStore

RefusalKind = Literal["bad-token", "login", "refused"]


@dataclass(frozen=True)
class RefusalLimit:
    per_window: int = 20
    window_seconds: int = 60


@dataclass
class _Block:
    window_start_us: int
    until_us: int
    answered: int = 0  # requests answered 429 here, not yet in the shared count


@dataclass(frozen=True)
class Flood:
    """One window of refusals beyond the limit, as the audit trail records it."""

    kind: str
    who: str  # the client address, or the principal for refused requests
    window_start_us: int
    window_end_us: int
    refused: int  # refusals counted in the window (every process that has reported)
    answered_here: int  # of them answered 429 by this process


class RefusalLimiter:
    def __init__(
        self, db: Database, clock: Clock, limit: RefusalLimit, report: Callable[[Flood], None]
    ) -> None:
        self._db = db
        self._clock = clock
        self.limit = limit
        self._report = report
        self._store = RefusalWindowStore()
        self._blocks: dict[str, _Block] = {}
        self._lock = threading.Lock()

    def retry_after(self, kind: RefusalKind, who: str) -> int | None:
        """Seconds until `who` may try again when this process has blocked it, else None.

        A blocked request is counted for the flood report and touches no database.
        """
        subject = f"{kind}|{who}"
        now = epoch_us(self._clock.now())
        with self._lock:
            block = self._blocks.get(subject)
            if block is None:
                return None
            if now < block.until_us:
                block.answered += 1
                return _seconds(block.until_us - now)
            del self._blocks[subject]  # its window is over (the timer may not have run yet)
        self._report_block(subject, block)
        return None

    @property
    def has_blocks(self) -> bool:
        """Whether any subject is blocked in this process (a lock-free hint for the hot path)."""
        return bool(self._blocks)

    def refused(self, kind: RefusalKind, who: str) -> int | None:
        """Count one refusal; None when it is within the limit (audit it on its own), else
        the seconds for `Retry-After` (this one is part of the flood)."""
        subject = f"{kind}|{who}"
        now = epoch_us(self._clock.now())
        window_us = self.limit.window_seconds * 1_000_000
        start = now - now % window_us
        with self._db.write() as conn:
            total = self._store.add(conn, subject, start)
            if total == 1:  # the first refusal of a window clears out windows long gone
                self._store.forget_before(conn, start - window_us)
        if total <= self.limit.per_window:
            return None
        with self._lock:
            if subject not in self._blocks:
                self._blocks[subject] = _Block(start, start + window_us)
                self._schedule(start + window_us - now)
        return _seconds(start + window_us - now)

    def report_ended(self, *, everything: bool = False) -> None:
        """Record the floods of windows that have ended (all of them when `everything`)."""
        now = epoch_us(self._clock.now())
        with self._lock:
            ended = {s: b for s, b in self._blocks.items() if everything or now >= b.until_us}
            for subject in ended:
                del self._blocks[subject]
        for subject, block in ended.items():
            self._report_block(subject, block)

    def _report_block(self, subject: str, block: _Block) -> None:
        """Add this process's 429s to the shared count and report the window's flood."""
        with self._db.write() as conn:
            total = self._store.add(conn, subject, block.window_start_us, block.answered)
        kind, _, who = subject.partition("|")
        self._report(Flood(kind, who, block.window_start_us, block.until_us, total, block.answered))

    def close(self) -> None:
        """At shutdown: record every flood still open."""
        self.report_ended(everything=True)

    def _schedule(self, delay_us: int) -> None:
        timer = threading.Timer(delay_us / 1_000_000 + 0.05, self._report_quietly)
        timer.daemon = True
        timer.start()

    def _report_quietly(self) -> None:
        try:
            self.report_ended()
        except Exception:  # the platform may be shutting down; `close` reports what is left
            return


def _seconds(us: int) -> int:
    return max(1, math.ceil(us / 1_000_000))
