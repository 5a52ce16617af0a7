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

from kangtong.store.database import Database
from tests.served import Served, served

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
