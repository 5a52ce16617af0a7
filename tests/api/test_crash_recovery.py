"""`kill -9` of the server in the middle of bundles: after a restart nothing acknowledged is
lost and nothing half-written is visible."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from kangtong.store.database import Database, open_database
from kangtong.store.migrate import upgrade
from kangtong.store.outbox import OutboxStore
from tests.served import Served, own_schema, served

pytestmark = pytest.mark.slow

BUNDLE_SIZE = 40
SENDERS = 3


def tagged_bundle(tag: str) -> dict[str, Any]:
    """A transaction whose every resource carries `tag`, so its parts can be counted later."""
    entries = []
    for n in range(BUNDLE_SIZE):
        full_url = f"urn:uuid:{uuid.uuid4()}"
        resource = {
            "resourceType": "Patient",
            "identifier": [
                {"system": "urn:bundle", "value": tag},
                {"system": "urn:part", "value": f"{tag}-{n}"},
            ],
            "name": [{"text": f"患者{n}"}],
        }
        entries.append(
            {
                "fullUrl": full_url,
                "resource": resource,
                "request": {"method": "POST", "url": "Patient"},
            }
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


class Senders:
    """Threads posting tagged bundles until the server goes away; they remember the answers."""

    def __init__(self, server: Served) -> None:
        self.server = server
        self.headers = {"Authorization": f"Bearer {server.token()}"}
        self.acknowledged: list[str] = []
        self.unknown: list[str] = []  # sent, then the connection died: either outcome is fine
        self.failed: list[int] = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.send) for _ in range(SENDERS)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def send(self) -> None:
        with httpx.Client(headers=self.headers, timeout=60) as client:
            while True:
                tag = uuid.uuid4().hex
                try:
                    answer = client.post(self.server.fhir, json=tagged_bundle(tag))
                except httpx.TransportError:
                    with self.lock:
                        self.unknown.append(tag)
                    return
                with self.lock:
                    if answer.status_code == 200:
                        self.acknowledged.append(tag)
                    else:
                        self.failed.append(answer.status_code)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(60)


def count_tagged(server: Served, tag: str) -> int:
    found = httpx.get(
        f"{server.fhir}/Patient",
        params={"identifier": f"urn:bundle|{tag}", "_summary": "count"},
        headers={"Authorization": f"Bearer {server.token()}"},
    )
    assert found.status_code == 200
    return int(found.json()["total"])


def test_killing_the_server_mid_bundle_loses_nothing_acknowledged_and_shows_no_halves(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    with served(database_url, tmp_path) as server:
        senders = Senders(server)
        senders.start()
        deadline = time.monotonic() + 60
        while len(senders.acknowledged) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(server.process.pid, signal.SIGKILL)  # bundles are in flight now
        server.process.wait()
        senders.join()
    assert len(senders.acknowledged) >= 6
    assert senders.failed == []
    assert senders.unknown, "the kill interrupted a bundle in flight"
    with served(database_url, tmp_path) as restarted:
        for tag in senders.acknowledged:
            assert count_tagged(restarted, tag) == BUNDLE_SIZE
        for tag in senders.unknown:
            assert count_tagged(restarted, tag) in (0, BUNDLE_SIZE)


def unacknowledged(database_url: str) -> dict[str, int]:
    """Per subscriber, outbox events past its acknowledged position."""
    db = open_database(database_url)
    try:
        with db.read() as conn:
            return OutboxStore().backlog(conn)
    finally:
        db.dispose()


def wait_until_delivered(database_url: str, seconds: float) -> dict[str, int]:
    deadline = time.monotonic() + seconds
    behind = unacknowledged(database_url)
    while time.monotonic() < deadline and (not behind or any(behind.values())):
        time.sleep(0.5)
        behind = unacknowledged(database_url)
    return behind


@pytest.mark.pg
def test_killing_workers_mid_delivery_delivers_every_event_after_all(
    pg_schema_url: str, tmp_path: Path
) -> None:
    """Patients are written while outbox deliverers (the master index's link-on-ingest) are
    killed again and again; the supervisor restarts them, and in the end every event is
    delivered and every Patient linked to a Person."""
    with own_schema(pg_schema_url) as url:
        db = open_database(url)
        upgrade(db)
        db.dispose()
        with served(url, tmp_path, workers=2) as server:
            headers = {"Authorization": f"Bearer {server.token()}"}
            created: list[str] = []
            kills = 0
            with httpx.Client(base_url=server.fhir, headers=headers, timeout=60) as client:
                for n in range(120):
                    body = {
                        "resourceType": "Patient",
                        "identifier": [{"system": "urn:mrn", "value": f"k{n}"}],
                        "name": [{"text": f"患者{n}"}],
                        "birthDate": f"19{40 + n % 60}-0{1 + n % 9}-1{n % 10}",
                    }
                    while True:
                        try:
                            answer = client.post("/Patient", json=body)
                            break
                        except httpx.TransportError:  # the worker serving us was just killed
                            time.sleep(0.2)
                    assert answer.status_code == 201, answer.text
                    created.append(answer.json()["id"])
                    if n % 15 == 7:
                        for pid in server.worker_pids():
                            os.kill(pid, signal.SIGKILL)
                            kills += 1
                        time.sleep(0.3)
            assert kills >= 8
            behind = wait_until_delivered(url, 180)
            assert behind and not any(behind.values()), behind
            with httpx.Client(base_url=server.fhir, headers=headers, timeout=60) as client:
                unlinked = [r for r in created if persons_linking(client, r) != 1]
            assert unlinked == []


def persons_linking(client: httpx.Client, patient_id: str) -> int:
    query = {"link": f"Patient/{patient_id}", "_summary": "count"}
    return int(client.get("/Person", params=query).json()["total"])
