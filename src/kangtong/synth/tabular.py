"""CSV for identity-matching evaluation: source records as registered, the truth, the residents."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from kangtong.synth.model import Facility, Person, SourceRecord
from kangtong.synth.population import person_id_for

SOURCE_COLUMNS = (
    "facility",
    "facility_name",
    "mrn",
    "patient_id",
    "name",
    "family_name",
    "given_name",
    "sex",
    "birth_date",
    "id_number",
    "phone",
    "province",
    "city",
    "district",
    "street",
    "road",
    "building",
    "unit",
    "room",
)
TRUTH_COLUMNS = ("facility", "mrn", "patient_id", "person_id", "noise")
RESIDENT_COLUMNS = (
    "person_id",
    "household",
    "household_role",
    "family_name",
    "given_name",
    "sex",
    "birth_date",
    "citizen_id",
    "health_code",
    "phone",
    "address",
    "ethnicity",
    "marital_status",
    "death_date",
    "mother_id",
    "father_id",
    "twin_id",
    "chronic",
)
FILES = {
    "source_records.csv": SOURCE_COLUMNS,
    "truth.csv": TRUTH_COLUMNS,
    "residents.csv": RESIDENT_COLUMNS,
}


def header(columns: tuple[str, ...]) -> str:
    return ",".join(columns) + "\r\n"


def _rows(rows: Iterable[Iterable[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(rows)
    return buffer.getvalue()


def source_rows(records: list[SourceRecord], facilities: dict[str, Facility]) -> str:
    return _rows(
        (
            r.facility,
            facilities[r.facility].name,
            r.mrn,
            r.patient_id,
            r.name_as_typed,
            r.family_name,
            r.given_name,
            r.sex,
            r.birth_date.isoformat(),
            r.id_number or "",
            r.phone,
            r.address.province,
            r.address.city,
            r.address.district,
            r.address.street,
            r.address.road,
            r.address.building,
            r.address.unit,
            r.address.room,
        )
        for r in records
    )


def truth_rows(records: list[SourceRecord]) -> str:
    return _rows(
        (r.facility, r.mrn, r.patient_id, r.person.person_id, ";".join(r.noise)) for r in records
    )


def resident_rows(people: list[Person], seed: int) -> str:
    def link(index: int | None) -> str:
        return "" if index is None else person_id_for(seed, index)

    return _rows(
        (
            p.person_id,
            p.household,
            p.household_role,
            p.family_name,
            p.given_name,
            p.sex,
            p.birth_date.isoformat(),
            p.citizen_id,
            p.health_code,
            p.phone,
            p.address.text,
            p.ethnicity,
            p.marital_status,
            p.death_date.isoformat() if p.death_date else "",
            link(p.mother),
            link(p.father),
            link(p.twin),
            ";".join(p.chronic),
        )
        for p in people
    )
