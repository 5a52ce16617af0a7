"""Which writers a care relationship (诊疗关系) may come from (issue 13, finding 1).

A relationship grants reading another institution's records, so it never comes from a resource
the reader could have written for themselves:
- a registration (an Encounter, EpisodeOfCare — family-doctor contracts included — or CareTeam)
  counts when the platform or the institution's own system client (HIS, 前置机) wrote it; a
  clinician may document an encounter, but that grants nothing;
- a referral or consultation (ServiceRequest, Task) addressed to an institution or practitioner
  counts when a clinician or system client of *another* institution wrote it, and that
  institution itself holds a registration of the patient.
A guardianship (RelatedPerson naming the guardian) counts when the platform recorded it, or the
system of the institution that holds the dependant's Patient record.
The writer is the one the store recorded for the resource's current version (`written_by`,
`written_as`); versions without a recorded writer are trusted by nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from kangtong.security.roles import Role
from kangtong.store.records import VersionWriter

REGISTRATIONS = frozenset({"Encounter", "EpisodeOfCare", "CareTeam"})
REFERRALS = frozenset({"ServiceRequest", "Task"})
REFERRAL_WRITERS = frozenset({Role.CLINICIAN.value, Role.INSTITUTION_SYSTEM.value})


def writer_of(principal: str, roles: frozenset[str], organization: str | None) -> VersionWriter:
    """The writer a caller is, in the shape the store records."""
    return VersionWriter(principal, roles, organization)


def is_platform(writer: VersionWriter) -> bool:
    return Role.SYSTEM.value in writer.roles


def trusted_registration(writer: VersionWriter | None, institution: str | None) -> bool:
    """A registration at `institution` written by the platform or that institution's system."""
    if writer is None:
        return False
    if is_platform(writer):
        return True
    return (
        institution is not None
        and Role.INSTITUTION_SYSTEM.value in writer.roles
        and writer.organization == institution
    )


def trusted_guardianship(writer: VersionWriter | None, registered: Callable[[str], bool]) -> bool:
    """A guardianship (监护关系) recorded by the platform, or by the system client of the
    institution that holds the dependant's own record (`registered` answers that).

    A clinician's RelatedPerson names a guardian but proves nothing: it would let a clinician
    open a stranger's record to any resident they choose; so would another institution's
    system (issue 13 review: B's system made its own resident the guardian of A's patient).
    """
    if writer is None:
        return False
    if is_platform(writer):
        return True
    return (
        Role.INSTITUTION_SYSTEM.value in writer.roles
        and writer.organization is not None
        and registered(writer.organization)
    )


def referral_sender(writer: VersionWriter | None, addressee: str | None) -> str | None:
    """The institution whose registration must back a referral to `addressee`, if it may send one.

    Returns "" for the platform (trusted outright) and None when the writer may not refer.
    """
    if writer is None:
        return None
    if is_platform(writer):
        return ""
    if not writer.roles & REFERRAL_WRITERS or not writer.organization:
        return None
    if writer.organization == addressee:
        return None  # addressed to oneself
    return writer.organization
