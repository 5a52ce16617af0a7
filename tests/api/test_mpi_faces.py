"""The MPI over HTTP: PDQm $match, PIXm $ihe-pix, linked records by identifier, the review
queue, merge/unmerge and the health-record lifecycle."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from kangtong.platform import Platform
from tests.unit.mpi.test_service import (
    DOUBTFUL,
    HOSPITAL_A,
    HOSPITAL_B,
    RESIDENTS,
    trust_shipped_weights,
)

MATCH_GRADE = "http://hl7.org/fhir/StructureDefinition/match-grade"


def ingest(client: TestClient, platform: Platform, *patients: dict[str, Any]) -> None:
    """Store, then link (the background dispatcher stopped), with the shipped weights stored as
    the region's trained model (a handful of records is too few to train on)."""
    platform.events.stop()
    trust_shipped_weights(platform)
    for resource in patients:
        response = client.put(f"/fhir/Patient/{resource['id']}", json=resource)
        assert response.status_code in (200, 201), response.text
    platform.events.drain()


def parameters(body: dict[str, Any]) -> dict[str, Any]:
    return {p["name"]: p for p in body["parameter"]}


def person_for(client: TestClient, system: str, value: str) -> str:
    """The master person of a source identifier, by PIXm."""
    found = client.get("/fhir/Patient/$ihe-pix", params={"sourceIdentifier": f"{system}|{value}"})
    references = [
        p["valueReference"]["reference"]
        for p in found.json()["parameter"]
        if p["name"] == "targetId"
    ]
    return next(r.removeprefix("Person/") for r in references if r.startswith("Person/"))


def zhang_person(client: TestClient) -> str:
    return person_for(client, HOSPITAL_A, "M1")


def test_match_returns_scored_patients_of_the_matching_person(
    client: TestClient, platform: Platform
) -> None:
    ingest(client, platform, *RESIDENTS)
    query = {"resourceType": "Patient", "name": [{"text": "Zhang Wei"}], "birthDate": "1980-03-05"}
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "resource", "resource": query},
            {"name": "count", "valueInteger": 3},
        ],
    }
    response = client.post("/fhir/Patient/$match", json=body)
    assert response.status_code == 200, response.text
    bundle = response.json()
    assert bundle["type"] == "searchset"
    matched = [e for e in bundle["entry"] if e["search"]["mode"] == "match"]
    assert sorted(e["resource"]["id"] for e in matched) == ["a1", "b1"]
    assert all(0.5 < e["search"]["score"] <= 1 for e in matched)
    assert matched[0]["search"]["extension"] == [{"url": MATCH_GRADE, "valueCode": "certain"}]
    included = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "include"]
    assert [p["resourceType"] for p in included] == ["Person"]


def test_match_with_only_certain_matches_leaves_out_doubtful_candidates(
    client: TestClient, platform: Platform
) -> None:
    ingest(client, platform, *RESIDENTS)
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "resource", "resource": DOUBTFUL},
            {"name": "onlyCertainMatches", "valueBoolean": True},
        ],
    }
    bundle = client.post("/fhir/Patient/$match", json=body).json()
    assert bundle.get("entry", []) == []


def test_pix_cross_references_every_identifier_of_the_same_person(
    client: TestClient, platform: Platform
) -> None:
    ingest(client, platform, *RESIDENTS)
    response = client.get(
        "/fhir/Patient/$ihe-pix",
        params={"sourceIdentifier": f"{HOSPITAL_B}|X9", "targetSystem": HOSPITAL_A},
    )
    assert response.status_code == 200, response.text
    assert response.json()["parameter"] == [
        {"name": "targetIdentifier", "valueIdentifier": {"system": HOSPITAL_A, "value": "M1"}}
    ]
    unknown = client.get(
        "/fhir/Patient/$ihe-pix", params={"sourceIdentifier": f"{HOSPITAL_B}|nope"}
    )
    assert unknown.status_code == 404


def test_patient_search_by_identifier_reaches_the_linked_records(
    client: TestClient, platform: Platform
) -> None:
    ingest(client, platform, *RESIDENTS)
    # The source Patient and, revincluded, its master Person (whose links list the others).
    own = client.get(
        "/fhir/Patient", params={"identifier": f"{HOSPITAL_B}|X9", "_revinclude": "Person:link"}
    )
    assert own.status_code == 200, own.text
    [person] = [e["resource"] for e in own.json()["entry"] if e["search"]["mode"] == "include"]
    links = sorted(link["target"]["reference"] for link in person["link"])
    assert links == ["Patient/a1", "Patient/b1"]
    # Every linked record in one request: the Person by its linked Patient's identifier.
    linked = client.get(
        "/fhir/Person",
        params={"link:Patient.identifier": f"{HOSPITAL_B}|X9", "_include": "Person:link"},
    )
    assert linked.status_code == 200, linked.text
    found = sorted(
        (e["resource"]["resourceType"], e["resource"]["id"]) for e in linked.json()["entry"]
    )
    assert found == [("Patient", "a1"), ("Patient", "b1"), ("Person", person["id"])]
    by_id = client.get("/fhir/Person", params={"identifier": f"{HOSPITAL_A}|M1"})
    assert [e["resource"]["id"] for e in by_id.json()["entry"]] == [person["id"]]


def test_review_queue_over_http(client: TestClient, platform: Platform) -> None:
    ingest(client, platform, *RESIDENTS)
    ingest(client, platform, DOUBTFUL)
    queue = client.get("/fhir/mpi/reviews").json()["parameter"]
    [review] = [parameters({"parameter": r["part"]}) for r in queue]
    review_id = review["id"]["valueString"]
    accepted = client.post(f"/fhir/mpi/reviews/{review_id}/$accept")
    assert accepted.status_code == 200, accepted.text
    again = client.post(f"/fhir/mpi/reviews/{review_id}/$reject")
    assert again.status_code == 409
    assert client.get("/fhir/mpi/reviews").json()["parameter"] == []


def test_merge_and_unmerge_over_http(client: TestClient, platform: Platform) -> None:
    ingest(client, platform, *RESIDENTS)
    zhang = zhang_person(client)
    wang = person_for(client, HOSPITAL_B, "X10")
    merged = client.post(
        "/fhir/Person/$merge", params={"survivor": f"Person/{zhang}", "merged": f"Person/{wang}"}
    )
    assert merged.status_code == 200, merged.text
    merge_id = parameters(merged.json())["merge"]["valueString"]
    assert client.get(f"/fhir/Person/{wang}").json()["active"] is False
    undone = client.post(f"/fhir/mpi/merges/{merge_id}/$unmerge")
    assert parameters(undone.json())["status"]["valueCode"] == "unmerged"
    assert client.get(f"/fhir/Person/{wang}").json()["active"] is True
    link = client.post("/fhir/Patient/c1/$mpi-link", params={"person": f"Person/{zhang}"})
    assert link.status_code == 200
    unlink = client.post("/fhir/Patient/c1/$mpi-unlink")
    assert unlink.status_code == 200


def test_health_record_lifecycle_over_http(client: TestClient, platform: Platform) -> None:
    ingest(client, platform, *RESIDENTS)
    zhang = zhang_person(client)
    opened = client.post(
        f"/fhir/Person/{zhang}/$open-record",
        json={
            "resourceType": "Parameters",
            "parameter": [{"name": "district", "valueCode": "520102"}],
        },
    )
    assert parameters(opened.json())["status"]["valueCode"] == "open"
    moved = client.post(f"/fhir/Person/{zhang}/$transfer-record", params={"district": "520103"})
    assert parameters(moved.json())["district"]["valueCode"] == "520103"
    refused = client.post(f"/fhir/Person/{zhang}/$close-record", params={"reason": "lost"})
    assert refused.status_code == 400
    closed = client.post(f"/fhir/Person/{zhang}/$close-record", params={"reason": "emigration"})
    assert parameters(closed.json())["reason"]["valueCode"] == "emigration"
    history = client.get(f"/fhir/Person/{zhang}/$record-history").json()["parameter"]
    states = [parameters({"parameter": h["part"]})["status"]["valueCode"] for h in history]
    assert states == ["unopened", "open", "open", "closed"]


def match_ids(client: TestClient, patient: dict[str, Any]) -> list[tuple[str, str]]:
    body = {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": patient}]}
    response = client.post("/fhir/Patient/$match", json=body)
    assert response.status_code == 200, response.text
    entries = response.json()["entry"]
    return sorted((e["resource"]["resourceType"], e["resource"]["id"]) for e in entries)


def test_a_deleted_patient_leaves_its_person_and_the_match_results(
    client: TestClient, platform: Platform
) -> None:
    ingest(client, platform, *RESIDENTS)
    zhang = zhang_person(client)
    query = {"resourceType": "Patient", "name": [{"text": "张伟"}], "birthDate": "1980-03-05"}
    assert match_ids(client, query) == [("Patient", "a1"), ("Patient", "b1"), ("Person", zhang)]
    assert client.delete("/fhir/Patient/b1").status_code in (200, 204)
    platform.events.drain()
    person = client.get(f"/fhir/Person/{zhang}").json()
    assert [link["target"]["reference"] for link in person["link"]] == ["Patient/a1"]
    assert match_ids(client, query) == [("Patient", "a1"), ("Person", zhang)]
    # The last source record gone: the Person stays, inactive and linking nothing.
    assert client.delete("/fhir/Patient/a1").status_code in (200, 204)
    platform.events.drain()
    person = client.get(f"/fhir/Person/{zhang}").json()
    assert person["active"] is False and "link" not in person
    assert match_ids(client, query) == []
    unknown = client.get("/fhir/Patient/$ihe-pix", params={"sourceIdentifier": f"{HOSPITAL_A}|M1"})
    assert unknown.status_code == 404


def test_an_updated_patient_is_relinked_over_http(client: TestClient, platform: Platform) -> None:
    ingest(client, platform, *RESIDENTS)
    zhang, wang = zhang_person(client), person_for(client, HOSPITAL_B, "X10")
    wang_patient = next(p for p in RESIDENTS if p["id"] == "c1")
    b1 = next(p for p in RESIDENTS if p["id"] == "b1")
    corrected = {**wang_patient, "id": "b1", "identifier": b1["identifier"]}
    ingest(client, platform, corrected)
    assert person_for(client, HOSPITAL_B, "X9") == wang
    links = client.get(f"/fhir/Person/{zhang}").json()["link"]
    assert [link["target"]["reference"] for link in links] == ["Patient/a1"]
