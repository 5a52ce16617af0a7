"""Which institution wrote each synthetic resource: the owner a load records for it.

A real region's records arrive from each institution's own system, so the store records that
institution (and the district) as their owner. Synthetic output names the institution in the
resource itself; this module reads it back:
- a facility's Organization is its own, a department's belongs to the facility it is `partOf`;
- a Location or Patient belongs to its `managingOrganization`, a PractitionerRole to its
  `organization`, a Practitioner to the institution of its role;
- an Encounter to its `serviceProvider`, an EpisodeOfCare to its `managingOrganization`;
- every other record to the institution holding the Patient record it is about (clinical
  records point at the source Patient of the institution where the care happened, so a
  referral belongs to the institution that wrote it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kangtong.security.facts import patient_ids
from kangtong.synth import systems

Resource = Mapping[str, Any]
OWNING_ELEMENT = {
    "Location": "managingOrganization",
    "Patient": "managingOrganization",
    "PractitionerRole": "organization",
    "Encounter": "serviceProvider",
    "EpisodeOfCare": "managingOrganization",
}


class SynthOwners:
    """Owners of resources, learning Patient and Practitioner owners from what it is shown.

    Show it the registry (PractitionerRole) and the Patients before the records about them.
    """

    def __init__(self) -> None:
        self._patients: dict[str, str] = {}
        self._practitioners: dict[str, str] = {}

    def learn(self, resource: Resource) -> None:
        """Remember whose Patient or Practitioner `resource` makes known."""
        kind = resource.get("resourceType")
        owner = self.owner(resource)
        if owner is None:
            return
        if kind == "Patient":
            self._patients[str(resource["id"])] = owner
        elif kind == "PractitionerRole":
            practitioner = _reference_id(resource.get("practitioner"), "Practitioner/")
            if practitioner:
                self._practitioners.setdefault(practitioner, owner)

    def owner(self, resource: Resource) -> str | None:
        """The id of the Organization that wrote `resource`, or None when it names none."""
        kind = str(resource.get("resourceType", ""))
        if kind == "Organization":
            return _organisation_owner(resource)
        if kind == "Practitioner":
            return self._practitioners.get(str(resource.get("id")))
        element = OWNING_ELEMENT.get(kind)
        if element is not None:
            return _reference_id(resource.get(element))
        owners = {self._patients.get(p) for p in patient_ids(kind, resource)}
        return owners.pop() if len(owners) == 1 else None


def _organisation_owner(resource: Resource) -> str | None:
    department = any(
        coding.get("system") == systems.ORGANIZATION_TYPE and coding.get("code") == "dept"
        for concept in resource.get("type") or []
        for coding in concept.get("coding") or []
    )
    if department:
        return _reference_id(resource.get("partOf"))
    return str(resource["id"]) if "id" in resource else None


def _reference_id(reference: object, prefix: str = "Organization/") -> str | None:
    text = reference.get("reference") if isinstance(reference, Mapping) else None
    if isinstance(text, str) and text.startswith(prefix):
        return text.removeprefix(prefix)
    return None
