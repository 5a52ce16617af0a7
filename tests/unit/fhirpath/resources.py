"""Realistic FHIR R4 resources and a small fake type model for the FHIRPath tests."""

from __future__ import annotations

from typing import Any

Resource = dict[str, Any]

PATIENT: Resource = {
    "resourceType": "Patient",
    "id": "p1",
    "meta": {"lastUpdated": "2024-03-01T08:00:00+08:00", "profile": ["http://x/Profile"]},
    "extension": [
        {
            "url": "http://kangtong.example/ethnicity",
            "valueCoding": {"code": "01", "display": "汉族"},
        }
    ],
    "identifier": [
        {"system": "urn:oid:2.16.156.10011.1.3", "value": "11010519491231002X"},
        {"system": "urn:oid:2.16.156.10011.1.19", "value": "HC123"},
    ],
    "active": True,
    "name": [
        {"use": "official", "family": "张", "given": ["伟"], "text": "张伟"},
        {"use": "usual", "family": "Zhang", "given": ["Wei", "W."]},
    ],
    "telecom": [
        {"system": "phone", "value": "13800000000", "use": "mobile"},
        {"system": "email", "value": "zw@example.cn"},
    ],
    "gender": "male",
    "birthDate": "1949-12-31",
    "deceasedBoolean": False,
    "address": [{"city": "北京", "district": "朝阳区", "postalCode": "100020", "country": "CN"}],
    "generalPractitioner": [{"reference": "Practitioner/dr1"}],
    "managingOrganization": {"reference": "Organization/org1"},
    "link": [{"other": {"reference": "Patient/p0"}, "type": "replaces"}],
}

OBSERVATION: Resource = {
    "resourceType": "Observation",
    "id": "o1",
    "status": "final",
    "category": [
        {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                    "code": "vital-signs",
                }
            ]
        }
    ],
    "code": {
        "coding": [{"system": "http://loinc.org", "code": "85354-9", "display": "Blood pressure"}],
        "text": "血压",
    },
    "subject": {"reference": "Patient/p1"},
    "encounter": {"reference": "Encounter/e1"},
    "effectiveDateTime": "2024-03-01T09:30:00+08:00",
    "issued": "2024-03-01T10:00:00.000+08:00",
    "performer": [{"reference": "Practitioner/dr1"}, {"reference": "Organization/org1"}],
    "valueQuantity": {
        "value": 72.5,
        "unit": "kg",
        "system": "http://unitsofmeasure.org",
        "code": "kg",
    },
    "component": [
        {
            "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
            "valueQuantity": {"value": 120, "unit": "mmHg", "code": "mm[Hg]"},
        },
        {
            "code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
            "valueQuantity": {"value": 80, "unit": "mmHg", "code": "mm[Hg]"},
        },
    ],
}

CONDITION: Resource = {
    "resourceType": "Condition",
    "id": "c1",
    "clinicalStatus": {"coding": [{"code": "active"}]},
    "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "I10"}]},
    "subject": {"reference": "Group/g1"},
    "onsetDateTime": "2019-05",
    "abatementString": "in remission",
    "recordedDate": "2019-05-20",
}

ENCOUNTER: Resource = {
    "resourceType": "Encounter",
    "id": "e1",
    "status": "finished",
    "class": {"code": "AMB"},
    "subject": {"reference": "http://other.example/fhir/Patient/p9/_history/2"},
    "participant": [
        {"individual": {"reference": "Practitioner/dr1"}},
        {"individual": {"reference": "urn:uuid:1b0c5b5e-2f7d-4d43-9c4e-4c1ad2c8a9b1"}},
    ],
    "period": {"start": "2024-03-01T09:00:00+08:00", "end": "2024-03-01T11:00:00+08:00"},
    "serviceProvider": {"reference": "Organization/org1"},
}

MEDICATION_REQUEST: Resource = {
    "resourceType": "MedicationRequest",
    "id": "mr1",
    "contained": [{"resourceType": "Medication", "id": "med", "code": {"text": "阿司匹林"}}],
    "status": "active",
    "intent": "order",
    "medicationReference": {"reference": "#med"},
    "subject": {"reference": "Patient/p1"},
    "authoredOn": "2024-03-01",
}

BUNDLE: Resource = {
    "resourceType": "Bundle",
    "id": "b1",
    "type": "document",
    "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:0c3151bd"},
    "timestamp": "2024-03-01T12:00:00+08:00",
    "entry": [
        {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Composition", "id": "comp"}},
        {"fullUrl": "urn:uuid:2", "resource": PATIENT},
    ],
}

REALISTIC_RESOURCES: tuple[Resource, ...] = (
    PATIENT,
    OBSERVATION,
    CONDITION,
    ENCOUNTER,
    MEDICATION_REQUEST,
    BUNDLE,
)

_ELEMENT_TYPES: dict[tuple[str, str], str] = {
    ("Patient", "id"): "id",
    ("Patient", "identifier"): "Identifier",
    ("Patient", "active"): "boolean",
    ("Patient", "name"): "HumanName",
    ("Patient", "telecom"): "ContactPoint",
    ("Patient", "gender"): "code",
    ("Patient", "birthDate"): "date",
    ("Patient", "deceasedBoolean"): "boolean",
    ("Patient", "deceasedDateTime"): "dateTime",
    ("Patient", "address"): "Address",
    ("Patient", "link"): "Patient.link",
    ("Patient", "extension"): "Extension",
    ("Patient.link", "other"): "Reference",
    ("HumanName", "use"): "code",
    ("HumanName", "family"): "string",
    ("HumanName", "given"): "string",
    ("ContactPoint", "system"): "code",
    ("ContactPoint", "value"): "string",
    ("Observation", "id"): "id",
    ("Observation", "status"): "code",
    ("Observation", "code"): "CodeableConcept",
    ("Observation", "subject"): "Reference",
    ("Observation", "effectiveDateTime"): "dateTime",
    ("Observation", "effectivePeriod"): "Period",
    ("Observation", "effectiveInstant"): "instant",
    ("Observation", "issued"): "instant",
    ("Observation", "valueQuantity"): "Quantity",
    ("Observation", "valueString"): "string",
    ("Observation", "valueCodeableConcept"): "CodeableConcept",
    ("Observation", "component"): "Observation.component",
    ("Observation.component", "code"): "CodeableConcept",
    ("Observation.component", "valueQuantity"): "Quantity",
    ("CodeableConcept", "coding"): "Coding",
    ("CodeableConcept", "text"): "string",
    ("Coding", "system"): "uri",
    ("Coding", "code"): "code",
    ("Quantity", "value"): "decimal",
    ("Quantity", "unit"): "string",
    ("Quantity", "code"): "code",
    ("Reference", "reference"): "string",
    ("Bundle", "entry"): "Bundle.entry",
    ("Bundle.entry", "resource"): "Resource",
    ("Period", "start"): "dateTime",
    ("Period", "end"): "dateTime",
}


class FakeTypeModel:
    """A few R4 element types, standing in for kangtong.fhir.model.StructureModel."""

    def __init__(self) -> None:
        self.questions: list[tuple[str, str]] = []

    def element_type(self, parent_type: str, json_key: str) -> str | None:
        self.questions.append((parent_type, json_key))
        return _ELEMENT_TYPES.get((parent_type, json_key))
