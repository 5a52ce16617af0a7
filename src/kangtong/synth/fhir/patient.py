"""Source Patient resources: one per registration at an institution, exactly as registered."""

from __future__ import annotations

from kangtong.synth import systems
from kangtong.synth.fhir.common import Resource, address, concept, day, phone, ref, sex_extension
from kangtong.synth.model import Facility, SourceRecord
from kangtong.synth.tables.demography import ETHNICITIES, MARITAL_DISPLAY

ETHNICITY_DISPLAY = {code: display for code, display, _ in ETHNICITIES}


def source_patient(record: SourceRecord, facility: Facility, health_code_system: str) -> Resource:
    person = record.person
    identifiers: list[Resource] = [
        {
            "use": "usual",
            "type": concept(systems.V2_0203, "MR", "Medical record number"),
            "system": systems.mrn_system(facility.number),
            "value": record.mrn,
            "assigner": ref("Organization", facility.id, facility.name),
        }
    ]
    if record.id_number is not None:
        identifiers.append(
            {
                "use": "official",
                "type": concept(systems.V2_0203, "NI", "National unique individual identifier"),
                "system": systems.CITIZEN_ID,
                "value": record.id_number,
            }
        )
    identifiers.append(
        {"use": "secondary", "system": health_code_system, "value": person.health_code}
    )
    resource: Resource = {
        "resourceType": "Patient",
        "id": record.patient_id,
        "extension": [
            sex_extension(record.sex),
            {
                "url": systems.ETHNICITY_EXTENSION,
                "valueCodeableConcept": concept(
                    systems.ETHNICITY_GB3304, person.ethnicity, ETHNICITY_DISPLAY[person.ethnicity]
                ),
            },
        ],
        "identifier": identifiers,
        "active": True,
        "name": [
            {
                "use": "official",
                "text": record.name_as_typed,
                "family": record.family_name,
                "given": [record.given_name],
            }
        ],
        "telecom": [phone(record.phone)],
        "gender": record.sex,
        "birthDate": day(record.birth_date),
        "address": [address(record.address)],
        "maritalStatus": concept(
            systems.MARITAL_GB2261_2, person.marital_status, MARITAL_DISPLAY[person.marital_status]
        ),
        "managingOrganization": ref("Organization", facility.id, facility.name),
    }
    if person.twin is not None:
        resource["multipleBirthInteger"] = 1 if person.index < person.twin else 2
    if person.death_date is not None:
        resource["deceasedDateTime"] = day(person.death_date)
    return resource
