"""The district's institutions and health workers (机构与人员): the registry side of the data."""

from __future__ import annotations

import datetime as dt
import random

from kangtong.core.ids.gb32100 import PUBLIC_INSTITUTION_PREFIX, make_credit_code
from kangtong.synth.config import SynthConfig
from kangtong.synth.model import Department, District, Facility, Practitioner, Sex
from kangtong.synth.names import draw_given_name, draw_surname
from kangtong.synth.population import AddressBook, CitizenIdRegistry
from kangtong.synth.seeds import IdMinter, derive_seed, rng_for
from kangtong.synth.tables import facilities as tables
from kangtong.synth.tables.facilities import FacilityKind

COMMISSION_KIND = FacilityKind("commission", tables.COMMISSION_TYPE, "", (), 0, 0)


class DistrictBuilder:
    """Builds the registry of institutions; practitioners get IDs from the shared ID registry."""

    def __init__(self, config: SynthConfig, citizen_ids: CitizenIdRegistry) -> None:
        self.config = config
        self.citizen_ids = citizen_ids
        self.rng = rng_for(config.seed, "registry")
        self.ids = IdMinter(derive_seed(config.seed, "registry-ids"))
        self.addresses = AddressBook(config)
        self.numbers = iter(range(1, 10_000))

    def build(self) -> District:
        district = self.config.place.district
        commission = self._facility(
            COMMISSION_KIND, tables.COMMISSION_NAME.format(district=district)
        )
        facilities = [
            self._facility(kind, name.format(district=district)) for kind, name in tables.HOSPITALS
        ]
        for street in self.config.place.streets:
            centre = self._facility(tables.CENTRE, f"{street}社区卫生服务中心", street=street)
            facilities.append(centre)
            for station in range(1, tables.STATIONS_PER_CENTRE + 1):
                name = f"{street}第{'一二三四'[station - 1]}社区卫生服务站"
                facilities.append(self._facility(tables.STATION, name, street, centre.key))
        return District(district, self.config.place.area_code, commission, tuple(facilities))

    def _facility(
        self, kind: FacilityKind, name: str, street: str | None = None, parent: str | None = None
    ) -> Facility:
        number = next(self.numbers)
        key = f"F{number:03d}"
        departments = tuple(
            Department(self.ids.mint(), department) for department in kind.departments
        )
        organisation_body = f"{self.rng.randrange(10**8):08d}"
        return Facility(
            key=key,
            number=number,
            id=self.ids.mint(),
            location_id=self.ids.mint(),
            name=name,
            kind=kind,
            credit_code=make_credit_code(
                PUBLIC_INSTITUTION_PREFIX, self.config.place.area_code, organisation_body
            ),
            address=self.addresses.draw(self.rng),
            phone=f"0851-{self.rng.randrange(10**7, 10**8)}",
            parent=parent,
            street=street,
            departments=departments,
            practitioners=self._staff(key, kind),
        )

    def _staff(self, facility: str, kind: FacilityKind) -> tuple[Practitioner, ...]:
        staff = []
        clinical = [d for d in kind.departments if d not in ("检验科", "放射科")] or ["全科"]
        for number in range(kind.doctors + kind.nurses):
            department = clinical[number % len(clinical)]
            profession = "doctor" if number < kind.doctors else "nurse"
            staff.append(self._practitioner(facility, department, profession))
        return tuple(staff)

    def _practitioner(self, facility: str, department: str, profession: str) -> Practitioner:
        rng = self.rng
        female_share = 0.45 if profession == "doctor" else 0.95
        sex: Sex = "female" if rng.random() < female_share else "male"
        birth = dt.date(rng.randint(1962, 1998), 1, 1) + dt.timedelta(days=rng.randrange(365))
        qualified = birth.year + rng.randint(24, 28)
        return Practitioner(
            id=self.ids.mint(),
            role_id=self.ids.mint(),
            facility=facility,
            department=department,
            profession="doctor" if profession == "doctor" else "nurse",
            family_name=draw_surname(rng),
            given_name=draw_given_name(rng, sex, birth.year, set()),
            sex=sex,
            birth_date=birth,
            citizen_id=self.citizen_ids.issue(
                rng, self.config.place.area_code, birth, sex == "male"
            ),
            licence=licence_number(rng, profession, self.config.place.area_code, qualified),
        )


def licence_number(rng: random.Random, profession: str, area_code: str, year: int) -> str:
    """A licence number of the usual shape (医师执业证书 15 digits, 护士执业证书 12 digits).

    The shapes are plausible, not normative: no public rule lets a checker validate them.
    """
    if profession == "doctor":
        return f"1{rng.choice('1234')}{area_code}{year % 100:02d}{rng.randrange(10**5):05d}"
    return f"{year}{area_code[:2]}{rng.randrange(10**6):06d}"
