"""Deciding an MPI review (人工审核) over HTTP: rejecting is a Person write like accepting — the
same authorisation, an audit entry — and bad paging of the queue is a 400, never a 500."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from kangtong.platform import Platform
from kangtong.store.audit_log import AuditLogStore
from tests.api.conftest import bearer, token_for
from tests.api.test_mpi_faces import ingest, parameters
from tests.unit.mpi.test_service import DOUBTFUL, RESIDENTS


def _open_review(client: TestClient, platform: Platform) -> str:
    ingest(client, platform, *RESIDENTS)
    ingest(client, platform, DOUBTFUL)
    [review] = [parameters({"parameter": r["part"]}) for r in _queue(client)]
    return str(review["id"]["valueString"])


def _queue(client: TestClient, status: str = "open") -> list[dict[str, Any]]:
    listed = client.get("/fhir/mpi/reviews", params={"status": status})
    assert listed.status_code == 200, listed.text
    queue: list[dict[str, Any]] = listed.json()["parameter"]
    return queue


def _audited(platform: Platform, action: str, outcome: str, reference: str) -> int:
    """How many audit events of `action` and `outcome` name `reference` as an entity."""
    assert platform.security.audit_sink.writer.flush()
    with platform.db.read() as conn:
        rows = list(AuditLogStore().rows(conn))
    found = 0
    for row in rows:
        if (row.action, row.outcome) != (action, outcome):
            continue
        entities = orjson.loads(row.event).get("entity", [])
        found += any(e.get("what", {}).get("reference") == reference for e in entities)
    return found


@pytest.mark.parametrize(
    ("role", "scopes"),
    [("auditor", ("user/AuditEvent.rs",)), ("resident", ("patient/*.rs",))],
)
def test_a_caller_who_may_not_write_persons_cannot_reject_a_review(
    client: TestClient, platform: Platform, role: str, scopes: tuple[str, ...]
) -> None:
    review = _open_review(client, platform)
    caller = bearer(token_for(platform, role, scopes=scopes, patient="r1"))
    refused = client.post(f"/fhir/mpi/reviews/{review}/$reject", headers=caller)
    assert refused.status_code == 403, refused.text
    assert refused.json()["resourceType"] == "OperationOutcome"
    assert len(_queue(client)) == 1  # still open: the refusal changed nothing


def test_a_refused_reject_is_audited_as_a_denial(client: TestClient, platform: Platform) -> None:
    review = _open_review(client, platform)
    auditor = bearer(token_for(platform, "auditor", scopes=("user/AuditEvent.rs",)))
    person = next(p for p in _queue(client)[0]["part"] if p["name"] == "person")
    reference = person["valueReference"]["reference"]
    client.post(f"/fhir/mpi/reviews/{review}/$reject", headers=auditor)
    assert _audited(platform, "update", "denied", reference) == 1


def test_a_rejected_review_is_in_the_audit_trail(client: TestClient, platform: Platform) -> None:
    review = _open_review(client, platform)
    person = next(p for p in _queue(client)[0]["part"] if p["name"] == "person")
    reference = person["valueReference"]["reference"]
    rejected = client.post(f"/fhir/mpi/reviews/{review}/$reject")
    assert rejected.status_code == 200, rejected.text
    assert len(_queue(client, "rejected")) == 1
    assert _audited(platform, "operation", "success", reference) == 1
    assert platform.security.audit.verify().intact


@pytest.mark.parametrize(
    "query", ["_count=abc", "_offset=1.5", "_count=-1", "_offset=²", "_count=" + "9" * 30]
)
def test_bad_paging_of_the_review_queue_is_a_400_outcome(
    client: TestClient, platform: Platform, query: str
) -> None:
    answered = client.get(f"/fhir/mpi/reviews?{query}")
    assert answered.status_code == 400, answered.text
    body = answered.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["diagnostics"].startswith(query.split("=")[0])
