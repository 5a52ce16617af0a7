"""Create, read, vread, update, patch and delete over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import orjson
from fastapi.testclient import TestClient

from tests.api.fixtures import glucose, patient


def create(client: TestClient, resource: dict) -> dict:
    response = client.post(f"/fhir/{resource['resourceType']}", content=orjson.dumps(resource))
    assert response.status_code == 201, response.text
    return response.json()


def test_create_assigns_id_version_and_location(client: TestClient) -> None:
    response = client.post("/fhir/Patient", content=orjson.dumps(patient()))
    assert response.status_code == 201
    body = response.json()
    assert body["meta"]["versionId"] == "1"
    assert response.headers["etag"] == 'W/"1"'
    assert (
        response.headers["location"] == f"http://kangtong.test/fhir/Patient/{body['id']}/_history/1"
    )
    assert response.headers["content-type"].startswith("application/fhir+json")


def test_read_returns_what_was_stored_byte_for_byte(client: TestClient) -> None:
    created = client.post("/fhir/Patient", content=orjson.dumps(patient()))
    read = client.get(f"/fhir/Patient/{created.json()['id']}")
    assert read.status_code == 200
    assert read.content == created.content
    assert "王" in read.text  # hanzi stay UTF-8, not \\u escapes


def test_decimal_precision_survives_the_round_trip(client: TestClient) -> None:
    raw = orjson.dumps(glucose("Patient/x", 1.0)).replace(b'"value":1.0', b'"value":5.50')
    created = client.post("/fhir/Observation", content=raw)
    read = client.get(f"/fhir/Observation/{created.json()['id']}")
    assert b'"value":5.50' in read.content


def test_unknown_resource_is_404_with_operation_outcome(client: TestClient) -> None:
    response = client.get("/fhir/Patient/does-not-exist")
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"


def test_unknown_type_is_404(client: TestClient) -> None:
    assert client.get("/fhir/Patientt/1").status_code == 404


def test_invalid_resource_is_rejected_with_the_path_and_nothing_is_stored(
    client: TestClient,
) -> None:
    bad = patient() | {"gender": "sometimes", "birthDate": "1990-13-45"}
    response = client.post("/fhir/Patient", content=orjson.dumps(bad))
    assert response.status_code == 422
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    paths = {e for issue in outcome["issue"] for e in issue.get("expression", [])}
    assert any("birthDate" in p for p in paths)
    assert client.get("/fhir/Patient?_summary=count").json()["total"] == 0


def test_malformed_json_is_400(client: TestClient) -> None:
    response = client.post("/fhir/Patient", content=b'{"resourceType": "Patient",')
    assert response.status_code == 400


def test_update_bumps_version_and_vread_returns_each_version(client: TestClient) -> None:
    body = create(client, patient())
    body["gender"] = "female"
    updated = client.put(f"/fhir/Patient/{body['id']}", content=orjson.dumps(body))
    assert updated.status_code == 200
    assert updated.json()["meta"]["versionId"] == "2"
    assert client.get(f"/fhir/Patient/{body['id']}/_history/1").json()["gender"] == "male"
    assert client.get(f"/fhir/Patient/{body['id']}/_history/2").json()["gender"] == "female"


def test_update_as_create_keeps_the_client_id(client: TestClient) -> None:
    resource = patient() | {"id": "hospital-a-123"}
    response = client.put("/fhir/Patient/hospital-a-123", content=orjson.dumps(resource))
    assert response.status_code == 201
    assert client.get("/fhir/Patient/hospital-a-123").json()["id"] == "hospital-a-123"


def test_update_with_stale_if_match_is_412_and_changes_nothing(client: TestClient) -> None:
    body = create(client, patient())
    body["gender"] = "female"
    response = client.put(
        f"/fhir/Patient/{body['id']}", content=orjson.dumps(body), headers={"If-Match": 'W/"7"'}
    )
    assert response.status_code == 412
    assert client.get(f"/fhir/Patient/{body['id']}").json()["gender"] == "male"


def test_update_with_matching_if_match_succeeds(client: TestClient) -> None:
    body = create(client, patient())
    response = client.put(
        f"/fhir/Patient/{body['id']}", content=orjson.dumps(body), headers={"If-Match": 'W/"1"'}
    )
    assert response.status_code == 200


def test_update_with_mismatched_id_is_400(client: TestClient) -> None:
    body = create(client, patient())
    response = client.put("/fhir/Patient/other-id", content=orjson.dumps(body))
    assert response.status_code == 400


def test_json_patch_changes_one_element(client: TestClient) -> None:
    body = create(client, patient())
    ops = [{"op": "replace", "path": "/gender", "value": "female"}]
    response = client.patch(
        f"/fhir/Patient/{body['id']}",
        content=orjson.dumps(ops),
        headers={"content-type": "application/json-patch+json"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["gender"] == "female"
    assert response.json()["meta"]["versionId"] == "2"


def test_patch_that_breaks_validation_is_rejected(client: TestClient) -> None:
    body = create(client, patient())
    ops = [{"op": "replace", "path": "/gender", "value": 42}]
    response = client.patch(
        f"/fhir/Patient/{body['id']}",
        content=orjson.dumps(ops),
        headers={"content-type": "application/json-patch+json"},
    )
    assert response.status_code == 422
    assert client.get(f"/fhir/Patient/{body['id']}").json()["meta"]["versionId"] == "1"


def test_delete_leaves_a_versioned_tombstone(client: TestClient) -> None:
    body = create(client, patient())
    assert client.delete(f"/fhir/Patient/{body['id']}").status_code == 204
    assert client.get(f"/fhir/Patient/{body['id']}").status_code == 410
    assert client.get(f"/fhir/Patient/{body['id']}/_history/1").status_code == 200
    history = client.get(f"/fhir/Patient/{body['id']}/_history").json()
    assert history["total"] == 2
    assert history["entry"][0]["request"]["method"] == "DELETE"
    assert client.get("/fhir/Patient?_summary=count").json()["total"] == 0


def test_conditional_create_does_not_duplicate(client: TestClient) -> None:
    headers = {"If-None-Exist": "identifier=urn:oid:2.16.156.10011.1.3|110101199003070011"}
    first = client.post("/fhir/Patient", content=orjson.dumps(patient()), headers=headers)
    second = client.post("/fhir/Patient", content=orjson.dumps(patient()), headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]


def test_conditional_update_creates_then_updates(client: TestClient) -> None:
    url = "/fhir/Patient?identifier=urn:oid:2.16.156.10011.1.3|110101199003070011"
    first = client.put(url, content=orjson.dumps(patient()))
    second = client.put(url, content=orjson.dumps(patient(gender="female")))
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["meta"]["versionId"] == "2"


def test_prefer_return_minimal_and_operation_outcome(client: TestClient) -> None:
    minimal = client.post(
        "/fhir/Patient", content=orjson.dumps(patient()), headers={"Prefer": "return=minimal"}
    )
    assert minimal.status_code == 201 and minimal.content == b""
    outcome = client.post(
        "/fhir/Patient",
        content=orjson.dumps(patient(citizen_id="110101199003070029")),
        headers={"Prefer": "return=OperationOutcome"},
    )
    assert outcome.json()["resourceType"] == "OperationOutcome"


def test_metadata_lists_search_parameters_truthfully(client: TestClient) -> None:
    statement = client.get("/fhir/metadata").json()
    assert statement["fhirVersion"] == "4.0.1"
    observation = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Observation")
    names = {p["name"] for p in observation["searchParam"]}
    assert {"code", "subject", "date", "value-quantity", "code-value-quantity"} <= names
    assert "_text" not in names
