"""`ChainedAuditSink`: the `AuditSink` port of `fhir/access.py`, writing to the audit chain.

Each `record` appends in a transaction of its own. The resource service records `staged`
writes while its own write transaction is open; on SQLite a second writer would wait on the
first, so phase 2 must record those after commit (or pass the connection to
`AuditTrail.append`). Reads and searches are recorded after their transaction ends.
"""

from __future__ import annotations

from kangtong.core.clock import Clock
from kangtong.fhir.access import AccessContext, Action
from kangtong.security.audit_events import AuditFacts, build_audit_event
from kangtong.security.audit_trail import AuditTrail


class ChainedAuditSink:
    def __init__(self, trail: AuditTrail, clock: Clock) -> None:
        self.trail = trail
        self.clock = clock

    def record(
        self,
        ctx: AccessContext,
        action: Action,
        resource_type: str | None,
        resource_id: str | None,
        outcome: str,
    ) -> None:
        facts = AuditFacts(
            action=action,
            outcome=outcome,
            principal=ctx.principal,
            recorded=self.clock.now(),
            organization=ctx.organization,
            roles=ctx.roles,
            resource_type=resource_type,
            resource_id=resource_id,
            purpose=ctx.purpose,
            # The reason itself stays out of the log line; the flag and the grant carry it.
            break_glass_grant="requested" if ctx.break_glass_reason else None,
        )
        self.trail.append(action, outcome, build_audit_event(facts))
