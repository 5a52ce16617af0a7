"""A real FHIR client (fhirpy, async) against a real server process over HTTP."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fhirpy import AsyncFHIRClient

from kangtong.platform import Platform
from kangtong.web.app import create_app
from tests.api.conftest import token_for
from tests.api.fixtures import glucose, patient


@pytest.fixture
def server_url(platform: Platform) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(platform), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/fhir"
    server.should_exit = True
    thread.join(timeout=10)


def test_fhirpy_creates_searches_updates_and_deletes(server_url: str, platform: Platform) -> None:
    token = token_for(platform, "institution-system", org="org-hosp")

    async def scenario() -> None:
        client = AsyncFHIRClient(
            server_url,
            authorization=f"Bearer {token}",
            extra_headers={"Content-Type": "application/fhir+json"},
        )
        person = client.resource(
            "Patient", **{k: v for k, v in patient().items() if k != "resourceType"}
        )
        await person.save()
        assert person.id
        observation = client.resource(
            "Observation",
            **{
                k: v for k, v in glucose(f"Patient/{person.id}", 9.3).items() if k != "resourceType"
            },
        )
        await observation.save()
        found = (
            await client.resources("Observation").search(subject=f"Patient/{person.id}").fetch_all()
        )
        assert [o.id for o in found] == [observation.id]
        assert await client.resources("Patient").search(family="王").count() == 1
        person["gender"] = "female"
        await person.save()
        fetched = await client.reference("Patient", person.id).to_resource()
        assert fetched["gender"] == "female"
        assert fetched["meta"]["versionId"] == "2"
        await observation.delete()
        assert await client.resources("Observation").count() == 0

    asyncio.run(scenario())
