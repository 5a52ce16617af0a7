"""The audit record of a bearer token refused at the API (401): one AuditEvent per request.

Appended through the group-commit `AuditWriter` rather than a transaction per refusal, so a
flood of bad tokens adds exactly one row per refused request, one commit per ~20 ms batch, and
no refused request waits for the database. The event (a DCM 110114 User Authentication, outcome
4) says why the token was refused and the HTTP method — nothing from the token (not its
subject, client or id) and nothing about the caller that could name a person.
"""

from __future__ import annotations

from kangtong.core.clock import Clock
from kangtong.security.audit_events import AuditFacts, build_audit_event
from kangtong.security.audit_writer import AuditWriter
from kangtong.security.tokens import RefusalReason

ANONYMOUS = "api/anonymous"


class RefusedTokens:
    def __init__(self, writer: AuditWriter, clock: Clock) -> None:
        self.writer = writer
        self.clock = clock

    def record(self, reason: RefusalReason, method: str) -> None:
        facts = AuditFacts(
            "login", "denied", ANONYMOUS, self.clock.now(),
            details=(("bearer-token", reason), ("http-method", method.upper()[:10])),
        )  # fmt: skip
        self.writer.submit("login", "denied", lambda: build_audit_event(facts))
