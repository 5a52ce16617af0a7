"""Writes that record someone else's decision or relationship (issue 13, finding 1, review).

A Consent recorded by staff and a guardianship (监护关系) recorded by an institution system both
open records to others, so the write itself is checked against the store, after the role's
permission:
- staff record a Consent only for a patient their institution registered, with a stored
  document of the patient as evidence (`consent_writes.ConsentTrust`); a staff permit that
  reaches the writer's own institution or the writer (a permit naming them, or anyone) is
  still trust in staff, so it is audited as its own event (`consent-self`) and raises a
  `consent-alert` for that institution's administrator;
- an institution system records a guardianship only for a dependant its institution
  registered: otherwise the write is refused, counts for nothing when read
  (`care_trust.trusted_guardianship`), and the refusal raises a `guardian-alert`. A
  guardianship that counts is audited as a care relationship naming dependant and institution.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kangtong.fhir.access import AccessContext, AccessNote, AuditEntry
from kangtong.security.care_events import CARE_RELATIONSHIP
from kangtong.security.consent_writes import ConsentTrust, SeenAt
from kangtong.security.consents import rules_of
from kangtong.security.facts import patient_ids
from kangtong.security.relationships import GUARDIAN_SYSTEMS
from kangtong.security.roles import Role

CONSENT_SELF = "consent-self"
CONSENT_ALERT = "consent-alert"
GUARDIAN_ALERT = "guardian-alert"


@dataclass(frozen=True)
class Refusal:
    reason: str
    alerts: tuple[AuditEntry, ...] = ()


def is_guardianship(res_type: str, resource: Mapping[str, Any]) -> bool:
    if res_type != "RelatedPerson":
        return False
    found = resource.get("identifier")
    ids = found if isinstance(found, list) else []
    return any(isinstance(i, Mapping) and i.get("system") in GUARDIAN_SYSTEMS for i in ids)


class RecordGate:
    def __init__(self, consents: ConsentTrust, seen_at: SeenAt, holds_record: SeenAt) -> None:
        self.consents = consents
        self.seen_at = seen_at
        self.holds_record = holds_record  # a guardianship needs the dependant's own record

    def refusal(
        self, ctx: AccessContext, role: Role | None, res_type: str, resource: Mapping[str, Any]
    ) -> Refusal | None:
        """Why this write, permitted to `role`, is refused anyway; None when it is not."""
        if Role.SYSTEM.value in ctx.roles:
            return None
        if res_type == "Consent" and role not in (Role.RESIDENT, Role.SYSTEM):
            reason = self.consents.staff_refusal(ctx.organization, resource)
            return Refusal(reason) if reason else None
        if is_guardianship(res_type, resource) and self._unregistered_system(ctx, resource):
            dependants = patient_ids(res_type, resource)
            alert = AuditEntry(
                GUARDIAN_ALERT, "Organization", ctx.organization, "denied", AccessNote(dependants)
            )
            reason = (
                "An institution system records a guardianship only for a dependant whose "
                "Patient record its institution holds"
            )
            return Refusal(reason, (alert,) if ctx.organization else ())
        return None

    def entries(
        self, ctx: AccessContext, res_type: str, resource: Mapping[str, Any]
    ) -> tuple[AuditEntry, ...]:
        """The audit events and alerts a permitted write of `resource` adds."""
        if res_type == "Consent" and not ctx.roles & {Role.RESIDENT.value, Role.SYSTEM.value}:
            return self._self_permit(ctx, resource)
        if is_guardianship(res_type, resource) and _recorder(ctx):
            dependants = patient_ids(res_type, resource)
            if not dependants or self._unregistered_system(ctx, resource):
                return ()
            carer = "Organization" if ctx.organization else None  # the platform: no institution
            note = AccessNote(dependants)
            return (AuditEntry(CARE_RELATIONSHIP, carer, ctx.organization, "success", note),)
        return ()

    def _unregistered_system(self, ctx: AccessContext, resource: Mapping[str, Any]) -> bool:
        if Role.SYSTEM.value in ctx.roles or Role.INSTITUTION_SYSTEM.value not in ctx.roles:
            return False
        dependants = patient_ids("RelatedPerson", resource)
        org = ctx.organization
        return not org or not dependants or not all(self.holds_record(org, p) for p in dependants)

    def _self_permit(
        self, ctx: AccessContext, consent: Mapping[str, Any]
    ) -> tuple[AuditEntry, ...]:
        own = {ctx.principal} | (
            {f"Organization/{ctx.organization}"} if ctx.organization else set()
        )
        # A permit naming a person may name a colleague of the writer (a practitioner's
        # institution is not known here): alerted too; only permits for other institutions
        # as such are not (second review of issue 13).
        reaches = any(
            r.permit and (not r.actors or r.actors & own or any(_a_person(a) for a in r.actors))
            for r in rules_of(consent)
        )
        patients = patient_ids("Consent", consent)
        if not reaches or not patients or not ctx.organization:
            return ()
        note = AccessNote(patients)
        return (
            AuditEntry(CONSENT_SELF, "Organization", ctx.organization, "success", note),
            AuditEntry(CONSENT_ALERT, "Organization", ctx.organization, "success", note),
        )


def _recorder(ctx: AccessContext) -> bool:
    """A writer whose guardianship can count: the platform or an institution system."""
    return bool(ctx.roles & {Role.SYSTEM.value, Role.INSTITUTION_SYSTEM.value})


def _a_person(actor: str) -> bool:
    return actor.startswith(("Practitioner/", "PractitionerRole/"))
