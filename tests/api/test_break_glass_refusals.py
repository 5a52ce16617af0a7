"""Every refused break-glass request is audited with why it was refused, never the reason text."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.testclient import TestClient

from kangtong.platform import Platform
from kangtong.store.audit_log import AuditLogStore
from tests.api.conftest import bearer, token_for

REASON = "昏迷患者急诊抢救，需查看既往史"


def _refusals(platform: Platform) -> list[dict[str, Any]]:
    assert platform.security.audit_sink.writer.flush()
    with platform.db.read() as conn:
        rows = AuditLogStore().rows(conn)
        return [
            orjson.loads(r.event)
            for r in rows
            if (r.action, r.outcome) == ("break-glass", "denied")
        ]


def _refusal_class(event: dict[str, Any]) -> str:
    details = [d for e in event.get("entity", []) for d in e.get("detail", [])]
    return next(d["valueString"] for d in details if d["type"] == "refusal")


def test_each_refused_break_glass_request_is_audited_with_its_class(
    platform: Platform, anonymous: TestClient
) -> None:
    created = anonymous.post(
        "/fhir/Patient",
        json={"resourceType": "Patient"},
        headers=bearer(token_for(platform, "institution-system", org="org-a")),
    )
    patient = f"Patient/{created.json()['id']}"
    doctor = bearer(token_for(platform, "clinician", org="org-b", fhir_user="Practitioner/dr-b"))
    resident = bearer(token_for(platform, "resident", patient=created.json()["id"]))
    pharmacist = bearer(token_for(platform, "pharmacist", org="org-b"))
    attempts = [
        (doctor, {"patient": patient, "minutes": 30}, 400),
        (doctor, {"patient": patient, "reason": "急诊", "minutes": 30}, 400),
        (resident, {"patient": patient, "reason": REASON, "minutes": 30}, 403),
        (pharmacist, {"patient": patient, "reason": REASON, "minutes": 30}, 403),
        (doctor, {"patient": patient, "reason": REASON, "minutes": 100000}, 400),
        (doctor, {"patient": "Patient/nobody-here", "reason": REASON, "minutes": 30}, 404),
    ]
    for headers, body, status in attempts:
        assert (
            anonymous.post("/security/break-glass", json=body, headers=headers).status_code
            == status
        )
    refusals = _refusals(platform)
    assert [_refusal_class(e) for e in refusals] == [
        "no-reason", "short-reason", "role-not-permitted", "role-not-permitted",
        "bad-duration", "unknown-patient",
    ]  # fmt: skip
    assert REASON not in orjson.dumps(refusals).decode()
    assert all(e["outcome"] == "4" for e in refusals)
    assert platform.security.audit.verify().intact
