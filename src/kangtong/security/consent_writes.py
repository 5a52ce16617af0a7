"""Who may write a Consent (知情同意) — it decides what other institutions see.

The resident writes their own (or a guardian their dependant's: the `self` reach keeps it to
those records). Staff and institution systems only record the resident's decision, so what they
write must carry the signed document as evidence (`Consent.sourceAttachment` or
`sourceReference`), and they never delete one: a withdrawal is recorded as an update with the
signed withdrawal (issue 13, finding 1). The platform's own jobs are not asked.
On reading, a stored Consent's permits count only when `trusted_consent` (data written before
writers were recorded, or by any path round these rules, opens nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kangtong.security.roles import Role
from kangtong.store.records import VersionWriter

EVIDENCE = ("sourceAttachment", "sourceReference")


def consent_write_refusal(
    role: Role, action: str, resource: Mapping[str, Any] | None
) -> str | None:
    """Why `role` may not write this Consent, or None when it may."""
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


def trusted_consent(writer: VersionWriter | None, consent: Mapping[str, Any]) -> bool:
    """Whether a stored Consent's permits count: the resident's own, the platform's, or staff's
    with the signed document. Denies always count (a refusal never opens anything)."""
    if writer is None:
        return False  # stored before writers were recorded (ADR 0022)
    if writer.roles & {Role.RESIDENT.value, Role.SYSTEM.value}:
        return True
    return any(consent.get(key) for key in EVIDENCE)
