"""Who may write a Consent (知情同意) — it decides what other institutions see.

The resident writes their own (or a guardian their dependant's: the `self` reach keeps it to
those records). Staff and institution systems only record the resident's decision (issue 13,
finding 1, and its review):
- only for a patient their institution has registered or holds the record of (`SeenAt`): a
  clinician anywhere could otherwise close a stranger's record with a refusal;
- with the signed document as evidence (`consent_evidence`: a stored document of the patient,
  not the mere presence of `sourceAttachment`);
- never by deleting one: a withdrawal is recorded as an update with the signed withdrawal.
The platform's own jobs are not asked. On reading, a stored Consent counts only when its
writer could have written it now (`ConsentTrust`): permits and denies alike, so data written
before writers were recorded, or by any path round these rules, opens and closes nothing —
except a legacy refusal, which never opens anything and still counts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kangtong.security.consent_evidence import ConsentEvidence, consent_patient
from kangtong.security.roles import Role
from kangtong.store.records import VersionWriter

EVIDENCE = ("sourceAttachment", "sourceReference")
TRUSTED_ROLES = frozenset({Role.RESIDENT.value, Role.SYSTEM.value})
# (institution, patient id) → the institution registered the patient or holds their record.
SeenAt = Callable[[str, str], bool]


def consent_write_refusal(
    role: Role, action: str, resource: Mapping[str, Any] | None
) -> str | None:
    """Why `role` may not write this Consent, or None when it may (checks needing no lookup)."""
    if role == Role.RESIDENT:
        return None
    if action == "delete":
        return (
            "Staff do not delete a Consent: record the resident's withdrawal as an update "
            "carrying the signed document"
        )
    if resource is None or not any(resource.get(key) for key in EVIDENCE):
        return (
            "A Consent recorded by staff must carry the resident's signed decision "
            "(Consent.sourceAttachment or Consent.sourceReference)"
        )
    return None


class ConsentTrust:
    """The checks of a staff-recorded Consent that need the store."""

    def __init__(self, evidence: ConsentEvidence, seen_at: SeenAt) -> None:
        self.evidence = evidence
        self.seen_at = seen_at

    def staff_refusal(self, organization: str | None, consent: Mapping[str, Any]) -> str | None:
        """Why staff of `organization` may not record this Consent, or None when they may."""
        patient = consent_patient(consent)
        if patient is None:
            return "A Consent recorded by staff must name exactly one patient"
        if not organization or not self.seen_at(organization, patient):
            return (
                "Staff record a Consent only for a patient their institution has registered "
                "or holds the record of"
            )
        if not self.evidence.holds(consent):
            return (
                "A Consent recorded by staff must carry the resident's signed document: an "
                "attachment (application/pdf or image/*) with its data or the url of a stored "
                "Binary or DocumentReference of the patient, or a sourceReference to a stored "
                "DocumentReference, Contract, QuestionnaireResponse or Binary of the patient"
            )
        return None

    def counts(self, writer: VersionWriter | None, consent: Mapping[str, Any]) -> tuple[bool, bool]:
        """Whether a stored Consent's (permits, denies) count."""
        if writer is None:
            return False, True  # stored before writers were recorded (ADR 0022)
        if writer.roles & TRUSTED_ROLES:
            return True, True
        trusted = self.staff_refusal(writer.organization, consent) is None
        return trusted, trusted
