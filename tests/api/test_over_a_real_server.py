"""Over a real uvicorn server, not the ASGI test client: what only a socket shows.

- The event loop stays free while a big transaction bundle is processed (`kangtong serve` in a
  process of its own): `/healthz` keeps answering.
- An unexpected error is a 500 OperationOutcome and the keep-alive connection stays usable.
- A body whose Content-Length is over the limit is answered 413 before it is sent.
"""

from __future__ import annotations

import socket
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import uvicorn

from kangtong.core.config import Settings
from kangtong.platform import Platform
from kangtong.web.app import create_app
from tests.api.conftest import bearer, token_for
from tests.api.fixtures import glucose, patient
from tests.served import free_port
from tests.served import served as serve


@pytest.fixture
def served(platform: Platform, settings: Settings, tmp_path: Path) -> Iterator[str]:
    """`kangtong serve` in a process of its own, on the test's database and keys."""
    assert Path(settings.security_key_dir) == tmp_path / "keys"  # the keys tokens are signed with
    with serve(settings.database_url, tmp_path, base_url=settings.base_url) as server:
        yield server.base


def big_transaction(patients: int) -> bytes:
    entries: list[dict[str, Any]] = []
    person = {k: v for k, v in patient().items() if k != "identifier"}
    for n in range(patients):
        full_url = f"urn:uuid:00000000-0000-4000-8000-{n:012d}"
        entries.append({"fullUrl": full_url, "resource": person,
                        "request": {"method": "POST", "url": "Patient"}})  # fmt: skip
        entries.append({"resource": glucose(full_url, 5.0 + n % 7),
                        "request": {"method": "POST", "url": "Observation"}})  # fmt: skip
    return orjson.dumps({"resourceType": "Bundle", "type": "transaction", "entry": entries})


def test_healthz_answers_while_a_big_transaction_bundle_is_processed(
    served: str, platform: Platform
) -> None:
    body = big_transaction(1500)
    headers = {**bearer(token_for(platform, "system")), "content-type": "application/fhir+json"}
    done: dict[str, Any] = {}

    def post_bundle() -> None:
        started = time.perf_counter()
        response = httpx.post(f"{served}/fhir", content=body, headers=headers, timeout=300)
        done["status"], done["seconds"] = response.status_code, time.perf_counter() - started
        done["body"] = response.text[:2000]

    poster = threading.Thread(target=post_bundle)
    poster.start()
    latencies: list[float] = []  # of the probes sent while the bundle was in flight
    answered_meanwhile = 0
    with httpx.Client(base_url=served, timeout=300) as probe:
        time.sleep(0.2)  # the bundle is uploaded and being processed
        while poster.is_alive():
            started = time.perf_counter()
            assert probe.get("/healthz").status_code == 200
            latencies.append(time.perf_counter() - started)
            answered_meanwhile += poster.is_alive()
            time.sleep(0.02)
    poster.join()
    assert done["status"] == 200, done["body"]
    print(
        f"\nbundle of {len(orjson.loads(body)['entry'])} entries: {done['seconds']:.2f} s; "
        f"{len(latencies)} /healthz probes sent meanwhile, {answered_meanwhile} answered before "
        f"the bundle; median {statistics.median(latencies) * 1000:.1f} ms, "
        f"worst {max(latencies) * 1000:.1f} ms"
    )
    # A blocked event loop answers nothing until the bundle is done. (The worst probe may
    # still wait for a garbage collection or one long C call holding the GIL: not asserted.)
    assert answered_meanwhile >= 5
    assert statistics.median(latencies) < done["seconds"] / 10


@pytest.fixture
def threaded_server(platform: Platform) -> Iterator[str]:
    """A uvicorn server in a thread of this process, so a test can break the platform."""
    port = free_port()
    config = uvicorn.Config(create_app(platform), host="127.0.0.1", port=port, log_level="critical")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_an_unexpected_error_is_a_500_outcome_and_the_connection_stays_open(
    threaded_server: str, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a defect nobody foresaw")

    monkeypatch.setattr(platform.service, "read", broken)
    headers = bearer(token_for(platform, "system"))
    with httpx.Client(base_url=threaded_server, headers=headers) as client:
        failed = client.get("/fhir/Patient/p1")
        first_connection = _local_port(failed)
        healthy = client.get("/fhir/Patient?_count=1")
        assert _local_port(healthy) == first_connection  # the same TCP connection
    assert failed.status_code == 500
    assert failed.json()["issue"][0]["code"] == "exception"
    assert "a defect nobody foresaw" not in failed.text
    assert healthy.status_code == 200


def _local_port(response: httpx.Response) -> int:
    port: int = response.extensions["network_stream"].get_extra_info("client_addr")[1]
    return port


def test_a_body_declared_too_large_is_refused_before_it_is_sent(
    threaded_server: str, platform: Platform
) -> None:
    host, port = threaded_server.removeprefix("http://").split(":")
    token = token_for(platform, "system")
    declared = platform.settings.max_body_bytes + 1
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(
            f"POST /fhir/Patient HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/fhir+json\r\nContent-Length: {declared}\r\n\r\n".encode()
        )
        head, body = _read_response(connection)  # no byte of the body was sent
    assert head.startswith(b"HTTP/1.1 413")
    assert orjson.loads(body)["issue"][0]["code"] == "too-long"


def _read_response(connection: socket.socket) -> tuple[bytes, bytes]:
    received = b""
    while b"\r\n\r\n" not in received:
        received += connection.recv(65536)
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )  # fmt: skip
    while len(body) < length:
        body += connection.recv(65536)
    return head, body
