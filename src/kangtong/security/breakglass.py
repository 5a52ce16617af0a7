"""Break-glass (紧急授权): a clinician states a reason and gets a short, audited grant for one
patient; the decision honours it only while it lasts and flags every use for audit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kangtong.core.clock import Clock
from kangtong.core.errors import Forbidden, Invalid
from kangtong.fhir.access import AccessContext
from kangtong.security.ports import BreakGlassGrant
from kangtong.security.roles import ROLE_PERMISSIONS, Role
from kangtong.store.database import Database
from kangtong.store.token_grants import BreakGlassRow, TokenGrantStore


@dataclass(frozen=True)
class BreakGlassRules:
    min_reason_length: int = 10
    max_minutes: int = 240


def _us(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def _instant(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1_000_000, UTC)


def new_grant(
    ctx: AccessContext,
    patient_id: str,
    reason: str,
    minutes: int,
    now: datetime,
    rules: BreakGlassRules,
) -> BreakGlassGrant:
    """Check the request and make the grant (who may, a real reason, a bounded duration)."""
    if not any(r in ROLE_PERMISSIONS and ROLE_PERMISSIONS[Role(r)].break_glass for r in ctx.roles):
        raise Forbidden("None of the caller's roles may open a break-glass grant")
    if len(reason.strip()) < rules.min_reason_length:
        raise Invalid(
            f"A break-glass reason of at least {rules.min_reason_length} characters is required"
        )
    if not 0 < minutes <= rules.max_minutes:
        raise Invalid(f"A break-glass grant lasts 1 to {rules.max_minutes} minutes")
    return BreakGlassGrant(
        str(uuid.uuid4()),
        ctx.principal,
        patient_id,
        reason.strip(),
        now,
        now + timedelta(minutes=minutes),
    )


class StoredBreakGlassGrants:
    """Grants kept in `sec_break_glass`; implements the `BreakGlassGrants` port."""

    def __init__(self, db: Database, clock: Clock, rules: BreakGlassRules | None = None) -> None:
        self._db = db
        self._clock = clock
        self._rules = rules or BreakGlassRules()
        self._store = TokenGrantStore()

    def open(
        self, ctx: AccessContext, patient_id: str, reason: str, minutes: int
    ) -> BreakGlassGrant:
        grant = new_grant(ctx, patient_id, reason, minutes, self._clock.now(), self._rules)
        row = BreakGlassRow(
            grant.id,
            grant.principal,
            grant.patient,
            grant.reason,
            _us(grant.granted),
            _us(grant.expires),
        )
        with self._db.write() as conn:
            self._store.insert_break_glass(conn, row)
        return grant

    def active(self, ctx: AccessContext, patient_id: str) -> BreakGlassGrant | None:
        with self._db.read() as conn:
            row = self._store.active_break_glass(
                conn, ctx.principal, patient_id, _us(self._clock.now())
            )
        if row is None:
            return None
        return BreakGlassGrant(
            row.id,
            row.principal,
            row.patient,
            row.reason,
            _instant(row.granted),
            _instant(row.expires),
        )
