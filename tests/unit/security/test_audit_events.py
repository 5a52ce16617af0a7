from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson

from kangtong.core.clock import FrozenClock
from kangtong.fhir.access import AccessContext, AccessNote, AuditEntry
from kangtong.security.audit_events import AuditFacts, build_audit_event
from kangtong.security.audit_sink import ChainedAuditSink
from kangtong.store.audit_log import AuditLogStore
from kangtong.store.database import Database
from tests.unit.security.audit_fixtures import keyed_trail

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def test_a_read_is_a_balp_restful_event_naming_agent_and_entities_by_reference() -> None:
    event = build_audit_event(
        AuditFacts(
            "read",
            "success",
            "Practitioner/liu",
            NOW,
            "org-1",
            frozenset({"clinician"}),
            "Observation",
            "o1",
            ["p1"],
        )
    )
    assert event["type"]["code"] == "rest"
    assert event["subtype"] == [
        {"system": "http://hl7.org/fhir/restful-interaction", "code": "read"}
    ]
    assert (event["action"], event["outcome"]) == ("R", "0")
    assert event["agent"][0]["who"] == {"reference": "Practitioner/liu"}
    assert event["agent"][0]["requestor"] is True
    assert event["agent"][1]["who"] == {"reference": "Organization/org-1"}
    assert {e["what"]["reference"] for e in event["entity"]} == {"Observation/o1", "Patient/p1"}


def test_a_search_is_recorded_as_execute_without_its_parameters() -> None:
    event = build_audit_event(
        AuditFacts("search", "success", "account/a1", NOW, resource_type="Patient")
    )
    assert event["action"] == "E"
    assert event["subtype"][0]["code"] == "search-type"
    assert event["agent"][0]["who"] == {
        "identifier": {"system": "urn:kangtong:principal", "value": "account/a1"}
    }


def test_break_glass_access_is_flagged() -> None:
    event = build_audit_event(
        AuditFacts("read", "success", "Practitioner/liu", NOW, break_glass_grant="g1")
    )
    assert event["purposeOfEvent"][0]["coding"][0]["code"] == "BTG"


def test_denials_and_logins_have_their_own_codes() -> None:
    denied = build_audit_event(AuditFacts("read", "denied", "Practitioner/liu", NOW))
    login = build_audit_event(AuditFacts("login", "success", "account/a1", NOW))
    assert denied["outcome"] == "4"
    assert login["type"]["code"] == "110114"


def test_the_sink_writes_chained_events_free_of_personal_identifiers(
    database: Database, tmp_path: Path
) -> None:
    clock = FrozenClock(NOW)
    trail = keyed_trail(database, clock, tmp_path)
    sink = ChainedAuditSink(trail, clock)
    ctx = AccessContext(
        "Practitioner/liu",
        "org-1",
        roles=frozenset({"clinician"}),
        break_glass_reason="张三 110101199003074477 昏迷",
    )
    sink.record(ctx, AuditEntry("read", "Patient", "p1", "success", AccessNote(break_glass="g-1")))
    assert sink.writer.flush()
    sink.close()
    with database.read() as conn:
        rows = list(AuditLogStore().rows(conn))
    assert len(rows) == 1 and trail.verify().intact
    stored = rows[0].event.decode("utf-8")
    assert "110101199003074477" not in stored and "张三" not in stored
    assert orjson.loads(rows[0].event)["purposeOfEvent"][0]["coding"][0]["code"] == "BTG"
