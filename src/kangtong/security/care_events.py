"""What a write of a care fact adds to the audit trail (issue 13, finding 1).

- A registration or referral from a trusted writer (`care_trust`) creates a care relationship:
  an audit event of its own (action `care-relation`) names the patient and the institution (or
  practitioner) that may now read the patient's records elsewhere.
- A clinician — not the institution's system — registering a patient the institution has never
  registered and whose Patient record it does not hold is unusual (it is how a curious
  clinician would try to reach a stranger's record, and it grants nothing): it raises a
  `security-alert` naming the institution and the patient, which that institution's
  administrator reads at `GET /security/alerts`.
The entries travel with the write's `AccessNote` and are stored in the write's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from kangtong.fhir.access import AccessContext, AccessNote, AuditEntry
from kangtong.security.care_trust import (
    REFERRALS,
    REGISTRATIONS,
    is_platform,
    referral_sender,
    trusted_registration,
    writer_of,
)
from kangtong.security.facts import patient_ids
from kangtong.security.roles import Role

CARE_RELATIONSHIP = "care-relation"  # audit_log.action holds 16 characters
SECURITY_ALERT = "security-alert"
OPEN_STATUSES = {
    "Encounter": frozenset({"arrived", "triaged", "in-progress", "onleave"}),
    "EpisodeOfCare": frozenset({"active"}),
    "CareTeam": frozenset({"active"}),
    "ServiceRequest": frozenset({"active"}),
    "Task": frozenset({"requested", "received", "accepted", "ready", "in-progress"}),
}
CARER_PREFIXES = ("Organization/", "Practitioner/", "PractitionerRole/")


class Registrations(Protocol):
    def registered_at(self, institution: str, patient_id: str, *, current: bool = True) -> bool:
        """The institution's own system (or the platform) registered the patient there."""
        ...


# (resource type, id) → (owner organisation, district) of a stored resource, if it exists.
OwnerLookup = Callable[[str, str], tuple[str | None, str | None] | None]


class CareWriteEvents:
    def __init__(self, registrations: Registrations, owner_of: OwnerLookup) -> None:
        self.registrations = registrations
        self.owner_of = owner_of

    def seen_at(self, institution: str, patient_id: str) -> bool:
        """The institution registered the patient once, or holds the Patient record itself."""
        owner = self.owner_of("Patient", patient_id)
        if owner is not None and owner[0] == institution:
            return True
        return self.registrations.registered_at(institution, patient_id, current=False)

    def entries(
        self, ctx: AccessContext, res_type: str, resource: Mapping[str, Any]
    ) -> tuple[AuditEntry, ...]:
        """The care-relationship events or security alerts a write of `resource` adds."""
        if res_type not in REGISTRATIONS | REFERRALS:
            return ()
        patients = patient_ids(res_type, resource)
        if res_type in REFERRALS:
            return self._referrals(ctx, res_type, resource, patients)
        return self._registrations(ctx, res_type, resource, patients)

    def _registrations(
        self,
        ctx: AccessContext,
        res_type: str,
        resource: Mapping[str, Any],
        patients: frozenset[str],
    ) -> tuple[AuditEntry, ...]:
        writer = writer_of(ctx.principal, ctx.roles, ctx.organization)
        if _is_open(res_type, resource):
            carers = [
                carer
                for carer in _carers(res_type, resource)
                if trusted_registration(writer, _institution(carer, ctx))
            ]
            if carers:
                return _relationships(carers, patients)
        if is_platform(writer) or Role.INSTITUTION_SYSTEM.value in ctx.roles:
            return ()
        if not ctx.organization:
            return ()
        unseen = [p for p in sorted(patients) if not self.seen_at(ctx.organization, p)]
        return tuple(
            AuditEntry(
                SECURITY_ALERT,
                "Organization",
                ctx.organization,
                "success",
                AccessNote(frozenset({p})),
            )
            for p in unseen
        )

    def _referrals(
        self,
        ctx: AccessContext,
        res_type: str,
        resource: Mapping[str, Any],
        patients: frozenset[str],
    ) -> tuple[AuditEntry, ...]:
        if not _is_open(res_type, resource):
            return ()
        writer = writer_of(ctx.principal, ctx.roles, ctx.organization)
        carers = []
        for carer in _carers(res_type, resource):
            sender = referral_sender(writer, _institution(carer, ctx))
            if sender is None:
                continue
            if sender == "" or all(self.registrations.registered_at(sender, p) for p in patients):
                carers.append(carer)
        return _relationships(carers, patients)


def _is_open(res_type: str, resource: Mapping[str, Any]) -> bool:
    return resource.get("status") in OPEN_STATUSES.get(res_type, frozenset())


def _institution(carer: str, ctx: AccessContext) -> str | None:
    """The institution a carer belongs to: itself, or for a practitioner the writer's."""
    if carer.startswith("Organization/"):
        return carer.removeprefix("Organization/")
    return ctx.organization


def _carers(res_type: str, resource: Mapping[str, Any]) -> list[str]:
    """The institutions and practitioners a registration or referral names as carers."""
    found: list[Any] = []
    if res_type == "Encounter":
        found += [resource.get("serviceProvider")]
        found += [p.get("individual") for p in _list(resource.get("participant"))]
    elif res_type == "EpisodeOfCare":
        found += [resource.get("managingOrganization"), resource.get("careManager")]
    elif res_type == "CareTeam":
        found += [p.get("member") for p in _list(resource.get("participant"))]
    elif res_type == "ServiceRequest":
        found += _list(resource.get("performer"))
    elif res_type == "Task":
        found += [resource.get("owner")]
    refs = [r.get("reference") for r in found if isinstance(r, Mapping)]
    return sorted({r for r in refs if isinstance(r, str) and r.startswith(CARER_PREFIXES)})


def _list(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _relationships(carers: Iterable[str], patients: frozenset[str]) -> tuple[AuditEntry, ...]:
    if not patients:
        return ()
    return tuple(
        AuditEntry(
            CARE_RELATIONSHIP,
            carer.split("/", 1)[0],
            carer.split("/", 1)[1],
            "success",
            AccessNote(patients),
        )
        for carer in carers
    )
