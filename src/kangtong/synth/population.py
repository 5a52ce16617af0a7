"""The residents of the district (常住人口): households of people with names, IDs and addresses.

Generated sequentially in one process (it is cheap) so that citizen ID numbers can be made unique
across the whole district; the expensive part, care and output, runs per person in parallel.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from faker import Faker

from kangtong.core.ids.gb11643 import make_citizen_id
from kangtong.synth.config import SynthConfig
from kangtong.synth.households import Member, draw_household
from kangtong.synth.model import Address, Person
from kangtong.synth.names import draw_given_name, draw_surname
from kangtong.synth.pick import WeightedPool
from kangtong.synth.seeds import IdMinter, derive_seed, rng_for
from kangtong.synth.tables import demography
from kangtong.synth.tables.diseases import CHRONIC_DISEASES, prevalence_at

BIRTH_AREAS = WeightedPool(*zip(*demography.BIRTH_AREA_CODES, strict=True))
ETHNICITIES = WeightedPool(
    [code for code, _, _ in demography.ETHNICITIES], [w for _, _, w in demography.ETHNICITIES]
)
OWN_PHONE_SHARE = 0.92
# Multiplies the yearly chance of dying for someone with two or more chronic diseases.
MULTIMORBIDITY_MORTALITY = 1.8


class AddressBook:
    """Pools of street-level address parts, drawn once per run (Faker zh_CN road names)."""

    def __init__(self, config: SynthConfig) -> None:
        faker = Faker("zh_CN")
        faker.seed_instance(derive_seed(config.seed, "faker"))
        roads = {faker.street_name() for _ in range(400)}
        self.roads = sorted(road for road in roads if len(road) >= 3)[:120]
        self.place = config.place

    def draw(self, rng: random.Random) -> Address:
        place = self.place
        floor = rng.randint(1, 18)
        return Address(
            province=place.province,
            city=place.city,
            district=place.district,
            street=rng.choice(place.streets),
            road=f"{rng.choice(self.roads)}{rng.randint(1, 300)}号"
            f"{rng.choice(demography.RESIDENTIAL_COMPLEX_NAMES)}",
            building=f"{rng.randint(1, 30)}栋",
            unit=f"{rng.randint(1, 4)}单元",
            room=f"{floor}{rng.randint(1, 4):02d}室",
            postal_code=place.postal_code,
        )


def person_id_for(seed: int, index: int) -> str:
    """The stable id of the resident with this index (the master-person truth key)."""
    return IdMinter(derive_seed(seed, "person-id", index)).mint()


def draw_phone(rng: random.Random) -> str:
    return rng.choice(demography.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


class CitizenIdRegistry:
    """Hands out citizen ID numbers, keeping area + birth date + sequence unique (GB 11643)."""

    def __init__(self) -> None:
        self._issued: set[str] = set()

    def issue(self, rng: random.Random, area: str, birth: dt.date, male: bool) -> str:
        sequence = rng.randrange(500) * 2 + (1 if male else 0)
        while (key := f"{area}{birth:%Y%m%d}{sequence:03d}") in self._issued:
            sequence = (sequence + 2) % 1000
        self._issued.add(key)
        return make_citizen_id(area, birth, sequence)


def health_code(area_code: str, index: int) -> str:
    """The resident's regional health code: area + a permuted serial, unique per index."""
    return f"{area_code}{(index * 7_368_787 + 1_234_567) % 10**10:010d}"


def chronic_diseases(rng: random.Random, age: int) -> tuple[str, ...]:
    return tuple(d.key for d in CHRONIC_DISEASES if rng.random() < prevalence_at(d, age))


def death_date(
    rng: random.Random, config: SynthConfig, birth: dt.date, chronic: int
) -> dt.date | None:
    """Whether and when the person dies within the care window."""
    factor = MULTIMORBIDITY_MORTALITY if chronic >= 2 else 1.0
    start = max(config.window_start, birth)
    for year_start in range(start.toordinal(), config.as_of.toordinal() + 1, 365):
        day = dt.date.fromordinal(year_start)
        age = (day - birth).days // 365
        if rng.random() < demography.annual_mortality(age) * factor:
            last = min(config.as_of.toordinal(), year_start + 364)
            return dt.date.fromordinal(rng.randint(year_start, last))
    return None


def marital_status(member: Member, age: int) -> str:
    if member.married:
        return "20"
    if age < 22:
        return "10"
    if member.role == "householder" and age >= 65:
        return "30"
    return "40" if member.role == "householder" and age >= 40 else "10"


class PopulationBuilder:
    """Builds people household by household; deterministic for a seed."""

    def __init__(self, config: SynthConfig, citizen_ids: CitizenIdRegistry) -> None:
        self.config = config
        self.addresses = AddressBook(config)
        self.citizen_ids = citizen_ids

    def people(self) -> Iterator[Person]:
        index, household = 0, 0
        while index < self.config.people:
            members = draw_household(
                rng_for(self.config.seed, "household", household), self.config.as_of
            )
            members = members[: self.config.people - index]
            yield from self._household(household, members, index)
            index += len(members)
            household += 1

    def _household(self, number: int, members: list[Member], first: int) -> Iterator[Person]:
        rng = rng_for(self.config.seed, "household-people", number)
        address, home_phone = self.addresses.draw(rng), draw_phone(rng)
        surnames = self._surnames(rng, members)
        ethnicity = ETHNICITIES.pick(rng)
        given_names: set[str] = set()
        for position, member in enumerate(members):
            given = draw_given_name(rng, member.sex, member.birth_date.year, given_names)
            given_names.add(given)
            deliveries = sorted({m.birth_date for m in members if m.mother == position})
            yield self._person(
                first + position,
                number,
                member,
                surnames[position],
                given,
                address,
                home_phone,
                ethnicity,
                first,
                tuple(deliveries),
            )

    def _surnames(self, rng: random.Random, members: list[Member]) -> list[str]:
        householder, spouse = draw_surname(rng), draw_surname(rng)
        children = householder if rng.random() < 0.92 else spouse
        by_role = {"householder": householder, "spouse": spouse, "child": children}
        if members[0].sex == "female" and members[0].role == "householder" and len(members) > 1:
            by_role["child"] = draw_surname(rng) if rng.random() < 0.9 else householder
        return [by_role.get(member.role, householder) for member in members]

    def _person(
        self,
        index: int,
        household: int,
        member: Member,
        surname: str,
        given: str,
        address: Address,
        home_phone: str,
        ethnicity: str,
        first: int,
        deliveries: tuple[dt.date, ...],
    ) -> Person:
        rng = rng_for(self.config.seed, "person-demography", index)
        age = (self.config.as_of - member.birth_date).days // 365
        born_here = member.role == "child" or rng.random() < 0.55
        area = self.config.place.area_code if born_here else BIRTH_AREAS.pick(rng)
        chronic = chronic_diseases(rng, age)
        own_phone = 16 <= age <= 75 and rng.random() < OWN_PHONE_SHARE
        return Person(
            index=index,
            person_id=IdMinter(derive_seed(self.config.seed, "person-id", index)).mint(),
            household=household,
            household_role=member.role,
            family_name=surname,
            given_name=given,
            sex=member.sex,
            birth_date=member.birth_date,
            citizen_id=self.citizen_ids.issue(rng, area, member.birth_date, member.sex == "male"),
            phone=draw_phone(rng) if own_phone else home_phone,
            address=address,
            ethnicity=ethnicity if rng.random() < 0.9 else ETHNICITIES.pick(rng),
            marital_status=marital_status(member, age),
            health_code=health_code(self.config.place.area_code, index),
            chronic=chronic,
            death_date=death_date(rng, self.config, member.birth_date, len(chronic)),
            mother=None if member.mother is None else first + member.mother,
            father=None if member.father is None else first + member.father,
            twin=None if member.twin is None else first + member.twin,
            deliveries=deliveries,
            seed=derive_seed(self.config.seed, "person", index),
        )
