"""Eight clients racing against two server processes on one PostgreSQL: production's shape.

Each client is a thread with its own HTTP connection; a barrier releases them together. The
server runs `kangtong serve --workers 2`, so requests land on different processes.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from kangtong.store.database import open_database
from kangtong.store.migrate import upgrade
from tests.served import Served, own_schema, served

pytestmark = [pytest.mark.pg, pytest.mark.slow]

CLIENTS = 8
ROUNDS = 8


@pytest.fixture(scope="module")
def cluster(pg_schema_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with own_schema(pg_schema_url) as url:
        db = open_database(url)
        upgrade(db)
        db.dispose()
        with served(url, tmp_path_factory.mktemp("cluster"), workers=2) as server:
            assert len(server.worker_pids()) == 2
            yield server


@pytest.fixture(scope="module")
def headers(cluster: Served) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {cluster.token()}",
        "Content-Type": "application/fhir+json",
    }


def race(
    cluster: Served, headers: dict[str, str], send: Callable[[httpx.Client, int], httpx.Response]
) -> list[httpx.Response]:
    """`send(client, i)` from CLIENTS threads at once, each over its own connection."""
    barrier = threading.Barrier(CLIENTS)
    answers: list[Any] = [None] * CLIENTS

    def run(i: int) -> None:
        with httpx.Client(base_url=cluster.fhir, headers=headers, timeout=60) as client:
            client.get("/metadata")  # connect before the race
            barrier.wait()
            answers[i] = send(client, i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert all(isinstance(a, httpx.Response) for a in answers), answers
    return answers


def statuses(answers: list[httpx.Response]) -> list[int]:
    return sorted(a.status_code for a in answers)


def total(cluster: Served, headers: dict[str, str], query: str) -> int:
    found = httpx.get(f"{cluster.fhir}/Patient?{query}&_summary=count", headers=headers)
    assert found.status_code == 200
    return int(found.json()["total"])


def mrn_patient(value: str) -> dict[str, Any]:
    return {"resourceType": "Patient", "identifier": [{"system": "urn:mrn", "value": value}]}


def test_racing_conditional_creates_store_one_resource_every_round(
    cluster: Served, headers: dict[str, str]
) -> None:
    for _ in range(ROUNDS):
        value = uuid.uuid4().hex
        answers = race(
            cluster,
            headers,
            lambda c, _i, v=value: c.post(  # type: ignore[misc]
                "/Patient",
                json=mrn_patient(v),
                headers={"If-None-Exist": f"identifier=urn:mrn|{v}"},
            ),
        )
        assert statuses(answers) == [200] * (CLIENTS - 1) + [201]
        assert len({a.json()["id"] for a in answers}) == 1
        assert total(cluster, headers, f"identifier=urn:mrn|{value}") == 1


def test_racing_conditional_creates_in_transactions_store_one_resource_every_round(
    cluster: Served, headers: dict[str, str]
) -> None:
    def transaction(value: str) -> dict[str, Any]:
        return {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                    "resource": mrn_patient(value),
                    "request": {
                        "method": "POST",
                        "url": "Patient",
                        "ifNoneExist": f"identifier=urn:mrn|{value}",
                    },
                }
            ],
        }

    for _ in range(ROUNDS):
        value = uuid.uuid4().hex
        answers = race(
            cluster,
            headers,
            lambda c, _i, v=value: c.post(cluster.fhir, json=transaction(v)),  # type: ignore[misc]
        )
        assert statuses(answers) == [200] * CLIENTS, answers[0].text
        entries = sorted(a.json()["entry"][0]["response"]["status"] for a in answers)
        assert entries == ["200 OK"] * (CLIENTS - 1) + ["201 Created"]
        assert total(cluster, headers, f"identifier=urn:mrn|{value}") == 1


def test_racing_conditional_updates_store_one_resource_every_round(
    cluster: Served, headers: dict[str, str]
) -> None:
    for _ in range(ROUNDS):
        value = uuid.uuid4().hex
        answers = race(
            cluster,
            headers,
            lambda c, _i, v=value: c.put(  # type: ignore[misc]
                f"/Patient?identifier=urn:mrn|{v}", json=mrn_patient(v)
            ),
        )
        assert statuses(answers) == [200] * (CLIENTS - 1) + [201]
        assert total(cluster, headers, f"identifier=urn:mrn|{value}") == 1


def test_concurrent_puts_each_make_one_version(cluster: Served, headers: dict[str, str]) -> None:
    res_id = f"put-{uuid.uuid4().hex[:12]}"
    body = {"resourceType": "Patient", "id": res_id}
    assert httpx.put(f"{cluster.fhir}/Patient/{res_id}", json=body, headers=headers).is_success
    answers = race(
        cluster,
        headers,
        lambda c, i: c.put(f"/Patient/{res_id}", json={**body, "birthDate": f"19{50 + i}"}),
    )
    assert statuses(answers) == [200] * CLIENTS
    versions = sorted(int(a.json()["meta"]["versionId"]) for a in answers)
    assert versions == list(range(2, 2 + CLIENTS))


def test_concurrent_puts_with_if_match_let_one_win(
    cluster: Served, headers: dict[str, str]
) -> None:
    res_id = f"ifm-{uuid.uuid4().hex[:12]}"
    body = {"resourceType": "Patient", "id": res_id}
    assert httpx.put(f"{cluster.fhir}/Patient/{res_id}", json=body, headers=headers).is_success
    answers = race(
        cluster,
        headers,
        lambda c, i: c.put(
            f"/Patient/{res_id}",
            json={**body, "birthDate": f"19{50 + i}"},
            headers={"If-Match": 'W/"1"'},
        ),
    )
    assert statuses(answers) == [200] + [412] * (CLIENTS - 1)
    for lost in (a for a in answers if a.status_code == 412):
        assert lost.json()["resourceType"] == "OperationOutcome"
        assert "current version is 2" in lost.text


def test_concurrent_patches_all_apply(cluster: Served, headers: dict[str, str]) -> None:
    res_id = f"patch-{uuid.uuid4().hex[:12]}"
    body = {"resourceType": "Patient", "id": res_id, "gender": "male"}
    assert httpx.put(f"{cluster.fhir}/Patient/{res_id}", json=body, headers=headers).is_success
    patch_headers = {"Content-Type": "application/json-patch+json"}
    answers = race(
        cluster,
        headers,
        lambda c, i: c.patch(
            f"/Patient/{res_id}",
            content=f'[{{"op":"add","path":"/birthDate","value":"19{50 + i}"}}]',
            headers=patch_headers,
        ),
    )
    assert statuses(answers) == [200] * CLIENTS
    final = httpx.get(f"{cluster.fhir}/Patient/{res_id}", headers=headers).json()
    assert final["meta"]["versionId"] == str(1 + CLIENTS)


def test_concurrent_puts_creating_one_id_make_one_resource(
    cluster: Served, headers: dict[str, str]
) -> None:
    res_id = f"new-{uuid.uuid4().hex[:12]}"
    answers = race(
        cluster,
        headers,
        lambda c, i: c.put(
            f"/Patient/{res_id}",
            json={"resourceType": "Patient", "id": res_id, "birthDate": f"19{50 + i}"},
        ),
    )
    assert statuses(answers) == [200] * (CLIENTS - 1) + [201]
    final = httpx.get(f"{cluster.fhir}/Patient/{res_id}", headers=headers).json()
    assert final["meta"]["versionId"] == str(CLIENTS)


def test_the_server_log_has_no_unexpected_errors(cluster: Served) -> None:
    log = cluster.log.read_text(errors="replace")
    assert "Traceback" not in log
    assert " 500 " not in log
