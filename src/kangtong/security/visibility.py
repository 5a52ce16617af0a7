"""What a caller may see in searches, as an `AccessFilter` the store turns into SQL.

The same rules as `AccessDecider` for a single resource, stated over sets of rows, so a search
returns exactly the resources a read of each would allow:
- reference data (grade ≤ 2: directories, terminology) of the types a role reads: every row;
- personal data by reach — the organisation's own rows (minus sensitive categories the role
  is not cleared for); rows of patients it treats (care relationship), minus those whose
  Consent denies sharing and minus sensitive categories without an explicit permit; the
  district's rows; the resident's own and dependants' rows; everything (platform roles);
- break-glass: rows of the patients the caller holds a grant for (the search is flagged);
- SMART scopes: only types a scope grants; granular scopes become required codings.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from kangtong.fhir.access import AccessContext, AccessNote
from kangtong.fhir.search.definitions import SearchParamRegistry, param_key
from kangtong.security.answers import RecentAnswers
from kangtong.security.breakglass import StoredBreakGlassGrants
from kangtong.security.classification import Grade, grade_of, may_use
from kangtong.security.consents import FhirConsents
from kangtong.security.facts import PATIENT_ELEMENTS
from kangtong.security.ports import ConsentVerdict
from kangtong.security.relationships import FhirCareRelationships
from kangtong.security.roles import CARE_READ, Role, RolePermission, role_permissions
from kangtong.security.scopes import ResourceScope, ScopeSet
from kangtong.security.sensitivity import KANGTONG_SENSITIVITY, Sensitivity
from kangtong.store.criteria import AccessFilter, CodingMatch, Reach

GRANULAR_PARAMS = ("category", "code", "type")  # as `scopes.constraints_hold`


def compartment_params(
    registry: SearchParamRegistry, types: Iterable[str] = CARE_READ
) -> tuple[int, ...]:
    """Keys of the reference parameters that name the patient a resource is about.

    The same elements `facts.patient_ids` reads (subject, patient, beneficiary …), so the
    search filter and the single-resource decision agree on whose record a resource is.
    """
    elements = "|".join(PATIENT_ELEMENTS)
    found: set[int] = set()
    for res_type in sorted(types):
        path = re.compile(rf"^{res_type}\.({elements})\b")
        for param in registry.for_type(res_type).values():
            if param.type != "reference" or not param.expression:
                continue
            parts = [p.strip() for p in param.expression.split("|")]
            if any(path.match(p) for p in parts):
                # `patient` shares the rows of `subject` (the filter's target_type is Patient).
                found.update(param.shared.keys if param.shared else (param.key,))
    return tuple(sorted(found))


class VisibilityBuilder:
    def __init__(
        self,
        care: FhirCareRelationships,
        consents: FhirConsents,
        grants: StoredBreakGlassGrants,
        patient_params: tuple[int, ...],
        recent: RecentAnswers[tuple[AccessFilter | None, AccessNote]],
    ) -> None:
        self.recent = recent  # filters of recent callers (their care and consent answers)
        self.care = care
        self.consents = consents
        self.grants = grants
        self.patient_params = patient_params

    def build(self, ctx: AccessContext) -> tuple[AccessFilter | None, AccessNote]:
        if Role.SYSTEM in ctx.roles:
            return None, AccessNote()
        if ctx.break_glass_reason:
            return self._build(ctx)  # grants open and close at any moment: never reused
        return self.recent.get(ctx, lambda: self._build(ctx))

    def _build(self, ctx: AccessContext) -> tuple[AccessFilter | None, AccessNote]:
        scopes = ScopeSet.parse(ctx.scopes)
        reaches: list[Reach] = []
        granular: dict[str, tuple[tuple[CodingMatch, ...], ...]] = {}
        grant_ids: list[str] = []
        for permission in role_permissions(ctx.roles):
            if permission.role == Role.MANAGER:
                continue  # aggregate statistics only
            readable = self._readable(permission, scopes, granular)
            reference = tuple(t for t in readable if grade_of(t, frozenset()) <= Grade.INTERNAL)
            if reference:
                reaches.append(Reach(reference))
            personal = tuple(
                t for t in readable
                if t not in reference and may_use(permission.role, "read", grade_of(t, frozenset()))
            )  # fmt: skip
            if personal:
                found = self._personal(ctx, permission, personal, scopes)
                reaches += found
                if permission.break_glass and ctx.break_glass_reason:
                    grant_ids += self._break_glass(ctx, personal, reaches)
        access = AccessFilter(
            tuple(reaches),
            KANGTONG_SENSITIVITY,
            self.patient_params,
            tuple(sorted(granular.items())),
        )
        return access, AccessNote(break_glass=",".join(sorted(set(grant_ids))) or None)

    # -- types -------------------------------------------------------------------------
    def _readable(
        self,
        permission: RolePermission,
        scopes: ScopeSet,
        granular: dict[str, tuple[tuple[CodingMatch, ...], ...]],
    ) -> list[str]:
        readable = []
        for res_type in sorted(permission.read):
            matching = scopes.matching("search", res_type) + scopes.matching("read", res_type)
            if not matching:
                continue
            if all(s.constraints for s in matching):
                options = tuple(o for o in (_option(res_type, s) for s in matching) if o)
                if not options:
                    continue
                granular[res_type] = tuple(sorted(set(granular.get(res_type, ()) + options)))
            readable.append(res_type)
        return readable

    # -- personal data by reach ----------------------------------------------------------
    def _personal(
        self,
        ctx: AccessContext,
        permission: RolePermission,
        types: tuple[str, ...],
        scopes: ScopeSet,
    ) -> list[Reach]:
        hidden = _uncleared(permission)
        patient_only = all(s.context == "patient" for s in scopes.resource)
        if permission.reach == "self" or patient_only:
            own = tuple(sorted(self.care.represented(ctx)))
            return [Reach(types, patients=own, hidden_labels=hidden)]
        if permission.reach == "platform":
            return [Reach(types, hidden_labels=hidden)]
        if permission.reach == "district":
            return (
                [Reach(types, district=ctx.district, hidden_labels=hidden)] if ctx.district else []
            )
        reaches = []
        if ctx.organization:
            reaches.append(Reach(types, owner_org=ctx.organization, hidden_labels=hidden))
        if permission.cross_org_read:
            reaches += self._cared_for(ctx, types, hidden)
        return reaches

    def _cared_for(
        self, ctx: AccessContext, types: tuple[str, ...], hidden: tuple[str, ...]
    ) -> list[Reach]:
        """Rows of treated patients, grouped by what each patient's Consent leaves hidden."""
        treated = self.care.treated(ctx)
        self.consents.prefetch(treated)
        groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for patient in sorted(treated):
            if self.consents.verdict(patient, ctx, frozenset()) == ConsentVerdict.DENY:
                continue
            withheld = {
                c.value
                for c in Sensitivity
                if self.consents.verdict(patient, ctx, frozenset({c})) != ConsentVerdict.PERMIT
            }
            groups[tuple(sorted(withheld | set(hidden)))].append(patient)
        return [
            Reach(types, patients=tuple(patients), hidden_labels=labels)
            for labels, patients in sorted(groups.items())
        ]

    def _break_glass(
        self, ctx: AccessContext, types: tuple[str, ...], reaches: list[Reach]
    ) -> list[str]:
        grants = self.grants.active_all(ctx)
        if grants:
            reaches.append(Reach(types, patients=tuple(sorted({g.patient for g in grants}))))
        return [g.id for g in grants]


def _uncleared(permission: RolePermission) -> tuple[str, ...]:
    if not may_use(permission.role, "read", Grade.HIGHLY_SENSITIVE):
        return tuple(sorted(c.value for c in Sensitivity))
    return tuple(sorted(c.value for c in Sensitivity if c not in permission.sensitive))


def _option(res_type: str, scope: ResourceScope) -> tuple[CodingMatch, ...]:
    """The codings a granular scope requires; empty when it names an unsupported parameter."""
    matches = []
    for name, wanted in scope.constraints:
        if name not in GRANULAR_PARAMS:
            return ()
        system, bar, code = wanted.rpartition("|")
        matches.append(
            CodingMatch(param_key(res_type, name), code, system if bar and system else None)
        )
    return tuple(matches)
