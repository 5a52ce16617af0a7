"""Sensitive records are sealed at rest (issue 13, finding 13) — on both databases.

A database administrator (or anyone holding a dump or a backup) reads the tables directly, past
every access decision. For a resource of a sensitive category (HIV here) that reader must see no
clear text of it: not the diagnosis' display, not the resident's name in `subject.display`, not
the note, not the identifier, not the patient reference inside the JSON. Callers of the API see
the resource as written; searches on the blind-indexed `identifier`, and on codes, references,
dates and labels, still find it.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.store.tables import INDEX_TABLES, resource, resource_version

SYSTEM = AccessContext.system("test")
ICD10 = "http://hl7.org/fhir/sid/icd-10"
CASE_SYSTEM = "urn:oid:2.16.156.10011.1.99.1"  # a hospital's case number system
NAME, NOTE, CASE_NUMBER = "王秀英", "随访时情绪低落, 未按时服药", "HIV-2026-00417"
DISPLAY = "人类免疫缺陷病毒病"


def _hiv_condition(patient: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "identifier": [{"system": CASE_SYSTEM, "value": CASE_NUMBER}],
        "subject": {"reference": f"Patient/{patient}", "display": NAME},
        "code": {"coding": [{"system": ICD10, "code": "B20", "display": DISPLAY}],
                 "text": DISPLAY},
        "onsetDateTime": "2026-03-04",
        "note": [{"text": NOTE}],
        "text": {"status": "generated",
                 "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{NAME}: {DISPLAY}</div>'},
    }  # fmt: skip


def _stored_rows(platform: Platform, res_type: str, res_id: str) -> list[bytes]:
    """Every stored byte of one resource a DBA's SELECT shows: versions and index rows."""
    with platform.db.read() as conn:
        pk = conn.execute(
            select(resource.c.pk).where(resource.c.res_type == res_type,
                                        resource.c.res_id == res_id)
        ).scalar_one()  # fmt: skip
        found = [
            bytes(c)
            for (c,) in conn.execute(
                select(resource_version.c.content).where(resource_version.c.resource_pk == pk)
            )
            if c is not None
        ]
        for table in INDEX_TABLES.values():
            for row in conn.execute(select(table).where(table.c.resource_pk == pk)):
                found.append(repr(tuple(row)).encode("utf-8"))
    return found


def _patient(platform: Platform) -> str:
    patient = {"resourceType": "Patient", "gender": "female", "name": [{"text": NAME}]}
    return platform.service.create(SYSTEM, patient).resource.res_id


def _leaks(rows: list[bytes], clear: list[str]) -> list[str]:
    dump = b"\n".join(rows).decode("utf-8", "replace")
    return [text for text in clear if text in dump]


def test_a_plain_select_shows_no_clear_text_of_a_sensitive_condition(platform: Platform) -> None:
    patient = _patient(platform)
    condition = platform.service.create(SYSTEM, _hiv_condition(patient)).resource.res_id
    rows = _stored_rows(platform, "Condition", condition)
    assert rows
    assert _leaks(rows, [NAME, NOTE, CASE_NUMBER, DISPLAY, f"Patient/{patient}"]) == []


def test_the_api_reads_and_finds_a_sealed_condition_as_written(
    platform: Platform, client: TestClient
) -> None:
    patient = _patient(platform)
    condition = platform.service.create(SYSTEM, _hiv_condition(patient)).resource.res_id
    assert _leaks(_stored_rows(platform, "Condition", condition), [NAME]) == []
    read = client.get(f"/fhir/Condition/{condition}").json()
    assert read["subject"]["display"] == NAME and read["note"][0]["text"] == NOTE
    for query in (
        f"identifier={CASE_SYSTEM}|{CASE_NUMBER}",
        f"identifier={CASE_NUMBER}",
        f"subject=Patient/{patient}",
        f"code={ICD10}|B20",
        "onset-date=2026-03-04",
    ):
        found = client.get(f"/fhir/Condition?{query}").json()
        assert [e["resource"]["id"] for e in found.get("entry", [])] == [condition], query
