"""Transaction and batch bundles: all-or-nothing, urn:uuid and conditional references."""

from __future__ import annotations

import orjson
from fastapi.testclient import TestClient

from tests.api.fixtures import glucose, patient


def transaction(*entries: dict) -> dict:
    return {"resourceType": "Bundle", "type": "transaction", "entry": list(entries)}


def post_entry(resource: dict, full_url: str | None = None, **request: str) -> dict:
    entry: dict = {
        "resource": resource,
        "request": {"method": "POST", "url": resource["resourceType"], **request},
    }
    if full_url:
        entry["fullUrl"] = full_url
    return entry


def count(client: TestClient, res_type: str) -> int:
    return int(client.get(f"/fhir/{res_type}?_summary=count").json()["total"])


def test_transaction_resolves_urn_uuid_references(client: TestClient) -> None:
    bundle = transaction(
        post_entry(glucose("urn:uuid:0f4a5d3c-0000-4000-8000-000000000001", 6.1)),
        post_entry(patient(), "urn:uuid:0f4a5d3c-0000-4000-8000-000000000001"),
    )
    response = client.post("/fhir", content=orjson.dumps(bundle))
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["type"] == "transaction-response"
    statuses = [e["response"]["status"] for e in result["entry"]]
    assert statuses == ["201 Created", "201 Created"]
    patient_id = result["entry"][1]["response"]["location"].split("/")[1]
    observation = client.get(f"/fhir/Observation?subject=Patient/{patient_id}").json()
    assert observation["total"] == 1


def test_rejected_transaction_leaves_nothing_behind(client: TestClient) -> None:
    bad = glucose("Patient/x", 1.0) | {"status": "not-a-status"}
    bundle = transaction(
        post_entry(patient()), post_entry(glucose("Patient/x", 5.0)), post_entry(bad)
    )
    response = client.post("/fhir", content=orjson.dumps(bundle))
    assert response.status_code == 422
    assert "entry[2]" in response.json()["issue"][0]["diagnostics"]
    assert count(client, "Patient") == 0
    assert count(client, "Observation") == 0
    assert client.get("/fhir/_history").json()["total"] == 0


def test_transaction_with_a_stale_update_rolls_back_its_creates(client: TestClient) -> None:
    created = client.put("/fhir/Patient/p1", content=orjson.dumps(patient() | {"id": "p1"})).json()
    update = {
        "resource": created,
        "request": {"method": "PUT", "url": "Patient/p1", "ifMatch": 'W/"9"'},
    }
    response = client.post(
        "/fhir", content=orjson.dumps(transaction(post_entry(glucose("Patient/p1", 5.0)), update))
    )
    assert response.status_code == 412
    assert count(client, "Observation") == 0
    assert client.get("/fhir/Patient/p1").json()["meta"]["versionId"] == "1"


def test_transaction_conditional_create_and_conditional_reference(client: TestClient) -> None:
    identifier = "identifier=urn:oid:2.16.156.10011.1.3|11010119900307001X"
    first = client.post(
        "/fhir", content=orjson.dumps(transaction(post_entry(patient(), ifNoneExist=identifier)))
    )
    assert first.json()["entry"][0]["response"]["status"] == "201 Created"
    again = transaction(
        post_entry(patient(), ifNoneExist=identifier),
        post_entry(glucose(f"Patient?{identifier}", 7.0)),
    )
    second = client.post("/fhir", content=orjson.dumps(again))
    assert second.status_code == 200, second.text
    assert second.json()["entry"][0]["response"]["status"] == "200 OK"
    assert count(client, "Patient") == 1
    patient_id = client.get("/fhir/Patient").json()["entry"][0]["resource"]["id"]
    assert client.get(f"/fhir/Observation?subject=Patient/{patient_id}").json()["total"] == 1


def test_transaction_delete_and_put(client: TestClient) -> None:
    client.put("/fhir/Patient/gone", content=orjson.dumps(patient() | {"id": "gone"}))
    bundle = transaction(
        {"request": {"method": "DELETE", "url": "Patient/gone"}},
        {
            "resource": patient() | {"id": "kept"},
            "request": {"method": "PUT", "url": "Patient/kept"},
        },
    )
    response = client.post("/fhir", content=orjson.dumps(bundle))
    assert [e["response"]["status"] for e in response.json()["entry"]] == [
        "204 No Content",
        "201 Created",
    ]
    assert client.get("/fhir/Patient/gone").status_code == 410


def test_batch_reports_each_entry_and_keeps_the_good_ones(client: TestClient) -> None:
    bad = glucose("Patient/x", 1.0) | {"status": "not-a-status"}
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [post_entry(patient()), post_entry(bad)],
    }
    response = client.post("/fhir", content=orjson.dumps(bundle))
    assert response.status_code == 200
    entries = response.json()["entry"]
    assert entries[0]["response"]["status"] == "201 Created"
    assert entries[1]["response"]["status"].startswith("422")
    assert entries[1]["response"]["outcome"]["resourceType"] == "OperationOutcome"
    assert count(client, "Patient") == 1
    assert count(client, "Observation") == 0


def test_history_at_system_type_and_instance_level_with_since(client: TestClient) -> None:
    client.put("/fhir/Patient/h1", content=orjson.dumps(patient() | {"id": "h1"}))
    client.put("/fhir/Patient/h1", content=orjson.dumps(patient(gender="female") | {"id": "h1"}))
    client.post("/fhir/Observation", content=orjson.dumps(glucose("Patient/h1", 5.0)))
    assert client.get("/fhir/_history").json()["total"] == 3
    assert client.get("/fhir/Patient/_history").json()["total"] == 2
    instance = client.get("/fhir/Patient/h1/_history").json()
    assert [e["resource"]["meta"]["versionId"] for e in instance["entry"]] == ["2", "1"]
    assert client.get("/fhir/_history?_since=2999-01-01T00:00:00Z").json()["total"] == 0
    assert len(client.get("/fhir/_history?_count=1").json()["entry"]) == 1


def test_conditional_reference_alone_is_resolved_inside_the_transaction(client: TestClient) -> None:
    client.put("/fhir/Patient/known", content=orjson.dumps(patient() | {"id": "known"}))
    identifier = "identifier=urn:oid:2.16.156.10011.1.3|11010119900307001X"
    bundle = transaction(
        post_entry(glucose(f"Patient?{identifier}", 6.6)),
        post_entry(glucose("urn:uuid:0f4a5d3c-0000-4000-8000-000000000009", 5.5)),
        post_entry(
            patient(citizen_id="110101198502140028"),
            "urn:uuid:0f4a5d3c-0000-4000-8000-000000000009",
        ),
    )
    response = client.post("/fhir", content=orjson.dumps(bundle))
    assert response.status_code == 200, response.text
    assert client.get("/fhir/Observation?subject=Patient/known").json()["total"] == 1
    new_patient = response.json()["entry"][2]["response"]["location"].split("/")[1]
    assert client.get(f"/fhir/Observation?subject=Patient/{new_patient}").json()["total"] == 1


def test_conditional_reference_matching_nothing_rejects_the_whole_transaction(
    client: TestClient,
) -> None:
    bundle = transaction(
        post_entry(patient()),
        post_entry(glucose("Patient?identifier=urn:oid:2.16.156.10011.1.3|nobody", 6.6)),
    )
    response = client.post("/fhir", content=orjson.dumps(bundle))
    assert response.status_code == 412
    assert count(client, "Patient") == 0
