"""Organization, Location, Practitioner and PractitionerRole for the district's registry."""

from __future__ import annotations

from collections.abc import Iterator

from kangtong.synth import systems
from kangtong.synth.fhir.common import Resource, address, coding, concept, day, phone, ref
from kangtong.synth.model import District, Facility, Practitioner

FHIR_ORGANIZATION_TYPE = {"commission": "govt", "cdc": "govt"}  # others: prov (healthcare provider)


def registry_resources(district: District) -> Iterator[tuple[str, Resource]]:
    """Every registry resource; parents before children so references resolve in order."""
    yield "Organization", organisation(district.commission, None)
    by_key = district.by_key()
    for facility in district.facilities:
        parent = by_key[facility.parent] if facility.parent else district.commission
        yield "Organization", organisation(facility, parent)
        for department in facility.departments:
            yield (
                "Organization",
                {
                    "resourceType": "Organization",
                    "id": department.id,
                    "active": True,
                    "type": [
                        concept(systems.ORGANIZATION_TYPE, "dept", "Hospital Department"),
                        concept(systems.DEPARTMENT, department.name, department.name),
                    ],
                    "name": department.name,
                    "partOf": ref("Organization", facility.id, facility.name),
                },
            )
        yield "Location", location(facility)
        for practitioner in facility.practitioners:
            yield "Practitioner", practitioner_resource(practitioner)
            yield "PractitionerRole", practitioner_role(practitioner, facility)


def organisation(facility: Facility, parent: Facility | None) -> Resource:
    kind = facility.kind
    resource: Resource = {
        "resourceType": "Organization",
        "id": facility.id,
        "active": True,
        "identifier": [
            {"use": "official", "system": systems.CREDIT_CODE, "value": facility.credit_code}
        ],
        "type": [
            concept(systems.ORGANIZATION_TYPE, FHIR_ORGANIZATION_TYPE.get(kind.key, "prov")),
            concept(systems.FACILITY_TYPE, kind.key, kind.type_display),
        ],
        "name": facility.name,
        "telecom": [phone(facility.phone, "work")],
        "address": [address(facility.address, "work")],
    }
    if kind.grade:
        resource["extension"] = [
            {"url": systems.HOSPITAL_GRADE_EXTENSION, "valueString": kind.grade}
        ]
    if parent is not None:
        resource["partOf"] = ref("Organization", parent.id, parent.name)
    return resource


def location(facility: Facility) -> Resource:
    return {
        "resourceType": "Location",
        "id": facility.location_id,
        "status": "active",
        "name": facility.name,
        "mode": "instance",
        "address": address(facility.address, "work"),
        "physicalType": concept(
            "http://terminology.hl7.org/CodeSystem/location-physical-type", "bu", "Building"
        ),
        "managingOrganization": ref("Organization", facility.id, facility.name),
    }


def practitioner_resource(practitioner: Practitioner) -> Resource:
    licence_system = (
        systems.DOCTOR_LICENCE if practitioner.profession == "doctor" else systems.NURSE_LICENCE
    )
    qualification = "执业医师" if practitioner.profession == "doctor" else "执业护士"
    return {
        "resourceType": "Practitioner",
        "id": practitioner.id,
        "active": True,
        "identifier": [
            {"use": "official", "system": licence_system, "value": practitioner.licence},
            {"use": "secondary", "system": systems.CITIZEN_ID, "value": practitioner.citizen_id},
        ],
        "name": [
            {
                "use": "official",
                "text": practitioner.family_name + practitioner.given_name,
                "family": practitioner.family_name,
                "given": [practitioner.given_name],
            }
        ],
        "gender": practitioner.sex,
        "birthDate": day(practitioner.birth_date),
        "qualification": [
            {
                "identifier": [{"system": licence_system, "value": practitioner.licence}],
                "code": {
                    "coding": [coding(licence_system, practitioner.profession, qualification)],
                    "text": qualification,
                },
            }
        ],
    }


def practitioner_role(practitioner: Practitioner, facility: Facility) -> Resource:
    role = practitioner.profession
    return {
        "resourceType": "PractitionerRole",
        "id": practitioner.role_id,
        "active": True,
        "practitioner": ref("Practitioner", practitioner.id),
        "organization": ref("Organization", facility.id, facility.name),
        "code": [concept(systems.PRACTITIONER_ROLE, role, "医生" if role == "doctor" else "护士")],
        "specialty": [
            concept(systems.DEPARTMENT, practitioner.department, practitioner.department)
        ],
        "location": [ref("Location", facility.location_id)],
    }
