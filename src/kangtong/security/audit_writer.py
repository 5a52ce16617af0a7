"""Group commit for read and search audit events (ADR 0010).

A read must not pay for a write transaction of its own (on SQLite that would serialise every
read behind the single writer). Requests queue their AuditEvents here; one writer thread
appends whatever has queued — chained in arrival order — in one transaction every few
milliseconds. `wait` blocks until a given event is durable: the sink calls it when the
platform is configured for synchronous read auditing, tests and shutdown call `flush`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from kangtong.security.audit_trail import AuditTrail
from kangtong.store.audit_log import Anchor

log = logging.getLogger("kangtong.security.audit")
# (action, outcome, the AuditEvent — or a function that builds it on the writer thread)
QueuedEvent = tuple[str, str, dict[str, Any] | Callable[[], dict[str, Any]]]


class AuditWriter:
    def __init__(
        self, trail: AuditTrail, *, linger_seconds: float = 0.02, max_batch: int = 2000
    ) -> None:
        self.trail = trail
        self.linger_seconds = linger_seconds
        self.max_batch = max_batch
        self._pending: list[QueuedEvent] = []
        self._submitted = 0  # events ever queued
        self._durable = 0  # events ever committed
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closing = False

    def submit(
        self, action: str, outcome: str, event: dict[str, Any] | Callable[[], dict[str, Any]]
    ) -> int:
        """Queue an event (or its builder, run off the request thread); returns a ticket."""
        with self._changed:
            if self._closing:
                raise RuntimeError("The audit writer is closed")
            self._pending.append((action, outcome, event))
            self._submitted += 1
            ticket = self._submitted
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="kangtong-audit-writer", daemon=True
                )
                self._thread.start()
            self._changed.notify_all()
            return ticket

    def wait(self, ticket: int, timeout: float | None = 10.0) -> bool:
        """Block until event `ticket` is committed; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: self._durable >= ticket, timeout)

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Block until everything queued so far is committed."""
        with self._changed:
            ticket = self._submitted
        return self.wait(ticket, timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Commit what is queued, then stop the thread."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
        try:
            self.trail.publish_committed_head()  # the newest rows are journaled at shutdown
        except Exception as exc:  # the database may be gone already; the next start covers it
            log.error("audit head not journaled at shutdown: %s", type(exc).__name__)

    @property
    def backlog(self) -> int:
        with self._changed:
            return self._submitted - self._durable

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._pending or self._closing)
                if not self._pending and self._closing:
                    return
            time.sleep(self.linger_seconds)  # let concurrent requests join this batch
            with self._changed:
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
            if self._commit(batch):
                with self._changed:
                    self._durable += len(batch)
                    self._changed.notify_all()
                continue
            with self._changed:
                self._pending[:0] = batch  # keep order; retry
                if self._closing:
                    log.error("audit writer stopped with %d events uncommitted", len(self._pending))
                    return
            time.sleep(0.05)

    def _commit(self, batch: list[QueuedEvent]) -> bool:
        try:
            built = [(a, o, e() if callable(e) else e) for a, o, e in batch]
            with self.trail.db.write() as conn:
                rows = self.trail.append_many(conn, built)
        except Exception as exc:  # the database may be briefly unavailable; retry the batch
            log.error("audit batch of %d not committed: %s", len(batch), type(exc).__name__)
            return False
        if rows:  # committed: the anchor journal may learn of this head
            self.trail.publish(Anchor(rows[-1].seq, rows[-1].hash))
        return True
