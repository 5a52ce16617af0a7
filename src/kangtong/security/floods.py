"""The audit record of a refusal flood: one Security Alert for a window, not one row a request."""

from __future__ import annotations

from datetime import UTC, datetime

from kangtong.core.clock import Clock
from kangtong.security.audit_events import AuditFacts, build_audit_event
from kangtong.security.audit_writer import AuditWriter
from kangtong.security.refusal_limits import Flood
from kangtong.security.refused_tokens import ANONYMOUS


def _instant(us: int) -> str:
    return datetime.fromtimestamp(us / 1_000_000, UTC).isoformat()


class FloodRecorder:
    """Queues the aggregated event of a flood to the group-commit writer."""

    def __init__(self, writer: AuditWriter, clock: Clock) -> None:
        self.writer = writer
        self.clock = clock

    def __call__(self, flood: Flood) -> None:
        principal = flood.who if flood.kind == "refused" else ANONYMOUS
        details = (
            ("refusal-kind", flood.kind),
            *((("client-address", flood.who),) if flood.kind != "refused" else ()),
            ("window-start", _instant(flood.window_start_us)),
            ("window-end", _instant(flood.window_end_us)),
            ("refused-in-window", str(flood.refused)),
            ("answered-429-here", str(flood.answered_here)),
        )
        facts = AuditFacts("refusal-flood", "denied", principal, self.clock.now(), details=details)
        self.writer.submit("refusal-flood", "denied", build_audit_event(facts))
