"""JSON log lines of a request name its request id — on the event loop and in the threadpool —
and, like text lines, carry no identifier from the request."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kangtong.platform import Platform
from kangtong.store.database import open_database
from tests.log_lines import personal_data_in
from tests.unit.core.test_json_logs import JsonCollector

CITIZEN_ID = "11010119900307001X"


@pytest.fixture
def json_log() -> Iterator[JsonCollector]:
    root = logging.getLogger()
    collector = JsonCollector()
    root.addHandler(collector)
    try:
        yield collector
    finally:
        root.removeHandler(collector)


def test_the_access_line_names_the_request_and_no_value(
    client: TestClient, json_log: JsonCollector
) -> None:
    response = client.get(f"/fhir/Patient?identifier={CITIZEN_ID}&name=王伟")
    lines = [json.loads(text) for text in json_log.texts]
    (access,) = [line for line in lines if line["logger"] == "kangtong.access"]
    assert access["request_id"] == response.headers["x-request-id"]
    assert access["message"].startswith("GET /fhir/Patient ?identifier,name 200 ")
    assert not any(personal_data_in(text) for text in json_log.texts)


def test_a_line_written_in_the_threadpool_names_its_request(
    client: TestClient, platform: Platform, json_log: JsonCollector
) -> None:
    answering = platform.db
    platform.db = open_database("postgresql+psycopg://kangtong@127.0.0.1:1/nowhere")
    try:
        response = client.get("/metrics")  # a sync route: it runs in the threadpool
    finally:
        platform.db.dispose()
        platform.db = answering
    lines = [json.loads(text) for text in json_log.texts]
    (warning,) = [line for line in lines if line["logger"] == "kangtong.web.metrics"]
    assert warning["request_id"] == response.headers["x-request-id"]
