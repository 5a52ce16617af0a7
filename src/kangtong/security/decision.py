"""The access decision (访问控制决策): scope ∩ role permission ∩ data grade ∩ organisation
boundary ∩ care relationship ∩ the resident's Consent, with break-glass as the audited exception.

`AccessDecider.decide` is a pure function of its inputs and the answers of its ports; it never
raises for a denial (the `SecurityPolicy` adapter does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from kangtong.fhir.access import AccessContext
from kangtong.security.classification import Grade, Use, grade_of, may_use
from kangtong.security.consent_writes import consent_write_refusal
from kangtong.security.facts import ResourceFacts
from kangtong.security.ports import (
    BreakGlassGrant,
    BreakGlassGrants,
    CareRelationships,
    Consents,
    ConsentVerdict,
)
from kangtong.security.roles import Role, RolePermission, role_permissions
from kangtong.security.scopes import ResourceScope, ScopeSet, constraints_hold

SecurityAction = Literal[
    "create", "read", "vread", "update", "patch", "delete", "search", "history", "operation",
    "export", "publish", "aggregate",
]  # fmt: skip
WRITE_ACTIONS = frozenset({"create", "update", "patch", "delete"})


@dataclass(frozen=True)
class SearchRestriction:
    """What a permitted search must be narrowed to (applied by the search layer in phase 2).

    kind: `organization` (owner_org = value; `or_care` adds patients the caller treats),
    `district`, `patient` (the caller's own record and dependants), `scope` (a SMART v2
    granular scope whose query must hold; several `scope` restrictions are alternatives).
    """

    kind: Literal["organization", "district", "patient", "scope"]
    value: str
    or_care: bool = False


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    role: Role | None = None
    break_glass: BreakGlassGrant | None = None
    restrictions: tuple[SearchRestriction, ...] = field(default=())

    @property
    def flags(self) -> frozenset[str]:
        """Marks the audit record must carry (break-glass is always flagged)."""
        return frozenset({"break-glass"}) if self.break_glass else frozenset()


def _deny(reason: str, role: Role | None = None) -> Decision:
    return Decision(False, reason, role)


class AccessDecider:
    def __init__(
        self, care: CareRelationships, consents: Consents, grants: BreakGlassGrants
    ) -> None:
        self.care = care
        self.consents = consents
        self.grants = grants

    def decide(
        self,
        ctx: AccessContext,
        action: SecurityAction,
        resource_type: str | None,
        facts: ResourceFacts | None,
    ) -> Decision:
        """May `ctx` perform `action` on `resource_type` (on the resource `facts` describe)?"""
        if Role.SYSTEM in ctx.roles:
            return Decision(True, "the platform itself", Role.SYSTEM)
        scoped = self._scopes(ctx, action, resource_type, facts)
        if isinstance(scoped, Decision):
            return scoped
        denials = []
        for permission in role_permissions(ctx.roles):
            decision = self._for_role(ctx, permission, action, resource_type, facts, scoped)
            if decision.allowed:
                return decision
            denials.append(decision)
        return denials[0] if denials else _deny("The caller holds no known role")

    # -- scopes ----------------------------------------------------------------------------
    def _scopes(
        self,
        ctx: AccessContext,
        action: SecurityAction,
        resource_type: str | None,
        facts: ResourceFacts | None,
    ) -> list[ResourceScope] | Decision:
        matching = ScopeSet.parse(ctx.scopes).matching(action, resource_type)
        if not matching:
            return _deny(f"No granted scope permits {action} on {resource_type or 'any type'}")
        if facts is not None and facts.resource is not None:
            resource = facts.resource
            matching = [s for s in matching if constraints_hold(s, resource)]
            if not matching:
                return _deny("The resource is outside the granular scopes granted")
        patient_only = all(s.context == "patient" for s in matching)
        if patient_only and facts is not None and not self._acts_for_all(ctx, facts):
            return _deny("Patient-level scopes reach only the patient in context")
        return matching

    def _acts_for_all(self, ctx: AccessContext, facts: ResourceFacts) -> bool:
        return bool(facts.patients) and all(self.care.acts_for(ctx, p) for p in facts.patients)

    # -- one role --------------------------------------------------------------------------
    def _for_role(
        self,
        ctx: AccessContext,
        permission: RolePermission,
        action: SecurityAction,
        resource_type: str | None,
        facts: ResourceFacts | None,
        scopes: list[ResourceScope],
    ) -> Decision:
        role = permission.role
        if action == "aggregate":
            if permission.aggregate:
                return Decision(True, "aggregate statistics", role)
            return _deny(f"The {role} role may not run aggregate statistics", role)
        if permission.role == Role.MANAGER:
            return _deny("Managers see aggregate data only", role)
        kind = "write" if action in WRITE_ACTIONS else "read"
        if not permission.may(kind, resource_type):
            return _deny(f"The {role} role may not {kind} {resource_type or 'resources'}", role)
        if kind == "write" and resource_type == "Consent":
            refusal = consent_write_refusal(role, action, facts.resource if facts else None)
            if refusal:
                return _deny(refusal, role)
        sensitive = facts.sensitive if facts else frozenset()
        use: Use = action if action in ("export", "publish") else "read"
        grade = grade_of(resource_type, sensitive)
        if kind == "read" and not may_use(role, use, grade):
            return _deny(f"The {role} role may not {use} grade {int(grade)} data", role)
        if facts is None:
            return Decision(
                True, "type-level permission", role, None, _restrictions(ctx, permission, scopes)
            )
        uncleared = sensitive - permission.sensitive
        if uncleared:
            return self._break_glass(ctx, permission, facts, f"not cleared for {sorted(uncleared)}")
        return self._boundary(ctx, permission, kind, facts)

    def _boundary(
        self, ctx: AccessContext, permission: RolePermission, kind: str, facts: ResourceFacts
    ) -> Decision:
        role = permission.role
        if permission.reach == "platform":
            return Decision(True, "platform-wide role", role)
        if (
            kind == "read"
            and not facts.patients
            and grade_of(facts.resource_type, facts.sensitive) <= Grade.INTERNAL
        ):
            return Decision(True, "reference data", role)
        if permission.reach == "district":
            if ctx.district and facts.district == ctx.district:
                return Decision(True, "within the caller's district", role)
            return _deny("The resource belongs to another district", role)
        if permission.reach == "self":
            if not facts.patients:
                allowed = (
                    facts.resource_type in permission.read
                    and grade_of(facts.resource_type, facts.sensitive) <= 2
                )
                return Decision(
                    allowed, "reference data" if allowed else "not the resident's record", role
                )
            if all(self.care.acts_for(ctx, p) for p in facts.patients):
                return Decision(True, "the resident's own or a dependant's record", role)
            return _deny("Residents see only their own and their dependants' records", role)
        if ctx.organization and facts.owner_org == ctx.organization:
            return Decision(True, "within the caller's organisation", role)
        if kind == "write":
            return _deny("Another organisation's record cannot be changed", role)
        if (
            permission.cross_org_read
            and facts.patients
            and all(self.care.treats(ctx, p) for p in facts.patients)
        ):
            return self._consent(ctx, permission, facts)
        return self._break_glass(ctx, permission, facts, "no care relationship with the patient")

    def _consent(
        self, ctx: AccessContext, permission: RolePermission, facts: ResourceFacts
    ) -> Decision:
        """Cross-institution sharing: opt-out in general, opt-in for sensitive categories."""
        for patient in sorted(facts.patients):
            verdict = self.consents.verdict(patient, ctx, facts.sensitive)
            if verdict == ConsentVerdict.DENY:
                return self._break_glass(ctx, permission, facts, "the resident refused sharing")
            if facts.sensitive and verdict != ConsentVerdict.PERMIT:
                return self._break_glass(
                    ctx, permission, facts, "sensitive data needs the resident's explicit consent"
                )
        return Decision(True, "care relationship and consent", permission.role)

    def _break_glass(
        self, ctx: AccessContext, permission: RolePermission, facts: ResourceFacts, why: str
    ) -> Decision:
        if permission.break_glass and ctx.break_glass_reason and facts.patients:
            grants = [self.grants.active(ctx, p) for p in sorted(facts.patients)]
            if all(g is not None for g in grants):
                return Decision(True, f"break-glass ({why})", permission.role, grants[0])
        return _deny(f"Denied: {why}", permission.role)


def _restrictions(
    ctx: AccessContext, permission: RolePermission, scopes: list[ResourceScope]
) -> tuple[SearchRestriction, ...]:
    found: list[SearchRestriction] = []
    if permission.reach == "organization":
        found.append(
            SearchRestriction("organization", ctx.organization or "", permission.cross_org_read)
        )
    elif permission.reach == "district":
        found.append(SearchRestriction("district", ctx.district or ""))
    elif permission.reach == "self":
        found.append(SearchRestriction("patient", ctx.principal))
    if scopes and all(s.constraints for s in scopes):
        found.extend(SearchRestriction("scope", s.text()) for s in scopes)
    return tuple(found)
