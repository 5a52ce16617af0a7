"""Sensitive records are sealed at rest (issue 13, finding 13) — on both databases.

A database administrator (or anyone holding a dump or a backup) reads the tables directly, past
every access decision. For a resource of a sensitive category (HIV here) that reader must see no
clear text of it: not the diagnosis' display, not the resident's name in `subject.display`, not
the note, not the identifier, not the patient reference inside the JSON. Callers of the API see
the resource as written; searches on the blind-indexed `identifier`, and on codes, references,
dates and labels, still find it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kangtong.core.errors import Invalid
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.security.crypto.field_cipher import UndecryptableField
from kangtong.security.keys import KeyFiles
from kangtong.security.labels import ClearRows, LabellingIndexer, relabel
from kangtong.security.sealing import ResourceSealer
from kangtong.store.repository import ResourceRepository
from kangtong.store.sealing import NoSealing
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


def test_an_ordinary_resource_is_stored_as_plain_json_with_its_index(platform: Platform) -> None:
    patient = _patient(platform)
    rows = _stored_rows(platform, "Patient", patient)
    assert rows[0].startswith(b"{") and NAME.encode() in rows[0]
    assert any(NAME in row.decode() for row in rows[1:])  # name search keeps its string rows


def test_every_version_of_a_sealed_resource_reads_back_and_none_is_clear(
    platform: Platform, client: TestClient
) -> None:
    condition = _hiv_condition(_patient(platform))
    res_id = platform.service.create(SYSTEM, condition).resource.res_id
    platform.service.update(SYSTEM, "Condition", res_id, condition | {"id": res_id,
                            "note": [{"text": NOTE + "。复诊"}]})  # fmt: skip
    platform.service.delete(SYSTEM, "Condition", res_id)
    assert _leaks(_stored_rows(platform, "Condition", res_id), [NAME, NOTE]) == []
    history = client.get(f"/fhir/Condition/{res_id}/_history").json()
    notes = [e["resource"]["note"][0]["text"] for e in history["entry"] if "resource" in e]
    assert sorted(notes) == [NOTE, NOTE + "。复诊"]
    assert client.get(f"/fhir/Condition/{res_id}/_history/1").json()["subject"]["display"] == NAME


def test_sealed_resources_are_not_found_by_display_text(
    platform: Platform, client: TestClient
) -> None:
    platform.service.create(SYSTEM, _hiv_condition(_patient(platform)))
    found = client.get("/fhir/Condition?code:text=人类").json()
    assert found.get("entry", []) == []  # :text needs the clear display, which is not stored


def test_a_key_rotation_leaves_sealed_resources_readable_and_findable(
    platform: Platform, client: TestClient
) -> None:
    before = platform.service.create(SYSTEM, _hiv_condition(_patient(platform))).resource.res_id
    platform.security.keys.rotate_field_keys()
    after = platform.service.create(SYSTEM, _hiv_condition(_patient(platform))).resource.res_id
    assert client.get(f"/fhir/Condition/{before}").json()["note"][0]["text"] == NOTE
    found = client.get(f"/fhir/Condition?identifier={CASE_SYSTEM}|{CASE_NUMBER}").json()
    assert {e["resource"]["id"] for e in found["entry"]} == {before, after}


def test_the_field_keys_live_in_the_key_folder_and_never_in_the_database(
    platform: Platform,
) -> None:
    res_id = platform.service.create(SYSTEM, _hiv_condition(_patient(platform))).resource.res_id
    keys = orjson.loads((Path(platform.settings.security_key_dir) / "field-keys.json").read_bytes())
    secrets = [k for version in keys["keys"].values() for k in version.values()]
    dump = b"\n".join(_stored_rows(platform, "Condition", res_id)).decode("utf-8", "replace")
    assert secrets and not any(s in dump or s.upper() in dump for s in secrets)


def test_without_the_field_keys_a_sealed_resource_is_refused_not_misread(
    platform: Platform,
) -> None:
    res_id = platform.service.create(SYSTEM, _hiv_condition(_patient(platform))).resource.res_id
    blind = ResourceRepository(NoSealing())
    with platform.db.read() as conn, pytest.raises(Invalid, match="sealed"):
        blind.current(conn, "Condition", res_id)
    other_keys = KeyFiles(Path(platform.settings.security_key_dir) / "other")
    stranger = ResourceRepository(ResourceSealer(other_keys))
    with platform.db.read() as conn, pytest.raises(UndecryptableField):
        stranger.current(conn, "Condition", res_id)


def test_re_encryption_after_a_rotation_moves_sealed_versions_to_the_new_key(
    platform: Platform, client: TestClient
) -> None:
    res_id = platform.service.create(SYSTEM, _hiv_condition(_patient(platform))).resource.res_id
    platform.security.field_keys.rotate("test")
    done = platform.security.field_keys.re_encrypt("test")
    counts = {c.field: c for c in done.fields}["resource_version.content"]
    assert (counts.examined, counts.resealed, counts.unreadable) == (1, 1, 0)
    sealed = _stored_rows(platform, "Condition", res_id)[0]
    assert platform.security.keys.field_cipher().key_version(sealed) == 2
    assert client.get(f"/fhir/Condition/{res_id}").json()["note"][0]["text"] == NOTE
    again = platform.security.field_keys.re_encrypt("test")
    assert {c.field: c.resealed for c in again.fields}["resource_version.content"] == 0


def test_a_labelled_patient_is_sealed_and_found_by_phone_but_not_by_name(
    platform: Platform, client: TestClient
) -> None:
    phone = "13800138000"
    patient = {
        "resourceType": "Patient", "gender": "female", "name": [{"text": NAME}],
        "telecom": [{"system": "phone", "value": phone}],
        "meta": {"security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                               "code": "HIV"}]},
    }  # fmt: skip
    res_id = platform.service.create(SYSTEM, patient).resource.res_id
    assert _leaks(_stored_rows(platform, "Patient", res_id), [NAME, phone]) == []
    by_phone = client.get(f"/fhir/Patient?phone={phone}").json()
    assert [e["resource"]["id"] for e in by_phone["entry"]] == [res_id]
    assert client.get(f"/fhir/Patient?name={NAME}").json().get("entry", []) == []


def test_relabel_seals_a_sensitive_resource_stored_in_clear_before_sealing(
    platform: Platform, client: TestClient
) -> None:
    service = platform.service
    indexer = service.indexer
    assert isinstance(indexer, LabellingIndexer)
    service.indexer = LabellingIndexer(indexer.inner, indexer.classify, ClearRows())
    condition = _hiv_condition(_patient(platform))
    res_id = service.create(SYSTEM, condition).resource.res_id  # as an older release stored it
    service.update(SYSTEM, "Condition", res_id, condition | {"id": res_id})
    service.indexer = indexer
    assert _leaks(_stored_rows(platform, "Condition", res_id), [NAME]) == [NAME]

    report = relabel(platform.db, platform.classify, sealing=service.repository.sealing,
                     indexer=indexer)  # fmt: skip
    assert report.sealed == 1
    assert _leaks(_stored_rows(platform, "Condition", res_id), [NAME, NOTE, CASE_NUMBER]) == []
    assert client.get(f"/fhir/Condition/{res_id}/_history/1").json()["note"][0]["text"] == NOTE
    found = client.get(f"/fhir/Condition?identifier={CASE_SYSTEM}|{CASE_NUMBER}").json()
    assert [e["resource"]["id"] for e in found["entry"]] == [res_id]
    again = relabel(platform.db, platform.classify, sealing=service.repository.sealing,
                    indexer=indexer)  # fmt: skip
    assert (again.sealed, again.changed) == (0, 0)


@pytest.mark.parametrize(
    "where",
    [
        {"resourceType": "FamilyMemberHistory", "status": "completed",
         "relationship": {"text": "母亲"},
         "condition": [{"code": {"coding": [{"system": ICD10, "code": "B20"}]}}]},
        {"resourceType": "Condition", "code": {"text": DISPLAY}},
    ],
    ids=["a relative's condition", "words only"],
)  # fmt: skip
def test_hiv_data_coded_anywhere_or_named_in_words_is_sealed_too(
    platform: Platform, where: dict[str, Any]
) -> None:
    patient = _patient(platform)
    field = "patient" if where["resourceType"] == "FamilyMemberHistory" else "subject"
    written = {**where, field: {"reference": f"Patient/{patient}", "display": NAME},
               "note": [{"text": NOTE}]}  # fmt: skip
    res_id = platform.service.create(SYSTEM, written).resource.res_id
    assert _leaks(_stored_rows(platform, where["resourceType"], res_id), [NAME, NOTE]) == []
