"""Practitioner privileges: granting, revoking, and the typed query the security layer calls.

`privileges_of(ctx, practitioner, organization, at)` answers "what may this practitioner do at
this institution on this day": only grants valid that day count, and none count unless the
practitioner is active, the institution is active and the practitioner holds an active role
there that day (a privilege is attached to a post, not carried to another employer).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from kangtong.core.errors import Invalid
from kangtong.fhir.access import AccessContext
from kangtong.fhir.service import ResourceService
from kangtong.registry import resources, systems
from kangtong.registry.grants import DOCUMENT_PRIVILEGES, Grant, grant_of, grant_resource
from kangtong.registry.practitioners import Role, role_of

ANTIBIOTIC_ORDER = ("non-restricted", "restricted", "special")  # each includes the ones before


@dataclass(frozen=True)
class DocumentRight:
    right: str  # record | view | edit | sign
    document_type: str | None  # WS/T 500 C00nn; None = every type


@dataclass(frozen=True)
class PrivilegeSet:
    """Everything one practitioner may do at one institution on one day."""

    practitioner_id: str
    organization_id: str
    at: dt.date
    may_prescribe: bool = False
    may_prescribe_narcotics: bool = False
    surgery_level: int | None = None  # 1 … 4: may perform surgery up to this level
    antibiotic_grade: str | None = None  # non-restricted | restricted | special
    document_rights: frozenset[DocumentRight] = frozenset()

    def may_operate(self, level: int) -> bool:
        return self.surgery_level is not None and level <= self.surgery_level

    def may_use_antibiotic(self, grade: str) -> bool:
        """特殊使用级 includes 限制使用级, which includes 非限制使用级."""
        if self.antibiotic_grade is None:
            return False
        return ANTIBIOTIC_ORDER.index(grade) <= ANTIBIOTIC_ORDER.index(self.antibiotic_grade)

    def may(self, right: str, document_type: str) -> bool:
        """Whether the practitioner may `right` (record/view/edit/sign) a document of this type."""
        return any(
            r.right == right and r.document_type in (None, document_type)
            for r in self.document_rights
        )


def combine(base: PrivilegeSet, grants: list[Grant]) -> PrivilegeSet:
    """The privileges that `grants` (all valid on `base.at`) give together: the highest wins."""
    levels = [int(g.level) for g in grants if g.privilege == "surgery" and g.level]
    grades = [
        g.level for g in grants if g.privilege == "antibiotic" and g.level in ANTIBIOTIC_ORDER
    ]
    kinds = {g.privilege for g in grants}
    return replace(
        base,
        may_prescribe="prescribe" in kinds,
        may_prescribe_narcotics="narcotic-prescribe" in kinds,
        surgery_level=max(levels) if levels else None,
        antibiotic_grade=max(grades, key=ANTIBIOTIC_ORDER.index) if grades else None,
        document_rights=frozenset(
            DocumentRight(g.privilege.removeprefix("document-"), g.document_type)
            for g in grants
            if g.privilege in DOCUMENT_PRIVILEGES
        ),
    )


class PrivilegeRegistry:
    """Grants as `Basic` resources (see `registry.grants`), written through the resource service."""

    def __init__(self, service: ResourceService) -> None:
        self._service = service

    def grant(self, ctx: AccessContext, grant: Grant) -> Grant:
        """Record a grant; the practitioner must hold a role at the granting institution."""
        roles = self._roles(ctx, grant.practitioner_id, grant.organization_id)
        if not roles:
            raise Invalid(
                f"Practitioner/{grant.practitioner_id} holds no role at Organization/{grant.organization_id}"
            )
        return grant_of(
            resources.create(self._service, ctx, grant_resource(replace(grant, id=None)))
        )

    def revoke(self, ctx: AccessContext, grant_id: str, on: dt.date) -> Grant | None:
        """End a grant: it no longer holds from `on`. A grant that had not started is deleted
        (a versioned tombstone); either way its history stays. Returns the grant as it now is.
        """
        found = resources.current(self._service, ctx, "Basic", grant_id)
        current = grant_of(found.resource)
        if current.start >= on:
            self._service.delete(ctx, "Basic", grant_id)
            return None
        last_day = on - dt.timedelta(days=1)
        if current.end is not None and current.end <= last_day:
            return current  # already ends before then
        ended = grant_resource(replace(current, end=last_day))
        return grant_of(resources.replace_current(self._service, ctx, found, ended))

    def grants_of(
        self, ctx: AccessContext, practitioner_id: str, organization_id: str | None = None
    ) -> list[Grant]:
        params = [("subject", f"Practitioner/{practitioner_id}"), ("code", f"{systems.PRIVILEGE}|")]
        if organization_id:
            params.append(("author", f"Organization/{organization_id}"))
        found = resources.search(self._service, ctx, "Basic", params, count=1000)
        return sorted((grant_of(r) for r in found), key=lambda g: (g.privilege, g.start))

    def privileges_of(
        self, ctx: AccessContext, practitioner_id: str, organization_id: str, at: dt.date
    ) -> PrivilegeSet:
        """What the practitioner may do at the institution on day `at` (see the module doc)."""
        base = PrivilegeSet(practitioner_id, organization_id, at)
        practitioner = resources.current(self._service, ctx, "Practitioner", practitioner_id)
        institution = resources.current(self._service, ctx, "Organization", organization_id)
        if (
            practitioner.resource.get("active") is False
            or institution.resource.get("active") is False
        ):
            return base
        if not any(r.holds_on(at) for r in self._roles(ctx, practitioner_id, organization_id)):
            return base
        valid = [g for g in self.grants_of(ctx, practitioner_id, organization_id) if g.valid_on(at)]
        return combine(base, valid)

    def _roles(self, ctx: AccessContext, practitioner_id: str, organization_id: str) -> list[Role]:
        params = [
            ("practitioner", f"Practitioner/{practitioner_id}"),
            ("organization", f"Organization/{organization_id}"),
        ]
        return [
            role_of(r) for r in resources.search(self._service, ctx, "PractitionerRole", params)
        ]
