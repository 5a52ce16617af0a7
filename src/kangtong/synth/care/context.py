"""What every care generator needs for one person: their randomness, places and clinicians."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from kangtong.synth.config import SynthConfig
from kangtong.synth.model import (
    District,
    Facility,
    Finding,
    Person,
    PersonCare,
    Practitioner,
    Visit,
    VisitKind,
)
from kangtong.synth.seeds import IdMinter
from kangtong.synth.tables.diseases import NOTIFIABLE_CLASS, Diagnosis


@dataclass(frozen=True)
class CareSetting:
    """The district's facilities grouped the way care pathways use them (built once per run)."""

    district: District
    facilities: dict[str, Facility]
    tertiary: tuple[Facility, ...]
    secondary: tuple[Facility, ...]
    maternal_child: Facility
    cdc: Facility
    centre_of_street: dict[str, Facility]
    stations_of_centre: dict[str, tuple[Facility, ...]]
    doctors: dict[tuple[str, str | None], tuple[Practitioner, ...]]
    nurses: dict[str, tuple[Practitioner, ...]]

    @classmethod
    def of(cls, district: District) -> CareSetting:
        centres = district.of_kind("centre")
        stations = district.of_kind("station")
        return cls(
            district=district,
            facilities=district.by_key(),
            tertiary=district.of_kind("tertiary"),
            secondary=district.of_kind("secondary"),
            maternal_child=district.of_kind("maternal_child")[0],
            cdc=district.of_kind("cdc")[0],
            centre_of_street={str(centre.street): centre for centre in centres},
            stations_of_centre={
                centre.key: tuple(s for s in stations if s.parent == centre.key)
                for centre in centres
            },
            doctors=_doctors_by_department(district),
            nurses=_nurses(district),
        )


def _doctors_by_department(
    district: District,
) -> dict[tuple[str, str | None], tuple[Practitioner, ...]]:
    doctors: dict[tuple[str, str | None], tuple[Practitioner, ...]] = {}
    for facility in district.facilities:
        staff = [p for p in facility.practitioners if p.profession == "doctor"]
        doctors[(facility.key, None)] = tuple(staff or facility.practitioners)
        for department in facility.kind.departments:
            matching = tuple(p for p in staff if p.department == department)
            doctors[(facility.key, department)] = matching or doctors[(facility.key, None)]
    return doctors


def _nurses(district: District) -> dict[str, tuple[Practitioner, ...]]:
    return {
        facility.key: tuple(p for p in facility.practitioners if p.profession == "nurse")
        or facility.practitioners
        for facility in district.facilities
    }


class CareContext:
    """One person's care being written: their generator, id minter, usual institutions."""

    def __init__(self, person: Person, setting: CareSetting, config: SynthConfig) -> None:
        self.person = person
        self.setting = setting
        self.config = config
        self.rng = random.Random(person.seed)
        self.ids = IdMinter(person.seed ^ 0x5EED)
        self.care = PersonCare(person)
        self.centre = setting.centre_of_street[person.address.street]
        self.station = self.rng.choice(setting.stations_of_centre[self.centre.key])
        self.tertiary = self.rng.choice(setting.tertiary)
        self.secondary = self.rng.choice(setting.secondary)
        last = person.death_date or config.as_of
        self.first_day = max(config.window_start, person.birth_date)
        self.last_day = last

    @property
    def alive_days(self) -> int:
        return max(0, (self.last_day - self.first_day).days + 1)

    def random_day(self, first: dt.date | None = None, last: dt.date | None = None) -> dt.date:
        low = max(first or self.first_day, self.first_day).toordinal()
        high = min(last or self.last_day, self.last_day).toordinal()
        return dt.date.fromordinal(self.rng.randint(low, max(low, high)))

    def office_time(self, day: dt.date) -> dt.datetime:
        minute = self.rng.randrange(8 * 60, 17 * 60)
        return dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60)

    def age_on(self, day: dt.date) -> int:
        return self.person.age_on(day)

    def clinician(self, facility: Facility, department: str | None = None) -> Practitioner:
        staff = self.setting.doctors.get((facility.key, department))
        return self.rng.choice(staff or self.setting.doctors[(facility.key, None)])

    def nurse(self, facility: Facility) -> Practitioner:
        return self.rng.choice(self.setting.nurses[facility.key])

    def visit(
        self,
        facility: Facility,
        kind: VisitKind,
        department: str,
        start: dt.datetime,
        minutes: int = 20,
        practitioner: Practitioner | None = None,
        died: bool = False,
    ) -> Visit:
        visit = Visit(
            id=self.ids.mint(),
            facility=facility.key,
            department=department,
            practitioner=practitioner or self.clinician(facility, department),
            kind=kind,
            start=start,
            end=start + dt.timedelta(minutes=minutes),
            died=died,
        )
        self.care.visits.append(visit)
        return visit

    def diagnose(self, visit: Visit, diagnosis: Diagnosis, resolved: bool = True) -> Finding:
        finding = Finding(
            id=self.ids.mint(),
            facility=visit.facility,
            visit=visit,
            diagnosis=diagnosis,
            problem_list=False,
            onset=visit.start.date(),
            recorded=visit.start,
            resolved=resolved,
            notifiable_class=NOTIFIABLE_CLASS.get(diagnosis.code, ""),
        )
        self.care.findings.append(finding)
        return finding
