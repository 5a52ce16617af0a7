"""Small, realistic resources for API tests (synthetic; no real person)."""

from __future__ import annotations

from typing import Any

CITIZEN_ID = "urn:oid:2.16.156.10011.1.3"
LOINC = "http://loinc.org"


def patient(
    family: str = "王",
    given: str = "伟",
    *,
    citizen_id: str = "110101199003070011",
    gender: str = "male",
    birth: str = "1990-03-07",
) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": CITIZEN_ID, "value": citizen_id}],
        "name": [{"family": family, "given": [given], "text": family + given}],
        "gender": gender,
        "birthDate": birth,
        "address": [{"city": "贵阳市", "district": "云岩区", "line": ["中华北路1号"]}],
    }


def glucose(
    patient_ref: str, value: float, when: str = "2026-03-01T08:30:00+08:00"
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {
            "coding": [{"system": LOINC, "code": "2345-7", "display": "Glucose"}],
            "text": "血糖",
        },
        "subject": {"reference": patient_ref},
        "effectiveDateTime": when,
        "valueQuantity": {
            "value": value,
            "unit": "mmol/L",
            "system": "http://unitsofmeasure.org",
            "code": "mmol/L",
        },
    }
