"""Valid FHIR R4 resources as a regional platform receives them; each call returns a fresh copy."""

from __future__ import annotations

from typing import Any

Resource = dict[str, Any]


def patient() -> Resource:
    return {
        "resourceType": "Patient",
        "id": "pat-110101199003074514",
        "meta": {"lastUpdated": "2024-03-01T08:30:00.000+08:00", "versionId": "3"},
        "text": {
            "status": "generated",
            "div": '<div xmlns="http://www.w3.org/1999/xhtml">张伟，男，1990-03-07</div>',
        },
        "extension": [
            {
                "url": "http://kangtong.example.org/fhir/StructureDefinition/ethnicity",
                "valueCoding": {
                    "system": "urn:oid:2.16.156.10011.2.3.3.3",
                    "code": "01",
                    "display": "汉族",
                },
            }
        ],
        "identifier": [
            {
                "use": "official",
                "type": {"text": "居民身份证"},
                "system": "urn:oid:2.16.156.10011.1.1",
                "value": "110101199003074514",
            }
        ],
        "active": True,
        "name": [{"use": "official", "text": "张伟", "family": "张", "given": ["伟"]}],
        "telecom": [{"system": "phone", "value": "13800138000", "use": "mobile"}],
        "gender": "male",
        "birthDate": "1990-03-07",
        "address": [
            {
                "use": "home",
                "text": "北京市东城区东华门街道　王府井大街1号",
                "line": ["王府井大街1号"],
                "city": "北京市",
                "district": "东城区",
                "postalCode": "100006",
                "country": "CN",
            }
        ],
        "maritalStatus": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", "code": "M"}
            ]
        },
        "managingOrganization": {
            "reference": "Organization/org-1",
            "display": "东城区社区卫生服务中心",
        },
    }


def blood_pressure() -> Resource:
    return {
        "resourceType": "Observation",
        "id": "bp-1",
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
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}], "text": "血压"},
        "subject": {"reference": "Patient/pat-110101199003074514"},
        "effectiveDateTime": "2024-03-01T09:15:00+08:00",
        "component": [
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                "valueQuantity": {
                    "value": 128,
                    "unit": "mmHg",
                    "system": "http://unitsofmeasure.org",
                    "code": "mm[Hg]",
                },
            },
            {
                "code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
                "valueQuantity": {
                    "value": 82.5,
                    "unit": "mmHg",
                    "system": "http://unitsofmeasure.org",
                    "code": "mm[Hg]",
                },
            },
        ],
    }


def glucose() -> Resource:
    return {
        "resourceType": "Observation",
        "id": "glu-1",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}], "text": "空腹血糖"},
        "subject": {"reference": "Patient/pat-110101199003074514"},
        "encounter": {"reference": "Encounter/enc-1"},
        "effectiveDateTime": "2024-03-01",
        "issued": "2024-03-01T11:02:13.123+08:00",
        "valueQuantity": {"value": 6.3, "unit": "mmol/L", "comparator": "<"},
        "interpretation": [{"text": "偏高"}],
        "referenceRange": [
            {"low": {"value": 3.9, "unit": "mmol/L"}, "high": {"value": 6.1, "unit": "mmol/L"}}
        ],
        "note": [{"text": "患者自述未空腹。"}],
    }


def encounter() -> Resource:
    return {
        "resourceType": "Encounter",
        "id": "enc-1",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "type": [{"text": "门诊"}],
        "subject": {"reference": "Patient/pat-110101199003074514"},
        "participant": [{"individual": {"reference": "Practitioner/doc-1", "display": "李医生"}}],
        "period": {"start": "2024-03-01T08:40:00+08:00", "end": "2024-03-01T09:30:00+08:00"},
        "reasonCode": [{"text": "头晕三天"}],
        "serviceProvider": {"reference": "Organization/org-1"},
    }


def condition() -> Resource:
    return {
        "resourceType": "Condition",
        "id": "cond-1",
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "code": {
            "coding": [
                {
                    "system": "http://hl7.org/fhir/sid/icd-10",
                    "code": "I10",
                    "display": "原发性高血压",
                }
            ]
        },
        "subject": {"reference": "Patient/pat-110101199003074514"},
        "encounter": {"reference": "Encounter/enc-1"},
        "onsetAge": {"value": 33, "unit": "岁", "system": "http://unitsofmeasure.org", "code": "a"},
        "recordedDate": "2024-03-01T09:20:00+08:00",
    }


def medication_request() -> Resource:
    return {
        "resourceType": "MedicationRequest",
        "id": "rx-1",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"text": "苯磺酸氨氯地平片 5mg"},
        "subject": {"reference": "Patient/pat-110101199003074514"},
        "authoredOn": "2024-03-01T09:25:00+08:00",
        "requester": {"reference": "Practitioner/doc-1"},
        "dosageInstruction": [
            {
                "sequence": 1,
                "text": "每日一次，每次一片，口服",
                "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                "route": {"text": "口服"},
                "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "片"}}],
            }
        ],
        "dispenseRequest": {"numberOfRepeatsAllowed": 2, "quantity": {"value": 28, "unit": "片"}},
    }


def all_clinical() -> list[Resource]:
    return [patient(), blood_pressure(), glucose(), encounter(), condition(), medication_request()]


def transaction_bundle() -> Resource:
    entries = [
        {
            "fullUrl": f"urn:uuid:0000000{index}-0000-4000-8000-000000000000",
            "resource": resource,
            "request": {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"},
        }
        for index, resource in enumerate(all_clinical())
    ]
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}
