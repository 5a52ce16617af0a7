"""Departments (科室) and locations (院区, 楼宇, 病区) of an institution.

A department is an Organization of HL7 type `dept` (plus its name in the department code
system) `partOf` the institution — what the synthetic district writes, and what a
PractitionerRole can point at. A location is a FHIR Location managed by the institution: where
things are, not who is responsible.
"""

from __future__ import annotations

from dataclasses import dataclass

from kangtong.core.errors import Invalid
from kangtong.core.jsonutil import JsonObject
from kangtong.fhir.access import AccessContext
from kangtong.fhir.service import ResourceService
from kangtong.registry import resources, systems

PHYSICAL_TYPES = {
    "si": "Site",
    "bu": "Building",
    "wi": "Wing",
    "wa": "Ward",
    "lvl": "Level",
    "ro": "Room",
}


@dataclass(frozen=True)
class Department:
    institution_id: str
    name: str
    active: bool = True
    id: str | None = None


@dataclass(frozen=True)
class Site:
    """A Location of an institution; `kind` is an HL7 location-physical-type code (bu, wa …)."""

    institution_id: str
    name: str
    kind: str = "bu"
    address: str | None = None
    parent_id: str | None = None
    id: str | None = None


def department_resource(department: Department) -> JsonObject:
    return {
        "resourceType": "Organization",
        "active": department.active,
        "type": [
            {
                "coding": [
                    {
                        "system": systems.HL7_ORGANIZATION_TYPE,
                        "code": "dept",
                        "display": "Hospital Department",
                    }
                ]
            },
            {
                "coding": [
                    {
                        "system": systems.DEPARTMENT,
                        "code": department.name,
                        "display": department.name,
                    }
                ]
            },
        ],
        "name": department.name,
        "partOf": {"reference": f"Organization/{department.institution_id}"},
    }


def department_of(resource: JsonObject) -> Department:
    parent = str((resource.get("partOf") or {}).get("reference", ""))
    return Department(
        parent.rpartition("/")[2],
        str(resource.get("name", "")),
        resource.get("active") is not False,
        resource.get("id"),
    )


def site_resource(site: Site) -> JsonObject:
    if site.kind not in PHYSICAL_TYPES:
        raise Invalid(f"'{site.kind}' is not a location kind ({', '.join(PHYSICAL_TYPES)})")
    resource: JsonObject = {
        "resourceType": "Location",
        "status": "active",
        "mode": "instance",
        "name": site.name,
        "physicalType": {
            "coding": [
                {
                    "system": systems.LOCATION_PHYSICAL_TYPE,
                    "code": site.kind,
                    "display": PHYSICAL_TYPES[site.kind],
                }
            ]
        },
        "managingOrganization": {"reference": f"Organization/{site.institution_id}"},
    }
    if site.address:
        resource["address"] = {"text": site.address}
    if site.parent_id:
        resource["partOf"] = {"reference": f"Location/{site.parent_id}"}
    return resource


def site_of(resource: JsonObject) -> Site:
    def ref(element: str) -> str | None:
        reference = (resource.get(element) or {}).get("reference")
        return str(reference).rpartition("/")[2] if reference else None

    codings = (resource.get("physicalType") or {}).get("coding") or [{}]
    return Site(
        ref("managingOrganization") or "",
        str(resource.get("name", "")),
        str(codings[0].get("code", "")),
        (resource.get("address") or {}).get("text"),
        ref("partOf"),
        resource.get("id"),
    )


class UnitRegistry:
    """Departments and locations of registered institutions."""

    def __init__(self, service: ResourceService) -> None:
        self._service = service

    def add_department(self, ctx: AccessContext, department: Department) -> Department:
        self._require_institution(ctx, department.institution_id)
        return department_of(resources.create(self._service, ctx, department_resource(department)))

    def departments(self, ctx: AccessContext, institution_id: str) -> list[Department]:
        params = [
            ("partof", f"Organization/{institution_id}"),
            ("type", f"{systems.HL7_ORGANIZATION_TYPE}|dept"),
            ("_sort", "name"),
        ]
        return [
            department_of(r) for r in resources.search(self._service, ctx, "Organization", params)
        ]

    def add_site(self, ctx: AccessContext, site: Site) -> Site:
        self._require_institution(ctx, site.institution_id)
        return site_of(resources.create(self._service, ctx, site_resource(site)))

    def sites(
        self, ctx: AccessContext, institution_id: str, *, name: str | None = None
    ) -> list[Site]:
        params = [("organization", f"Organization/{institution_id}")]
        if name:
            params.append(("name", name))
        return [site_of(r) for r in resources.search(self._service, ctx, "Location", params)]

    def _require_institution(self, ctx: AccessContext, institution_id: str) -> None:
        found = resources.current(self._service, ctx, "Organization", institution_id)
        if found.resource.get("active") is False:
            raise Invalid(f"Organization/{institution_id} is deactivated")
