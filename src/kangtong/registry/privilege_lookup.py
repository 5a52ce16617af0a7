"""Privileges as a write rule sees them: `privileges_of` through a `RuleLookup`.

A rule runs inside the writing transaction, so it cannot call `PrivilegeRegistry.privileges_of`
(which opens its own read). This is the same policy — only grants valid that day, and none
unless practitioner and institution are active and a role there holds that day — read through
the transaction's lookup, so a bundle that registers a grant and uses it is judged as a whole.
"""

from __future__ import annotations

import datetime as dt

from kangtong.fhir.rules import RuleLookup
from kangtong.registry import systems
from kangtong.registry.grants import Grant, grant_of, is_grant
from kangtong.registry.practitioners import Role, role_of
from kangtong.registry.privileges import PrivilegeSet, combine

MAX_ROWS = 200


def _roles(lookup: RuleLookup, practitioner_id: str, organization_id: str | None) -> list[Role]:
    params = [("practitioner", f"Practitioner/{practitioner_id}")]
    if organization_id is not None:
        params.append(("organization", f"Organization/{organization_id}"))
    found = lookup.search("PractitionerRole", params, at_most=MAX_ROWS)
    return [role_of(f.resource) for f in found]


def _grants(lookup: RuleLookup, practitioner_id: str, organization_id: str) -> list[Grant]:
    params = [
        ("subject", f"Practitioner/{practitioner_id}"),
        ("author", f"Organization/{organization_id}"),
        ("code", f"{systems.PRIVILEGE}|"),
    ]
    found = lookup.search("Basic", params, at_most=MAX_ROWS)
    return [grant_of(f.resource) for f in found if is_grant(f.resource)]


def _active(lookup: RuleLookup, res_type: str, res_id: str) -> bool:
    found = lookup.search(res_type, [("_id", res_id)], at_most=1)
    return bool(found) and found[0].resource.get("active") is not False


def privileges_in(
    lookup: RuleLookup, practitioner_id: str, organization_id: str, at: dt.date
) -> PrivilegeSet:
    """What the practitioner may do at the institution on day `at` (see `privileges_of`)."""
    base = PrivilegeSet(practitioner_id, organization_id, at)
    if not (
        _active(lookup, "Practitioner", practitioner_id)
        and _active(lookup, "Organization", organization_id)
    ):
        return base
    if not any(r.holds_on(at) for r in _roles(lookup, practitioner_id, organization_id)):
        return base
    valid = [g for g in _grants(lookup, practitioner_id, organization_id) if g.valid_on(at)]
    return combine(base, valid)


def institutions_of(lookup: RuleLookup, practitioner_id: str, at: dt.date) -> list[str]:
    """The institutions where the practitioner holds a role on day `at`, sorted."""
    roles = _roles(lookup, practitioner_id, None)
    return sorted({r.organization_id for r in roles if r.holds_on(at)})
