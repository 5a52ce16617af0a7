"""`ChainedAuditSink`: the `AuditSink` port of `fhir/access.py`, writing to the audit chain.

- writes: appended in the write's own transaction (`record_in`), so a write and its audit
  record commit or roll back together;
- denials: appended at once in a transaction of their own (the refused action wrote nothing);
- reads, searches, operations: queued to the group-commit `AuditWriter`; the request waits
  for durability only when `durable_reads` is set (ADR 0010). Reads of the platform's own
  in-process jobs (`AccessContext.system`) are not recorded; every token holder's are.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from kangtong.core.clock import Clock
from kangtong.fhir.access import AccessContext, AuditEntry
from kangtong.security.audit_events import AuditFacts, build_audit_event
from kangtong.security.audit_trail import AuditTrail
from kangtong.security.audit_writer import AuditWriter
from kangtong.security.refusal_limits import RefusalLimiter

# `AccessContext.system(name)`: loaders, subscribers, the access policy's own look-ups.
PLATFORM_JOBS = "system/"


class ChainedAuditSink:
    def __init__(
        self,
        trail: AuditTrail,
        clock: Clock,
        writer: AuditWriter | None = None,
        *,
        durable_reads: bool = False,
    ) -> None:
        self.trail = trail
        self.clock = clock
        self.writer = writer or AuditWriter(trail)
        self.durable_reads = durable_reads
        # Refused requests beyond the limit are counted into one flood event (issue 13 #7).
        self.limiter: RefusalLimiter | None = None

    def event(
        self,
        ctx: AccessContext,
        entry: AuditEntry,
        recorded: datetime | None = None,
        *,
        together: Sequence[AuditEntry] = (),
    ) -> dict[str, Any]:
        """The AuditEvent of `entry`, and of the `together` entries of the same action."""
        patients = set(entry.note.patients)
        for other in together:
            patients.update(other.note.patients)
        facts = AuditFacts(
            action=entry.action,
            outcome=entry.outcome,
            principal=ctx.principal,
            recorded=recorded or self.clock.now(),
            organization=ctx.organization,
            roles=ctx.roles,
            resource_type=entry.resource_type,
            resource_id=entry.resource_id,
            more_resources=tuple(
                (o.resource_type, o.resource_id)
                for o in together
                if o.resource_type is not None and o.resource_id is not None
            ),
            patients=sorted(patients),
            purpose=ctx.purpose,
            # The reason itself stays out of the log line; the grant id leads to it.
            break_glass_grant=entry.note.break_glass,
        )
        return build_audit_event(facts)

    def record(self, ctx: AccessContext, entry: AuditEntry) -> None:
        if entry.outcome == "success" and ctx.principal.startswith(PLATFORM_JOBS):
            return  # the platform's in-process jobs reading for themselves; their writes count
        if entry.outcome != "success":
            if not self._beyond_the_limit(ctx):
                self.trail.append(entry.action, entry.outcome, self.event(ctx, entry))
            return
        recorded = self.clock.now()  # when it happened, not when the writer gets to it
        ticket = self.writer.submit(
            entry.action, entry.outcome, lambda: self.event(ctx, entry, recorded)
        )
        if self.durable_reads:
            self.writer.wait(ticket)

    def record_in(
        self, conn: Connection, ctx: AccessContext, entries: Sequence[AuditEntry]
    ) -> None:
        """Audit a transaction's entries in it: one event per action, outcome and grant.

        A 50-entry bundle is one AuditEvent naming its 50 resources (FHIR's `transaction`
        interaction is one request), which keeps the chain — and each commit — small.
        """
        groups: dict[tuple[str, str, str | None], list[AuditEntry]] = {}
        for entry in entries:
            groups.setdefault((entry.action, entry.outcome, entry.note.break_glass), []).append(
                entry
            )
        events = [
            (first.action, first.outcome, self.event(ctx, first, together=rest))
            for first, *rest in groups.values()
        ]
        self.trail.append_many(conn, events)

    def _beyond_the_limit(self, ctx: AccessContext) -> bool:
        """A refusal of a principal already flooding (or crossing the limit now) is counted,
        not audited on its own: the flood's aggregated event records it."""
        if self.limiter is None:
            return False
        principal = ctx.principal
        return (
            self.limiter.retry_after("refused", principal) is not None
            or self.limiter.refused("refused", principal) is not None
        )

    def close(self) -> None:
        """Record open floods, then commit what is queued."""
        if self.limiter is not None:
            self.limiter.close()
        self.writer.close()
