"""Registry rules hold on every write path: REST, transaction bundles, batches and `load`."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kangtong.cli.load import load_paths
from kangtong.core.errors import Conflict
from kangtong.core.ids.gb11643 import make_citizen_id
from kangtong.core.ids.gb32100 import make_credit_code
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.registry import systems
from kangtong.store.tables import outbox

SYSTEM = AccessContext.system("test")
GOOD_USCC = make_credit_code("12", "520102", "42950012")
OTHER_USCC = make_credit_code("12", "520103", "10000001")
BAD_USCC = GOOD_USCC[:-1] + ("0" if GOOD_USCC[-1] != "0" else "1")


def organization(uscc: str, name: str = "云岩区人民医院") -> dict:
    return {
        "resourceType": "Organization",
        "active": True,
        "identifier": [{"system": systems.USCC, "value": uscc}],
        "name": name,
    }


def practitioner(citizen_id: str, licence: str = "110520100000123") -> dict:
    return {
        "resourceType": "Practitioner",
        "identifier": [
            {"system": systems.CITIZEN_ID, "value": citizen_id},
            {"system": systems.DOCTOR_LICENCE, "value": licence},
        ],
        "name": [{"text": "张明", "family": "张", "given": ["明"]}],
    }


def count(client: TestClient, res_type: str) -> int:
    return int(client.get(f"/fhir/{res_type}?_summary=count").json()["total"])


def transaction(*resources: dict) -> dict:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": r, "request": {"method": "POST", "url": r["resourceType"]}}
            for r in resources
        ],
    }


def test_post_with_a_bad_uscc_is_refused_naming_the_path(client: TestClient) -> None:
    response = client.post("/fhir/Organization", content=orjson.dumps(organization(BAD_USCC)))
    assert response.status_code == 422, response.text
    issue = response.json()["issue"][0]
    assert issue["expression"] == ["Organization.identifier[0].value"]
    assert "统一社会信用代码" in issue["diagnostics"]
    assert "check character" in issue["diagnostics"]
    assert count(client, "Organization") == 0


def test_put_and_patch_cannot_slip_a_bad_uscc_in(client: TestClient) -> None:
    created = client.post("/fhir/Organization", content=orjson.dumps(organization(GOOD_USCC)))
    org_id = created.json()["id"]
    bad = organization(BAD_USCC) | {"id": org_id}
    assert client.put(f"/fhir/Organization/{org_id}", content=orjson.dumps(bad)).status_code == 422
    patch = [{"op": "replace", "path": "/identifier/0/value", "value": BAD_USCC}]
    response = client.patch(
        f"/fhir/Organization/{org_id}",
        content=orjson.dumps(patch),
        headers={"content-type": "application/json-patch+json"},
    )
    assert response.status_code == 422, response.text
    assert client.get(f"/fhir/Organization/{org_id}").json()["meta"]["versionId"] == "1"


def test_a_second_institution_with_the_same_uscc_is_refused(client: TestClient) -> None:
    first = client.post("/fhir/Organization", content=orjson.dumps(organization(GOOD_USCC)))
    assert first.status_code == 201
    second = client.post(
        "/fhir/Organization", content=orjson.dumps(organization(GOOD_USCC, "另一家医院"))
    )
    assert second.status_code == 409, second.text
    message = second.json()["issue"][0]["diagnostics"]
    assert (
        f"统一社会信用代码 {GOOD_USCC} is already registered to Organization/{first.json()['id']}"
        in message
    )
    assert count(client, "Organization") == 1


def test_updating_an_institution_keeps_its_own_uscc(client: TestClient) -> None:
    created = client.post(
        "/fhir/Organization", content=orjson.dumps(organization(GOOD_USCC))
    ).json()
    renamed = created | {"name": "云岩区第一人民医院"}
    response = client.put(f"/fhir/Organization/{created['id']}", content=orjson.dumps(renamed))
    assert response.status_code == 200, response.text


def test_a_bad_uscc_in_a_transaction_leaves_nothing_of_the_bundle(client: TestClient) -> None:
    bundle = transaction(organization(OTHER_USCC, "好医院"), organization(BAD_USCC))
    response = client.post("/fhir", content=orjson.dumps(bundle))
    assert response.status_code == 422, response.text
    issue = response.json()["issue"][0]
    assert issue["diagnostics"].startswith("Bundle.entry[1]")
    assert count(client, "Organization") == 0


def test_two_entries_with_one_uscc_in_a_transaction_are_refused(client: TestClient) -> None:
    bundle = transaction(organization(GOOD_USCC, "甲医院"), organization(GOOD_USCC, "乙医院"))
    response = client.post("/fhir", content=orjson.dumps(bundle))
    assert response.status_code == 409, response.text
    assert GOOD_USCC in response.json()["issue"][0]["diagnostics"]
    assert count(client, "Organization") == 0


def test_a_batch_refuses_only_the_bad_entry(client: TestClient) -> None:
    bundle = transaction(organization(GOOD_USCC), organization(BAD_USCC))
    bundle["type"] = "batch"
    response = client.post("/fhir", content=orjson.dumps(bundle))
    statuses = [e["response"]["status"] for e in response.json()["entry"]]
    assert statuses == ["201 Created", "422 Unprocessable Entity"]


def test_swapping_uscc_between_versions_in_one_transaction_is_allowed(client: TestClient) -> None:
    """A USCC freed by one entry's update may be taken by another entry of the same bundle."""
    a = client.post("/fhir/Organization", content=orjson.dumps(organization(GOOD_USCC))).json()
    moved = a | {"identifier": [{"system": systems.USCC, "value": OTHER_USCC}]}
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": moved, "request": {"method": "PUT", "url": f"Organization/{a['id']}"}},
            {
                "resource": organization(GOOD_USCC, "新机构"),
                "request": {"method": "POST", "url": "Organization"},
            },
        ],
    }
    response = client.post("/fhir", content=orjson.dumps(bundle))
    assert response.status_code == 200, response.text
    assert count(client, "Organization") == 2


def test_practitioner_with_a_bad_citizen_id_is_refused(client: TestClient) -> None:
    valid = make_citizen_id("520102", dt.date(1980, 5, 17), 123)
    bad = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    response = client.post("/fhir/Practitioner", content=orjson.dumps(practitioner(bad)))
    assert response.status_code == 422, response.text
    assert response.json()["issue"][0]["expression"] == ["Practitioner.identifier[0].value"]
    assert bad not in response.text  # the ID number is not echoed back


def test_duplicate_licence_is_refused_without_echoing_the_citizen_id(client: TestClient) -> None:
    first_id = make_citizen_id("520102", dt.date(1980, 5, 17), 123)
    second_id = make_citizen_id("520102", dt.date(1981, 5, 17), 124)
    assert (
        client.post("/fhir/Practitioner", content=orjson.dumps(practitioner(first_id))).status_code
        == 201
    )
    same_person = client.post(
        "/fhir/Practitioner", content=orjson.dumps(practitioner(first_id, "9"))
    )
    assert same_person.status_code == 409
    assert first_id not in same_person.text
    same_licence = client.post("/fhir/Practitioner", content=orjson.dumps(practitioner(second_id)))
    assert same_licence.status_code == 409
    assert "执业证书编码 110520100000123" in same_licence.text


def test_load_refuses_bad_and_duplicate_institutions_and_keeps_the_rest(
    platform: Platform, tmp_path: Path
) -> None:
    lines = [organization(GOOD_USCC), organization(BAD_USCC), organization(GOOD_USCC, "重复")]
    lines.append({"resourceType": "Patient", "gender": "male"})
    path = tmp_path / "registry.ndjson"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in lines))
    report = load_paths(platform, [path], show=False)
    assert (report.loaded, report.rejected) == (2, 2)
    found = platform.service.search(SYSTEM, "Organization", [])
    assert found.total == 1


def test_concurrent_writers_cannot_both_claim_one_uscc(platform: Platform) -> None:
    """Each writer sees the other's commit before its own: exactly one of them wins."""
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def register(n: int) -> None:
        barrier.wait()
        try:
            platform.service.create(SYSTEM, organization(GOOD_USCC, f"机构{n}"))
            outcomes.append("created")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=register, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "created"]
    found = platform.service.search(
        SYSTEM, "Organization", [("identifier", f"{systems.USCC}|{GOOD_USCC}")]
    )
    assert found.total == 1


def test_a_refused_write_leaves_no_outbox_event(platform: Platform, client: TestClient) -> None:
    client.post("/fhir/Organization", content=orjson.dumps(organization(GOOD_USCC)))
    client.post("/fhir/Organization", content=orjson.dumps(organization(GOOD_USCC)))
    client.post("/fhir/Organization", content=orjson.dumps(organization(BAD_USCC)))
    with platform.db.read() as conn:
        events = conn.execute(select(func.count()).select_from(outbox)).scalar_one()
    assert events == 1
