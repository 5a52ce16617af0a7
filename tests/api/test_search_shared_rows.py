"""Parameters defined as unions or filters of others answer from the others' rows (ADR 0015).

`combo-code` is `code | component.code`, `patient` is `subject.where(resolve() is Patient)`,
`phonetic` is `name`: they are not written twice, yet every search, modifier, sort, include,
chain and reverse chain on them finds exactly what the definitions say.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.testclient import TestClient

from kangtong.platform import Platform

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def post(client: TestClient, resource: dict[str, Any]) -> str:
    response = client.post(f"/fhir/{resource['resourceType']}", content=orjson.dumps(resource))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def ids(client: TestClient, query: str) -> set[str]:
    response = client.get(f"/fhir/{query}")
    assert response.status_code == 200, response.text
    return {e["resource"]["id"] for e in response.json().get("entry", [])}


def blood_pressure(subject: str) -> dict[str, Any]:
    def component(code: str, value: float) -> dict[str, Any]:
        return {
            "code": {"coding": [{"system": LOINC, "code": code}]},
            "valueQuantity": {"value": value, "system": UCUM, "code": "mm[Hg]"},
        }

    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "85354-9"}]},
        "subject": {"reference": subject},
        "component": [component("8480-6", 150), component("8462-4", 95)],
    }


def glucose(subject: str, value: float) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "2345-7"}]},
        "subject": {"reference": subject},
        "valueQuantity": {"value": value, "system": UCUM, "code": "mmol/L"},
    }


def test_combo_parameters_find_codes_and_values_of_the_resource_and_its_components(
    client: TestClient,
) -> None:
    patient = post(client, {"resourceType": "Patient"})
    bp = post(client, blood_pressure(f"Patient/{patient}"))
    sugar = post(client, glucose(f"Patient/{patient}", 7.8))
    assert ids(client, f"Observation?combo-code={LOINC}|8480-6") == {bp}
    assert ids(client, f"Observation?combo-code={LOINC}|85354-9") == {bp}
    assert ids(client, "Observation?combo-code=2345-7,8462-4") == {bp, sugar}
    assert ids(client, "Observation?combo-code:not=2345-7") == {bp}
    assert ids(client, "Observation?combo-value-quantity=gt100") == {bp}
    assert ids(client, "Observation?combo-value-quantity=gt7") == {bp, sugar}
    assert ids(client, f"Observation?combo-code-value-quantity={LOINC}|8480-6$gt140") == {bp}
    assert ids(client, f"Observation?combo-code-value-quantity={LOINC}|8480-6$lt140") == set()
    assert ids(client, f"Observation?combo-code-value-quantity={LOINC}|2345-7$gt7") == {sugar}
    assert ids(client, "Observation?combo-value-concept:missing=true") == {bp, sugar}
    assert ids(client, "Observation?combo-code:missing=false") == {bp, sugar}
    sorted_ids = [
        e["resource"]["id"]
        for e in client.get("/fhir/Observation?_sort=-combo-value-quantity").json()["entry"]
    ]
    assert sorted_ids == [bp, sugar]


def test_patient_is_the_subject_when_the_subject_is_a_patient(client: TestClient) -> None:
    patient = post(client, {"resourceType": "Patient", "name": [{"family": "王", "given": ["芳"]}]})
    group = post(client, {"resourceType": "Group", "type": "person", "actual": True})
    about_patient = post(client, glucose(f"Patient/{patient}", 5.1))
    about_group = post(client, glucose(f"Group/{group}", 5.2))
    assert ids(client, f"Observation?patient={patient}") == {about_patient}
    assert ids(client, f"Observation?patient=Patient/{patient}") == {about_patient}
    assert ids(client, f"Observation?patient={group}") == set()
    assert ids(client, f"Observation?subject={group}") == {about_group}
    assert ids(client, "Observation?patient:missing=true") == {about_group}
    assert ids(client, "Observation?patient.name=wangfang") == {about_patient}
    assert ids(client, "Patient?_has:Observation:patient:code=2345-7") == {patient}
    included = client.get(f"/fhir/Observation?_id={about_patient}&_include=Observation:patient")
    types = {e["resource"]["resourceType"] for e in included.json()["entry"]}
    assert types == {"Observation", "Patient"}
    reverse = client.get(f"/fhir/Patient?_id={patient}&_revinclude=Observation:patient")
    assert {e["resource"]["id"] for e in reverse.json()["entry"]} == {patient, about_patient}


def test_phonetic_is_found_in_the_rows_of_name(client: TestClient) -> None:
    lv = post(client, {"resourceType": "Patient", "name": [{"family": "吕", "given": ["娜"]}]})
    assert ids(client, "Patient?phonetic=lvna") == {lv}
    assert ids(client, "Patient?phonetic:exact=吕娜") == {lv}


def test_shared_parameters_write_no_rows_of_their_own(platform: Platform) -> None:
    registry = platform.registry
    observation = registry.for_type("Observation")
    rows = platform.service.indexer.index(
        {**blood_pressure("Patient/p1"), "id": "o1"}  # type: ignore[arg-type]
    )
    written = {row[0] for kind in rows.by_kind().values() for row in kind}
    for code in ("combo-code", "combo-value-quantity", "combo-code-value-quantity", "patient"):
        assert observation[code].shared is not None, code
        assert observation[code].key not in written, code
    for code in ("code", "component-code", "subject", "component-code-value-quantity"):
        assert observation[code].shared is None, code
        assert observation[code].key in written, code
