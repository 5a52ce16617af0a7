"""Transaction and batch bundles: all-or-nothing, urn:uuid and conditional references."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from kangtong.platform import Platform
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
    identifier = "identifier=urn:oid:2.16.156.10011.1.3|110101199003070011"
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
    # The master index may file the Patient meanwhile (a Person of its own): not counted here.
    system = client.get("/fhir/_history?_count=50").json()["entry"]
    written = [e["resource"]["resourceType"] for e in system]
    assert sorted(t for t in written if t != "Person") == ["Observation", "Patient", "Patient"]
    assert client.get("/fhir/Patient/_history").json()["total"] == 2
    instance = client.get("/fhir/Patient/h1/_history").json()
    assert [e["resource"]["meta"]["versionId"] for e in instance["entry"]] == ["2", "1"]
    assert client.get("/fhir/_history?_since=2999-01-01T00:00:00Z").json()["total"] == 0
    assert len(client.get("/fhir/_history?_count=1").json()["entry"]) == 1


def test_conditional_reference_alone_is_resolved_inside_the_transaction(client: TestClient) -> None:
    client.put("/fhir/Patient/known", content=orjson.dumps(patient() | {"id": "known"}))
    identifier = "identifier=urn:oid:2.16.156.10011.1.3|110101199003070011"
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


def batch(*entries: Any) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "batch", "entry": list(entries)}


def test_a_batch_with_one_malformed_entry_stores_the_others_and_answers_each(
    client: TestClient,
) -> None:
    good = [post_entry(patient(given=f"伟{n}")) for n in range(36)]
    malformed = {"resource": "Patient", "request": {"method": "POST", "url": "Patient"}}
    response = client.post("/fhir", content=orjson.dumps(batch(*good[:20], malformed, *good[20:])))
    assert response.status_code == 200
    statuses = [e["response"]["status"] for e in response.json()["entry"]]
    assert statuses == ["201 Created"] * 20 + ["400 Bad Request"] + ["201 Created"] * 16
    outcome = response.json()["entry"][20]["response"]["outcome"]
    assert outcome["resourceType"] == "OperationOutcome"
    assert "entry[20]" in outcome["issue"][0]["diagnostics"]
    assert count(client, "Patient") == 36


def test_an_entry_that_fails_unexpectedly_is_a_500_of_its_own_in_a_batch(
    client: TestClient, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> list[str]:
        raise RuntimeError("a defect nobody foresaw")

    monkeypatch.setattr(platform.service, "match_ids", broken)
    conditional = post_entry(patient(given="甲"), ifNoneExist="identifier=urn:x|1")
    bundle = batch(post_entry(patient(given="乙")), conditional, post_entry(patient(given="丙")))
    response = client.post("/fhir", content=orjson.dumps(bundle))
    assert response.status_code == 200
    entries = response.json()["entry"]
    assert [e["response"]["status"] for e in entries] == [
        "201 Created",
        "500 Internal Server Error",
        "201 Created",
    ]
    assert "a defect nobody foresaw" not in response.text
    assert entries[1]["response"]["outcome"]["issue"][0]["code"] == "exception"
    assert count(client, "Patient") == 2


def test_a_batch_entry_cannot_refer_to_another_entry(client: TestClient) -> None:
    bundle = batch(
        post_entry(patient(), "urn:uuid:0f4a5d3c-0000-4000-8000-000000000001"),
        post_entry(glucose("urn:uuid:0f4a5d3c-0000-4000-8000-000000000001", 5.0)),
    )
    entries = client.post("/fhir", content=orjson.dumps(bundle)).json()["entry"]
    assert [e["response"]["status"] for e in entries] == ["201 Created", "400 Bad Request"]
    assert count(client, "Observation") == 0


def test_an_unresolved_urn_uuid_rejects_the_transaction_instead_of_being_stored(
    client: TestClient,
) -> None:
    bundle = transaction(
        post_entry(patient()),
        post_entry(glucose("urn:uuid:0f4a5d3c-0000-4000-8000-00000000dead", 5.0)),
    )
    response = client.post("/fhir", content=orjson.dumps(bundle))
    assert response.status_code == 400
    assert "names no entry of the Bundle" in response.json()["issue"][0]["diagnostics"]
    assert count(client, "Patient") == 0
    assert count(client, "Observation") == 0


@pytest.mark.parametrize(
    ("full_urls", "problem"),
    [
        (["Patient/new", None], "relative"),
        (["http://kangtong.test/fhir/Patient/a/_history/1", None], "bdl-8"),
        (["urn:uuid:0f4a5d3c-0000-4000-8000-000000000001"] * 2, "bdl-7"),
    ],
)
def test_a_transaction_with_a_bad_full_url_stores_nothing(
    client: TestClient, full_urls: list[str | None], problem: str
) -> None:
    entries = [post_entry(patient(given=f"伟{n}"), url) for n, url in enumerate(full_urls)]
    response = client.post("/fhir", content=orjson.dumps(transaction(*entries)))
    assert response.status_code == 400
    assert problem in response.json()["issue"][0]["diagnostics"]
    assert count(client, "Patient") == 0


def test_a_full_url_may_be_absent_and_different_versions_may_share_one(
    client: TestClient,
) -> None:
    shared = "urn:uuid:0f4a5d3c-0000-4000-8000-000000000001"
    first = post_entry(patient(given="甲") | {"meta": {"versionId": "1"}}, shared)
    second = post_entry(patient(given="乙") | {"meta": {"versionId": "2"}}, shared)
    response = client.post(
        "/fhir", content=orjson.dumps(batch(first, second, post_entry(patient())))
    )
    assert [e["response"]["status"] for e in response.json()["entry"]] == ["201 Created"] * 3


def test_a_document_whose_reference_resolves_to_nothing_is_not_stored(
    client: TestClient,
) -> None:
    document = {
        "resourceType": "Bundle",
        "type": "document",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:0f4a5d3c-0000-4000-8000-0000000000d0"},
        "timestamp": "2026-03-01T08:00:00+08:00",
        "entry": [
            {
                "fullUrl": "urn:uuid:0f4a5d3c-0000-4000-8000-0000000000c0",
                "resource": {
                    "resourceType": "Composition", "status": "final", "type": {"text": "出院小结"},
                    "date": "2026-03-01", "title": "出院小结", "author": [{"display": "医生"}],
                    "subject": {"reference": "urn:uuid:0f4a5d3c-0000-4000-8000-0000000000a0"},
                },
            }
        ],
    }  # fmt: skip
    response = client.post("/fhir/Bundle", content=orjson.dumps(document))
    assert response.status_code == 422
    assert "resolves to no entry" in response.json()["issue"][0]["diagnostics"]
    assert count(client, "Bundle") == 0
