"""Registration noise: the configured rates are the rates observed, and every error is real."""

from __future__ import annotations

import dataclasses
import math

import pytest

from kangtong.core.ids.gb11643 import citizen_id_check, upgrade_legacy_15
from kangtong.synth.config import NoiseRates
from kangtong.synth.facilities import DistrictBuilder
from kangtong.synth.model import Facility, Person, SourceRecord
from kangtong.synth.noise import (
    ADDRESS_NOISE,
    BIRTH_NOISE,
    FAMILIES,
    NAME_NOISE,
    PHONE_NOISE,
    eligible_noise,
    register,
)
from kangtong.synth.population import CitizenIdRegistry

from .conftest import LARGE_POPULATION

AS_OF = LARGE_POPULATION.as_of
# Higher than the defaults so that rare kinds are measured precisely enough.
RATES = NoiseRates(
    name_typo=0.05,
    name_homophone=0.06,
    name_traditional=0.04,
    name_pinyin=0.03,
    name_shorter=0.04,
    name_longer=0.03,
    name_spaced=0.03,
    legacy_15_digit_id=0.05,
    missing_id_child=0.4,
    missing_id_adult=0.05,
    id_typo=0.03,
    id_transposition=0.03,
    swapped_day_month=0.04,
    birth_day_off=0.04,
    birth_unknown_day=0.03,
    phone_changed=0.1,
    phone_typo=0.04,
    phone_transposition=0.03,
    address_changed=0.08,
    address_moved=0.05,
    address_partial=0.06,
)


@pytest.fixture(scope="module")
def facilities() -> tuple[Facility, ...]:
    return DistrictBuilder(LARGE_POPULATION, CitizenIdRegistry()).build().facilities[:2]


@pytest.fixture(scope="module")
def records(population: list[Person], facilities: tuple[Facility, ...]) -> list[SourceRecord]:
    return [register(p, f, RATES, AS_OF) for p in population for f in facilities]


@pytest.mark.parametrize("kind", [field.name for field in dataclasses.fields(NoiseRates)])
def test_observed_rate_of_each_error_is_the_configured_rate(
    records: list[SourceRecord], kind: str
) -> None:
    eligible = [r for r in records if kind in eligible_noise(r.person, AS_OF)]
    observed = sum(1 for r in eligible if kind in r.noise) / len(eligible)
    expected = getattr(RATES, kind)
    tolerance = 4 * math.sqrt(expected * (1 - expected) / len(eligible))
    assert observed == pytest.approx(expected, abs=tolerance)


def test_every_recorded_error_changed_what_it_says(records: list[SourceRecord]) -> None:
    for record in records:
        person, noise = record.person, set(record.noise)
        assert len(noise) == len(record.noise)
        for family in FAMILIES:
            assert len(noise & set(family)) <= 1  # kinds of one family exclude each other
        _assert_name_matches_noise(record, noise)
        assert record.name_is_pinyin == ("name_pinyin" in noise)
        assert (record.phone != person.phone) == bool(noise & set(PHONE_NOISE))
        assert (record.address != person.address) == bool(noise & set(ADDRESS_NOISE))
        assert (record.birth_date != person.birth_date) == bool(noise & set(BIRTH_NOISE))
        _assert_id_matches_noise(record, noise)
        _assert_birth_matches_noise(record, noise)
        _assert_phone_matches_noise(record, noise)


def _assert_name_matches_noise(record: SourceRecord, noise: set[str]) -> None:
    person = record.person
    changed = (record.family_name, record.given_name) != (person.family_name, person.given_name)
    assert changed == bool(noise & (set(NAME_NOISE) - {"name_spaced"}))
    if "name_spaced" in noise:
        typed = record.name_as_typed
        assert typed != person.name and "".join(typed.split()) == person.name
    if "name_shorter" in noise:
        given = person.given_name
        assert record.given_name in (given[1:], given[:-1])
    if "name_longer" in noise:
        assert len(record.given_name) == len(person.given_name) + 1
        assert person.given_name in record.given_name


def _assert_birth_matches_noise(record: SourceRecord, noise: set[str]) -> None:
    born, typed = record.person.birth_date, record.birth_date
    if "birth_day_off" in noise:
        assert abs((typed - born).days) == 1
    if "birth_unknown_day" in noise:
        assert (typed.year, typed.month, typed.day) == (born.year, 1, 1)
    if "swapped_day_month" in noise:
        assert (typed.month, typed.day) == (born.day, born.month)


def _assert_phone_matches_noise(record: SourceRecord, noise: set[str]) -> None:
    true, typed = record.person.phone, record.phone
    differing = [i for i in range(len(true)) if true[i] != typed[i]]
    if "phone_typo" in noise:
        assert len(differing) == 1 and differing[0] >= 3
    if "phone_transposition" in noise:
        i, j = differing
        assert j == i + 1 and (true[i], true[j]) == (typed[j], typed[i])


def _assert_id_matches_noise(record: SourceRecord, noise: set[str]) -> None:
    true_id = record.person.citizen_id
    if noise & {"missing_id_child", "missing_id_adult"}:
        assert record.id_number is None
    elif "legacy_15_digit_id" in noise:
        assert record.id_number is not None and len(record.id_number) == 15
        assert upgrade_legacy_15(record.id_number) == true_id
    elif noise & {"id_typo", "id_transposition"}:
        assert record.id_number is not None and not citizen_id_check(record.id_number).valid
        assert sorted(record.id_number) == sorted(true_id) or "id_typo" in noise
    else:
        assert record.id_number == true_id


def test_pinyin_names_are_latin_letters(records: list[SourceRecord]) -> None:
    pinyin = [r for r in records if r.name_is_pinyin]
    assert pinyin and all((r.family_name + r.given_name).isascii() for r in pinyin)
    assert all(r.name_as_typed.isascii() for r in pinyin)
    styles = {r.name_as_typed.split()[0].isupper() for r in pinyin if " " in r.name_as_typed}
    assert styles == {True, False}  # passport capitals and plain spellings both occur


def test_without_noise_every_record_is_the_truth(
    population: list[Person], facilities: tuple[Facility, ...]
) -> None:
    clean = [register(p, facilities[0], NoiseRates.none(), AS_OF) for p in population[:2000]]
    assert all(r.noise == () and r.id_number == r.person.citizen_id for r in clean)


def test_the_same_person_gets_different_numbers_and_errors_at_each_institution(
    population: list[Person], facilities: tuple[Facility, ...]
) -> None:
    person = population[0]
    first, second = (register(person, f, RATES, AS_OF) for f in facilities)
    assert first.mrn != second.mrn and first.patient_id != second.patient_id
    assert register(person, facilities[0], RATES, AS_OF) == first
