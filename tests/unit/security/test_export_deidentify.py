"""De-identification of single resources and small-cell suppression (no database)."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kangtong.security.export.deidentify import Deidentifier, generalise_date
from kangtong.security.export.pseudonyms import Pseudonymiser
from kangtong.security.export.suppression import (
    ExportRecord,
    quasi_identifiers,
    suppress_small_cells,
)

KEY = bytes(range(32))
CITIZEN_ID = "urn:oid:2.16.156.10011.1.3"
DISTRICT = "https://kangtong.example/fhir/StructureDefinition/gb2260-district"


def patient() -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": "p-001",
        "meta": {"versionId": "3", "lastUpdated": "2026-03-01T08:00:00+08:00"},
        "text": {"status": "generated", "div": "<div>王伟 11010119900307001X</div>"},
        "identifier": [{"system": CITIZEN_ID, "value": "11010119900307001X"}],
        "name": [{"use": "official", "family": "王", "given": ["伟"], "text": "王伟"}],
        "telecom": [{"system": "phone", "value": "13800138000"}],
        "gender": "male",
        "birthDate": "1987-03-07",
        "address": [
            {
                "text": "贵州省贵阳市云岩区中华北路1号",
                "line": ["中华北路1号"],
                "state": "贵州省",
                "city": "贵阳市",
                "district": "云岩区",
                "postalCode": "550001",
                "extension": [{"url": DISTRICT, "valueCode": "520103"}],
            }
        ],
        "contact": [{"name": {"text": "李娜"}, "telecom": [{"value": "13900000000"}]}],
        "managingOrganization": {"reference": "Organization/org-1", "display": "云岩区人民医院"},
    }


def deidentifier(scope: str = "export-1", birth: Any = "year") -> Deidentifier:
    return Deidentifier(Pseudonymiser(KEY, scope), birth)


def test_a_patient_keeps_no_name_phone_id_number_street_or_narrative() -> None:
    out = deidentifier().resource(patient())
    text = str(out)
    for secret in ("王", "伟", "13800138000", "11010119900307001X", "中华北路", "550001", "李娜",
                   "<div>"):  # fmt: skip
        assert secret not in text
    assert out["address"] == [
        {"state": "贵州省", "city": "贵阳市", "district": "云岩区",
         "extension": [{"url": DISTRICT, "valueCode": "520103"}]}
    ]  # fmt: skip
    assert out["birthDate"] == "1987"
    assert "meta" not in out and out["gender"] == "male"
    assert out["identifier"][0]["system"] == CITIZEN_ID
    assert re.fullmatch(r"[0-9a-f]{32}", out["identifier"][0]["value"])


def test_references_to_people_are_pseudonymised_consistently_institutions_are_kept() -> None:
    deid = deidentifier()
    person = deid.resource(patient())
    observation = deid.resource({
        "resourceType": "Observation", "id": "o-1", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}], "text": "血糖"},
        "subject": {"reference": "Patient/p-001", "display": "王伟"},
        "performer": [{"reference": "Organization/org-1"}],
        "effectiveDateTime": "2026-03-01T08:30:00+08:00",
        "note": [{"text": "患者王伟自述头晕"}],
    })  # fmt: skip
    assert observation["subject"] == {"reference": f"Patient/{person['id']}"}
    assert person["id"] != "p-001"
    assert observation["performer"] == [{"reference": "Organization/org-1"}]
    assert observation["effectiveDateTime"] == "2026-03"
    assert observation["code"]["text"] == "血糖" and "note" not in observation


def test_two_exports_give_the_same_person_different_pseudonyms() -> None:
    first = deidentifier("export-1").resource(patient())
    second = deidentifier("export-2").resource(patient())
    assert first["id"] != second["id"]
    assert first["identifier"] != second["identifier"]


def test_five_year_bands_start_on_a_multiple_of_five_and_say_the_range() -> None:
    out = deidentifier(birth="band5").resource(patient())
    assert out["birthDate"] == "1985"
    assert out["_birthDate"]["extension"][0]["valueString"] == "1985-1989"


@given(st.dates(), st.times())
def test_any_date_or_datetime_generalises_to_its_month(day: Any, time: Any) -> None:
    assert generalise_date(day.isoformat()) == day.isoformat()[:7]
    stamp = f"{day.isoformat()}T{time.isoformat()}+08:00"
    assert generalise_date(stamp) == day.isoformat()[:7]


@given(st.text())
def test_generalising_never_fails_and_leaves_non_dates_alone(value: str) -> None:
    result = generalise_date(value)
    assert result == value or re.fullmatch(r"\d{4}(-\d{2})?", result)


def _records(classes: dict[str, int]) -> tuple[list[ExportRecord], dict[str, Any]]:
    records, people = [], {}
    for district, size in classes.items():
        for n in range(size):
            person = f"{district}-{n}"
            people[person] = ("female", "1980", district)
            records += [ExportRecord({"id": person}, person), ExportRecord({"o": n}, person)]
    return records, people


def test_people_in_classes_smaller_than_k_are_withheld_with_all_their_records() -> None:
    records, people = _records({"520103": 5, "520102": 4})
    result = suppress_small_cells(records, people, 5)
    assert result.withheld_people == 4 and result.withheld_records == 8
    assert {r.person for r in result.kept} == {f"520103-{n}" for n in range(5)}


def test_records_about_nobody_are_never_withheld() -> None:
    records, people = _records({"520102": 1})
    records.append(ExportRecord({"resourceType": "Organization"}, None))
    kept = suppress_small_cells(records, people, 5).kept
    assert kept == [records[-1]]


def test_quasi_identifiers_read_the_district_code_of_a_deidentified_patient() -> None:
    deid = deidentifier()
    out = deid.resource(patient())
    assert quasi_identifiers(out, deid.birth_band("1987-03-07")) == ("male", "1987", "520103")
