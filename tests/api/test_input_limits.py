"""Configurable input limits: body size (413, enforced as the body arrives), depth, array length.

Run with limits far below the defaults, so that a test needs no 16 MB body to show them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio
import orjson
import pytest
from fastapi.testclient import TestClient
from starlette.types import Message

from kangtong.core.config import Settings
from kangtong.platform import Platform, build_platform
from kangtong.store.database import Database
from kangtong.web.app import create_app
from tests.api.conftest import token_for
from tests.api.fixtures import patient

LIMITS = {"max_body_bytes": 4096, "max_json_depth": 8, "max_array_items": 5}


@pytest.fixture
def tight(database_url: str, database: Database, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, security_key_dir=str(tmp_path / "keys"),
                        base_url="http://kangtong.test/fhir", **LIMITS)  # type: ignore[arg-type]  # fmt: skip
    platform: Platform = build_platform(settings, database=database)
    with TestClient(create_app(platform), base_url="http://kangtong.test") as client:
        client.headers["authorization"] = f"Bearer {token_for(platform, 'system')}"
        client.headers["content-type"] = "application/fhir+json"
        yield client
    platform.events.stop()
    platform.security.audit_sink.close()


def stored(client: TestClient) -> int:
    return int(client.get("/fhir/_history").json()["total"])


def test_a_body_over_the_limit_is_413_with_an_outcome(tight: TestClient) -> None:
    body = orjson.dumps(patient() | {"text": {"status": "generated", "div": "<div>x</div>"}})
    padded = body[:-1] + b',"language":"' + b"z" * 5000 + b'"}'
    response = tight.post("/fhir/Patient", content=padded)
    assert response.status_code == 413
    assert response.json()["issue"][0]["code"] == "too-long"
    assert stored(tight) == 0


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(tight: TestClient) -> None:
    """At the ASGI level, to count what the server pulls of an endless chunked upload."""
    pulled: list[int] = []
    answers: list[Message] = []

    async def receive() -> Message:
        pulled.append(1024)
        return {"type": "http.request", "body": b" " * 1024, "more_body": True}

    async def send(message: Message) -> None:
        answers.append(message)

    token = tight.headers["authorization"].encode()
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/fhir/Patient", "raw_path": b"/fhir/Patient",
        "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1),
        "server": ("kangtong.test", 80),
        "headers": [(b"host", b"kangtong.test"), (b"authorization", token),
                    (b"content-type", b"application/fhir+json"),
                    (b"transfer-encoding", b"chunked")],
    }  # fmt: skip
    anyio.run(tight.app, scope, receive, send)
    assert answers[0]["status"] == 413
    assert sum(pulled) <= 4096 + 1024  # no further than the limit and one chunk


def test_a_body_at_the_limit_is_read(tight: TestClient) -> None:
    body = orjson.dumps(patient())
    assert len(body) < 4096
    assert tight.post("/fhir/Patient", content=body.ljust(4096)).status_code == 201


def test_nesting_deeper_than_configured_is_refused(tight: TestClient) -> None:
    deep = patient() | {"extension": [{"url": "http://x", "extension": [{"url": "http://y",
            "extension": [{"url": "http://z", "extension": [{"url": "http://w",
            "valueString": "x"}]}]}]}]}  # fmt: skip
    response = tight.post("/fhir/Patient", content=orjson.dumps(deep))
    assert response.status_code == 400
    assert "deeper than 8 levels" in response.json()["issue"][0]["diagnostics"]


def test_an_array_longer_than_configured_is_refused(tight: TestClient) -> None:
    many = patient() | {"name": [{"family": "王", "given": ["伟"] * 6}]}
    response = tight.post("/fhir/Patient", content=orjson.dumps(many))
    assert response.status_code == 400
    assert "more than 5 items" in response.json()["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    "content_type", ["application/fhir+xml", "text/plain", "application/x-www-form-urlencoded"]
)
def test_a_body_that_says_it_is_not_json_is_415(tight: TestClient, content_type: str) -> None:
    response = tight.post(
        "/fhir/Patient", content=orjson.dumps(patient()), headers={"content-type": content_type}
    )
    assert response.status_code == 415
    assert response.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/fhir+json; fhirVersion=4.0"]
)
def test_json_content_types_are_read(tight: TestClient, content_type: str) -> None:
    response = tight.post(
        "/fhir/Patient", content=orjson.dumps(patient()), headers={"content-type": content_type}
    )
    assert response.status_code == 201
