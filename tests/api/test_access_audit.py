"""Audit with enforcement on: writes in their own transaction, denials on their own, reads and
searches by group commit; the chain detects tampering; break-glass is flagged and reported."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import text

from kangtong.platform import Platform
from kangtong.store.audit_log import AuditLogStore
from tests.api.conftest import bearer, token_for

REASON = "昏迷患者急诊抢救，需查看既往史"


def _events(platform: Platform) -> list[tuple[str, str, dict[str, Any]]]:
    assert platform.security.audit_sink.writer.flush()
    with platform.db.read() as conn:
        return [(r.action, r.outcome, orjson.loads(r.event)) for r in AuditLogStore().rows(conn)]


def _entity_refs(event: dict[str, Any]) -> set[str]:
    return {
        e["what"]["reference"] for e in event.get("entity", []) if "reference" in e.get("what", {})
    }


def _patient(client: TestClient, headers: dict[str, str]) -> str:
    created = client.post("/fhir/Patient", json={"resourceType": "Patient"}, headers=headers)
    assert created.status_code == 201
    return str(created.json()["id"])


def test_reads_searches_writes_and_denials_are_audited(
    platform: Platform, anonymous: TestClient
) -> None:
    writer = bearer(token_for(platform, "institution-system", org="org-a"))
    patient = _patient(anonymous, writer)
    anonymous.get(f"/fhir/Patient/{patient}", headers=writer)
    anonymous.get("/fhir/Patient?name=王伟", headers=writer)
    stranger = bearer(token_for(platform, "clinician", org="org-b"))
    assert anonymous.get(f"/fhir/Patient/{patient}", headers=stranger).status_code == 403
    events = _events(platform)
    summary = [(action, outcome) for action, outcome, _ in events]
    assert ("create", "success") in summary
    assert ("read", "success") in summary
    assert ("search", "success") in summary
    assert ("read", "denied") in summary
    read = next(e for a, o, e in events if (a, o) == ("read", "success"))
    assert f"Patient/{patient}" in _entity_refs(read)
    search = next(e for a, _, e in events if a == "search")
    assert "王伟" not in orjson.dumps(search).decode()  # search values never reach the log
    assert platform.security.audit.verify().intact


def test_a_rolled_back_write_leaves_no_audit_record(
    platform: Platform, anonymous: TestClient
) -> None:
    writer = bearer(token_for(platform, "institution-system", org="org-a"))
    before = len(_events(platform))
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": {"resourceType": "Patient"}, "request": {"method": "POST", "url": "Patient"}},
            {"resource": {"resourceType": "Observation"}, "request": {"method": "POST", "url": "Observation"}},
        ],
    }  # fmt: skip
    assert anonymous.post("/fhir", json=bundle, headers=writer).status_code >= 400
    assert len(_events(platform)) == before


def test_a_refused_write_is_audited_although_nothing_was_written(
    platform: Platform, anonymous: TestClient
) -> None:
    nurse = bearer(token_for(platform, "nurse", org="org-a"))
    refused = anonymous.post(
        "/fhir/Condition",
        json={"resourceType": "Condition", "subject": {"reference": "Patient/x"}},
        headers=nurse,
    )
    assert refused.status_code == 403
    assert ("create", "denied") in [(a, o) for a, o, _ in _events(platform)]
    system = bearer(token_for(platform, "system"))
    assert anonymous.get("/fhir/Condition?_total=accurate", headers=system).json()["total"] == 0


def test_editing_an_audit_row_breaks_the_chain(platform: Platform, anonymous: TestClient) -> None:
    writer = bearer(token_for(platform, "institution-system", org="org-a"))
    patient = _patient(anonymous, writer)
    anonymous.get(f"/fhir/Patient/{patient}", headers=writer)
    assert len(_events(platform)) >= 2 and platform.security.audit.verify().intact
    with platform.db.write() as conn:
        conn.execute(text("UPDATE audit_log SET outcome = 'success' WHERE seq = 1"))
        conn.execute(text("UPDATE audit_log SET action = 'search' WHERE seq = 2"))
    report = platform.security.audit.verify()
    assert not report.intact


def test_break_glass_opens_one_record_for_a_while_is_flagged_and_reported(
    platform: Platform, anonymous: TestClient
) -> None:
    patient = _patient(anonymous, bearer(token_for(platform, "institution-system", org="org-a")))
    doctor = bearer(token_for(platform, "clinician", org="org-b", fhir_user="Practitioner/dr-b"))
    url = f"/fhir/Patient/{patient}"
    assert anonymous.get(url, headers=doctor).status_code == 403
    short = {"patient": f"Patient/{patient}", "reason": "急", "minutes": 30}
    assert anonymous.post("/security/break-glass", json=short, headers=doctor).status_code == 400
    opened = anonymous.post(
        "/security/break-glass",
        json={"patient": f"Patient/{patient}", "reason": REASON, "minutes": 30},
        headers=doctor,
    )
    assert opened.status_code == 201, opened.text
    assert anonymous.get(url, headers=doctor).status_code == 403  # no reason stated
    emergency = doctor | {"X-Break-Glass-Reason": "emergency"}
    assert anonymous.get(url, headers=emergency).status_code == 200
    found = anonymous.get("/fhir/Patient?_total=accurate", headers=emergency).json()
    assert found["total"] == 1
    events = _events(platform)
    flagged = [e for a, o, e in events if a == "read" and o == "success" and "purposeOfEvent" in e]
    assert flagged and flagged[0]["purposeOfEvent"][0]["coding"][0]["code"] == "BTG"
    assert REASON not in orjson.dumps([e for _, _, e in events]).decode()
    admin = bearer(token_for(platform, "institution-admin", org="org-b"))
    report = anonymous.get("/security/break-glass", headers=admin)
    assert report.status_code == 200
    [grant] = report.json()["grants"]
    assert grant["reason"] == REASON and grant["principal"] == "Practitioner/dr-b"
    other_admin = bearer(token_for(platform, "institution-admin", org="org-a"))
    assert anonymous.get("/security/break-glass", headers=other_admin).json()["grants"] == []
    assert anonymous.get("/security/break-glass", headers=doctor).status_code == 403


def test_a_pharmacist_may_not_break_the_glass(platform: Platform, anonymous: TestClient) -> None:
    patient = _patient(anonymous, bearer(token_for(platform, "institution-system", org="org-a")))
    pharmacist = bearer(token_for(platform, "pharmacist", org="org-b"))
    body = {"patient": f"Patient/{patient}", "reason": REASON, "minutes": 30}
    assert anonymous.post("/security/break-glass", json=body, headers=pharmacist).status_code == 403
