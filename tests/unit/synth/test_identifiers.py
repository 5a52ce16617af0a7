"""Every identifier in the clean data is valid and unique."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson

from kangtong.core.ids import citizen_id_check, credit_code_check
from kangtong.synth import SynthSummary, noise, systems
from kangtong.synth.model import Person

from .conftest import read_csv

ID_NOISE = set(noise.ID_NOISE)


def ndjson(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_every_resident_has_a_unique_valid_citizen_id_matching_birth_and_sex(
    population: list[Person],
) -> None:
    for person in population:
        result = citizen_id_check(person.citizen_id)
        assert result.valid, result.reason
        assert (result.birth_date, result.sex) == (person.birth_date, person.sex)
    assert len({person.citizen_id for person in population}) == len(population)


def test_health_codes_are_unique(population: list[Person]) -> None:
    assert len({person.health_code for person in population}) == len(population)


def test_source_records_without_id_noise_carry_the_valid_id(
    district: tuple[Path, SynthSummary],
) -> None:
    out, _ = district
    truth = {row["patient_id"]: row for row in read_csv(out / "csv" / "truth.csv")}
    clean = 0
    for row in read_csv(out / "csv" / "source_records.csv"):
        if not ID_NOISE & set(truth[row["patient_id"]]["noise"].split(";")):
            assert citizen_id_check(row["id_number"]).valid
            clean += 1
    assert clean > 500


def test_institutions_have_valid_credit_codes_and_practitioners_valid_ids(
    district: tuple[Path, SynthSummary],
) -> None:
    out, _ = district
    codes = [
        identifier["value"]
        for organisation in ndjson(out / "fhir" / "Organization.ndjson")
        for identifier in organisation.get("identifier", [])
        if identifier["system"] == systems.CREDIT_CODE
    ]
    assert len(codes) == 32 and all(credit_code_check(code).valid for code in codes)
    for practitioner in ndjson(out / "fhir" / "Practitioner.ndjson"):
        ids = [i["value"] for i in practitioner["identifier"] if i["system"] == systems.CITIZEN_ID]
        assert citizen_id_check(ids[0]).valid


def test_medical_record_numbers_are_unique_within_each_institution(
    district: tuple[Path, SynthSummary],
) -> None:
    out, _ = district
    rows = read_csv(out / "csv" / "truth.csv")
    pairs = Counter((row["facility"], row["mrn"]) for row in rows)
    assert max(pairs.values()) == 1
    assert len({row["patient_id"] for row in rows}) == len(rows)
