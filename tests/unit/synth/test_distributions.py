"""The population and its care look like a Chinese district, within stated tolerances.

Targets: census shares (about 18% under 15 and 14% aged 65+ in 2020), the surname ranking,
hypertension in about half of people aged 65-74, a crude death rate of about 7 per 1000.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from kangtong.synth.care import CareSetting, simulate_care
from kangtong.synth.facilities import DistrictBuilder
from kangtong.synth.model import Person, PersonCare
from kangtong.synth.names import SURNAME_POOL
from kangtong.synth.population import CitizenIdRegistry
from kangtong.synth.tables.clinical import MEDICINES

from .conftest import LARGE_POPULATION

AS_OF = LARGE_POPULATION.as_of


def share(people: list[Person], test: Callable[[Person], bool]) -> float:
    return sum(1 for person in people if test(person)) / len(people)


def ages(people: list[Person], low: int, high: int) -> list[Person]:
    return [p for p in people if low <= p.age_on(AS_OF) < high]


def test_sexes_are_balanced(population: list[Person]) -> None:
    assert share(population, lambda p: p.sex == "male") == pytest.approx(0.5, abs=0.03)


@pytest.mark.parametrize("surname", ["王", "李", "张", "刘", "陈"])
def test_common_surnames_appear_at_their_national_frequency(
    population: list[Person], surname: str
) -> None:
    observed = share(population, lambda p: p.family_name == surname)
    assert observed == pytest.approx(SURNAME_POOL.share(surname), abs=0.012)


def test_age_structure_is_close_to_the_census(population: list[Person]) -> None:
    assert 0.13 <= len(ages(population, 0, 15)) / len(population) <= 0.22
    assert 0.11 <= len(ages(population, 65, 200)) / len(population) <= 0.22


def test_chronic_disease_prevalence_follows_age(population: list[Person]) -> None:
    elderly = ages(population, 65, 75)
    assert share(elderly, lambda p: "hypertension" in p.chronic) == pytest.approx(0.52, abs=0.04)
    middle = ages(population, 45, 55)
    assert share(middle, lambda p: "diabetes" in p.chronic) == pytest.approx(0.12, abs=0.03)
    assert share(ages(population, 0, 18), lambda p: bool(p.chronic)) == 0


def test_crude_death_rate_is_a_few_per_thousand_a_year(population: list[Person]) -> None:
    yearly = share(population, lambda p: p.death_date is not None) / LARGE_POPULATION.years
    assert 0.004 <= yearly <= 0.012


def test_households_share_an_address_and_include_twins(population: list[Person]) -> None:
    households = Counter(person.household for person in population)
    assert 2.4 <= len(population) / len(households) <= 3.3
    by_household: dict[int, set[str]] = {}
    for person in population:
        by_household.setdefault(person.household, set()).add(person.address.text)
    assert all(len(addresses) == 1 for addresses in by_household.values())
    assert any(person.twin is not None for person in population)


def test_han_are_the_large_majority(population: list[Person]) -> None:
    assert share(population, lambda p: p.ethnicity == "01") == pytest.approx(0.80, abs=0.03)


@pytest.fixture(scope="module")
def cared(population: list[Person]) -> list[PersonCare]:
    district = DistrictBuilder(LARGE_POPULATION, CitizenIdRegistry()).build()
    setting = CareSetting.of(district)
    return [simulate_care(person, setting, LARGE_POPULATION) for person in population[:3000]]


def test_hypertension_patients_are_followed_up_about_quarterly(cared: list[PersonCare]) -> None:
    followed = [
        c for c in cared if "hypertension" in c.person.chronic and c.person.death_date is None
    ]
    visits = [sum(1 for v in c.visits if v.kind == "follow_up") for c in followed]
    assert 3.0 <= sum(visits) / len(visits) / LARGE_POPULATION.years <= 5.5


def test_antibiotics_are_common_but_not_universal_for_respiratory_visits(
    cared: list[PersonCare],
) -> None:
    prescriptions = [
        p
        for c in cared
        for p in c.prescriptions
        if p.visit.kind == "outpatient" and p.reason is not None and p.reason.code == "J06.9"
    ]
    visits = {p.visit.id for p in prescriptions}
    with_antibiotic = {p.visit.id for p in prescriptions if MEDICINES[p.medicine].antibiotic}
    assert 0.2 <= len(with_antibiotic) / len(visits) <= 0.6


def test_notifiable_diseases_occur_at_plausible_rates(cared: list[PersonCare]) -> None:
    notified = [f for c in cared for f in c.findings if f.notifiable_class]
    per_100k_year = len(notified) / 3000 / LARGE_POPULATION.years * 100_000
    assert 500 <= per_100k_year <= 2500  # influenza dominates; all classes together
    assert {f.notifiable_class for f in notified} <= {"乙", "丙"}


def test_children_are_immunised_by_the_national_schedule(cared: list[PersonCare]) -> None:
    toddlers = [c for c in cared if 3 <= c.person.age_on(AS_OF) < 5 and c.person.death_date is None]
    doses = [len(c.vaccinations) for c in toddlers]
    # 19 doses are due by 36 months (20 by 48 months), 97% of them given
    assert toddlers and 17.5 <= sum(doses) / len(doses) <= 20
    birth_doses = [
        (c.person, v) for c in toddlers for v in c.vaccinations if v.dose.age_months == 0
    ]
    assert all(v.visit.start.date() == person.birth_date for person, v in birth_doses)
