"""Break-glass (紧急授权): a clinician states a reason and gets a short, audited grant for one
patient; the decision honours it only while it lasts and flags every use for audit.

Opening a grant writes a `break-glass` AuditEvent (DCM 110113 Security Alert) in the same
transaction; institution admins list their organisation's grants from those events
(`reported`), with the stated reason read from the grant itself (the audit trail never
holds the reason). A refused request is audited too (outcome 4), naming only the class of
refusal (`REFUSALS`): probing who may break the glass leaves a trace.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson

from kangtong.core.clock import Clock, epoch_us
from kangtong.core.errors import Forbidden, Invalid, KangtongError
from kangtong.fhir.access import AccessContext
from kangtong.security.audit_events import AuditFacts, build_audit_event
from kangtong.security.audit_trail import AuditTrail
from kangtong.security.ports import BreakGlassGrant
from kangtong.security.refusal_limits import RefusalLimiter
from kangtong.security.roles import ROLE_PERMISSIONS, Role
from kangtong.store.audit_log import AuditLogStore
from kangtong.store.database import Database
from kangtong.store.token_grants import BreakGlassRow, TokenGrantStore


@dataclass(frozen=True)
class BreakGlassRules:
    min_reason_length: int = 10
    max_minutes: int = 240


def _instant(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1_000_000, UTC)


# Why a request was refused, as the audit trail records it (never the stated reason itself).
REFUSALS = (
    "role-not-permitted", "no-reason", "short-reason", "bad-duration",
    "malformed-request", "unknown-patient",
)  # fmt: skip


class BreakGlassRefused(KangtongError):
    """A refused request: the error the caller sees and the class the audit trail records."""

    def __init__(self, refusal: str, error: KangtongError) -> None:
        super().__init__(str(error))
        self.refusal = refusal
        self.error = error


def refusal_of(
    ctx: AccessContext, reason: str, minutes: int, rules: BreakGlassRules
) -> BreakGlassRefused | None:
    """Why the request must be refused (who may, a real reason, a bounded duration), if so."""
    if not any(r in ROLE_PERMISSIONS and ROLE_PERMISSIONS[Role(r)].break_glass for r in ctx.roles):
        message = "None of the caller's roles may open a break-glass grant"
        return BreakGlassRefused("role-not-permitted", Forbidden(message))
    if len(reason.strip()) < rules.min_reason_length:
        message = (
            f"A break-glass reason of at least {rules.min_reason_length} characters is required"
        )
        return BreakGlassRefused(
            "short-reason" if reason.strip() else "no-reason", Invalid(message)
        )
    if not 0 < minutes <= rules.max_minutes:
        message = f"A break-glass grant lasts 1 to {rules.max_minutes} minutes"
        return BreakGlassRefused("bad-duration", Invalid(message))
    return None


def new_grant(
    ctx: AccessContext,
    patient_id: str,
    reason: str,
    minutes: int,
    now: datetime,
    rules: BreakGlassRules,
) -> BreakGlassGrant:
    """Check the request and make the grant; raises `BreakGlassRefused` when it may not be."""
    refused = refusal_of(ctx, reason, minutes, rules)
    if refused is not None:
        raise refused
    return BreakGlassGrant(
        str(uuid.uuid4()),
        ctx.principal,
        patient_id,
        reason.strip(),
        now,
        now + timedelta(minutes=minutes),
    )


@dataclass(frozen=True)
class ReportedGrant:
    """A grant as the institution admin sees it (机构管理员复核)."""

    grant: BreakGlassGrant
    organization: str | None


class StoredBreakGlassGrants:
    """Grants kept in `sec_break_glass`; implements the `BreakGlassGrants` port."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        rules: BreakGlassRules | None = None,
        trail: AuditTrail | None = None,
        limiter: RefusalLimiter | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._rules = rules or BreakGlassRules()
        self._store = TokenGrantStore()
        self._trail = trail
        self._limiter = limiter

    def open(
        self, ctx: AccessContext, patient_id: str, reason: str, minutes: int
    ) -> BreakGlassGrant:
        """The grant; a refused request is audited with its class and raises the caller's error."""
        try:
            grant = new_grant(ctx, patient_id, reason, minutes, self._clock.now(), self._rules)
        except BreakGlassRefused as refused:
            self.refuse(ctx, patient_id, refused.refusal)
            raise refused.error from None
        row = BreakGlassRow(
            grant.id,
            grant.principal,
            grant.patient,
            grant.reason,
            epoch_us(grant.granted),
            epoch_us(grant.expires),
        )
        with self._db.write() as conn:
            self._store.insert_break_glass(conn, row)
            if self._trail is not None:
                self._trail.append("break-glass", "success", _opened_event(ctx, grant), conn=conn)
        return grant

    def refuse(self, ctx: AccessContext, patient_id: str | None, refusal: str) -> None:
        """Audit a refused request at once, in a transaction of its own (nothing was written).

        Refusals count towards the caller's refusal limit like any refused request: beyond it
        they are counted into the flood's one aggregated event, not audited one row each, and
        the caller's next requests are answered 429.
        """
        if self._trail is None or self._beyond_the_limit(ctx.principal):
            return
        facts = AuditFacts(
            "break-glass", "denied", ctx.principal, self._clock.now(), ctx.organization,
            ctx.roles, patients=(patient_id,) if patient_id else (), purpose=ctx.purpose,
            details=(("refusal", refusal if refusal in REFUSALS else "malformed-request"),),
        )  # fmt: skip
        self._trail.append("break-glass", "denied", build_audit_event(facts))

    def _beyond_the_limit(self, principal: str) -> bool:
        if self._limiter is None:
            return False
        return (
            self._limiter.retry_after("refused", principal) is not None
            or self._limiter.refused("refused", principal) is not None
        )

    def active_all(self, ctx: AccessContext) -> list[BreakGlassGrant]:
        """Every grant of the caller in force now (for search filters)."""
        with self._db.read() as conn:
            rows = self._store.break_glass_of(conn, ctx.principal, epoch_us(self._clock.now()))
        return [_grant(row) for row in rows]

    def reported(self, organization: str, since: datetime) -> list[ReportedGrant]:
        """Grants opened by callers of `organization` since `since`, oldest first."""
        with self._db.read() as conn:
            rows = AuditLogStore().rows_of_action(conn, "break-glass", epoch_us(since))
            opened = {}
            for row in rows:
                grant_id, org = _grant_and_org(orjson.loads(row.event))
                if grant_id and org == organization:
                    opened[grant_id] = org
            grants = self._store.break_glass_by_ids(conn, list(opened)) if opened else []
        return [ReportedGrant(_grant(g), opened[g.id]) for g in grants]

    def active(self, ctx: AccessContext, patient_id: str) -> BreakGlassGrant | None:
        with self._db.read() as conn:
            row = self._store.active_break_glass(
                conn, ctx.principal, patient_id, epoch_us(self._clock.now())
            )
        return None if row is None else _grant(row)


def _grant(row: BreakGlassRow) -> BreakGlassGrant:
    return BreakGlassGrant(
        row.id, row.principal, row.patient, row.reason, _instant(row.granted), _instant(row.expires)
    )


def _opened_event(ctx: AccessContext, grant: BreakGlassGrant) -> dict[str, object]:
    facts = AuditFacts(
        "break-glass", "success", ctx.principal, grant.granted, ctx.organization, ctx.roles,
        patients=(grant.patient,), purpose=ctx.purpose, break_glass_grant=grant.id,
        details=(("expires", grant.expires.isoformat()),),
    )  # fmt: skip
    return build_audit_event(facts)


def _grant_and_org(event: dict[str, object]) -> tuple[str | None, str | None]:
    """The grant id and the requestor's organisation named in a break-glass AuditEvent."""
    grant_id = org = None
    for entity in event.get("entity", []) or []:  # type: ignore[attr-defined]
        for detail in entity.get("detail", []):
            if detail.get("type") == "break-glass-grant":
                grant_id = detail.get("valueString")
    for agent in event.get("agent", []) or []:  # type: ignore[attr-defined]
        reference = agent.get("who", {}).get("reference", "")
        if not agent.get("requestor") and reference.startswith("Organization/"):
            org = reference.removeprefix("Organization/")
    return grant_id, org
