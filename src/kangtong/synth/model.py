"""The synthetic district as typed values: people, institutions, and the care between them.

These are the ground truth. Output writers (FHIR, HL7 v2, CSV) only translate them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from kangtong.synth.tables.clinical import ImagingStudy, LabPanel, LabTest
from kangtong.synth.tables.diseases import Diagnosis
from kangtong.synth.tables.facilities import FacilityKind
from kangtong.synth.tables.vaccines import ScheduledDose

Sex = Literal["male", "female"]
VisitKind = Literal["outpatient", "emergency", "inpatient", "follow_up", "antenatal", "vaccination"]


@dataclass(frozen=True, slots=True)
class Address:
    province: str
    city: str
    district: str
    street: str  # 街道
    road: str  # road, number and residential complex
    building: str  # 栋
    unit: str  # 单元
    room: str  # 室
    postal_code: str

    @property
    def text(self) -> str:
        return (
            f"{self.province}{self.city}{self.district}{self.street}{self.road}"
            f"{self.building}{self.unit}{self.room}"
        )


@dataclass(frozen=True, slots=True)
class Person:
    """A resident: the golden record that every source registration derives from."""

    index: int
    person_id: str
    household: int
    household_role: str
    family_name: str
    given_name: str
    sex: Sex
    birth_date: dt.date
    citizen_id: str
    phone: str
    address: Address
    ethnicity: str  # GB/T 3304 code
    marital_status: str  # GB/T 2261.2 code
    health_code: str
    chronic: tuple[str, ...]
    death_date: dt.date | None
    mother: int | None
    father: int | None
    twin: int | None
    deliveries: tuple[dt.date, ...]  # birth dates of the children she bore (mothers only)
    seed: int

    @property
    def name(self) -> str:
        return self.family_name + self.given_name

    def age_on(self, day: dt.date) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


@dataclass(frozen=True, slots=True)
class Practitioner:
    id: str
    role_id: str
    facility: str
    department: str
    profession: Literal["doctor", "nurse"]
    family_name: str
    given_name: str
    sex: Sex
    birth_date: dt.date
    citizen_id: str
    licence: str


@dataclass(frozen=True, slots=True)
class Department:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Facility:
    key: str
    number: int  # the institution's number in the district registry (its MRN system arc)
    id: str
    location_id: str
    name: str
    kind: FacilityKind
    credit_code: str
    address: Address
    phone: str
    parent: str | None  # a station's centre
    street: str | None  # the street a community centre or station serves
    departments: tuple[Department, ...]
    practitioners: tuple[Practitioner, ...]


@dataclass(frozen=True, slots=True)
class District:
    place_name: str
    area_code: str
    commission: Facility
    facilities: tuple[Facility, ...]

    def by_key(self) -> dict[str, Facility]:
        return {facility.key: facility for facility in (self.commission, *self.facilities)}

    def of_kind(self, kind: str) -> tuple[Facility, ...]:
        return tuple(facility for facility in self.facilities if facility.kind.key == kind)


@dataclass(frozen=True, slots=True)
class Visit:
    id: str
    facility: str
    department: str
    practitioner: Practitioner
    kind: VisitKind
    start: dt.datetime
    end: dt.datetime
    died: bool = False


@dataclass(frozen=True, slots=True)
class Finding:
    """A diagnosis recorded at an institution (a Condition)."""

    id: str
    facility: str
    visit: Visit | None
    diagnosis: Diagnosis
    problem_list: bool
    onset: dt.date
    recorded: dt.datetime
    resolved: bool
    notifiable_class: str = ""


@dataclass(frozen=True, slots=True)
class LabResult:
    id: str
    test: LabTest
    value: float


@dataclass(frozen=True, slots=True)
class LabReport:
    id: str
    visit: Visit
    panel: LabPanel
    results: tuple[LabResult, ...]
    issued: dt.datetime


@dataclass(frozen=True, slots=True)
class ImagingReport:
    id: str
    visit: Visit
    study: ImagingStudy
    abnormal: bool
    issued: dt.datetime


@dataclass(frozen=True, slots=True)
class BloodPressure:
    id: str
    visit: Visit
    systolic: int
    diastolic: int


@dataclass(frozen=True, slots=True)
class Prescription:
    id: str
    visit: Visit
    medicine: str  # key of tables.clinical.MEDICINES
    reason: Diagnosis | None


@dataclass(frozen=True, slots=True)
class Vaccination:
    id: str
    visit: Visit
    dose: ScheduledDose
    lot: str


@dataclass(frozen=True, slots=True)
class ChronicCarePlan:
    id: str
    facility: str
    finding: Finding
    author: Practitioner
    start: dt.date


@dataclass(frozen=True, slots=True)
class CareEpisode:
    """A family-doctor contract (家庭医生签约) or a pregnancy under antenatal care."""

    id: str
    facility: str
    programme: Literal["family_doctor", "pregnancy"]
    manager: Practitioner
    start: dt.date
    end: dt.date | None


@dataclass(frozen=True, slots=True)
class Referral:
    id: str
    task_id: str
    visit: Visit  # where the referral was written
    to_facility: str
    direction: Literal["up", "down", "public_health"]
    reason: Diagnosis


@dataclass(slots=True)
class PersonCare:
    """Everything that happened to one person in the care window, in time order per kind."""

    person: Person
    visits: list[Visit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    lab_reports: list[LabReport] = field(default_factory=list)
    imaging_reports: list[ImagingReport] = field(default_factory=list)
    blood_pressures: list[BloodPressure] = field(default_factory=list)
    prescriptions: list[Prescription] = field(default_factory=list)
    vaccinations: list[Vaccination] = field(default_factory=list)
    care_plans: list[ChronicCarePlan] = field(default_factory=list)
    episodes: list[CareEpisode] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)

    def facilities_used(self) -> list[str]:
        """Institutions where the person was seen, in order of first contact."""
        keys = [visit.facility for visit in sorted(self.visits, key=lambda v: v.start)]
        keys += [finding.facility for finding in self.findings]
        keys += [plan.facility for plan in self.care_plans]
        keys += [episode.facility for episode in self.episodes]
        return list(dict.fromkeys(keys))


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One registration of a person at one institution, as that institution's desk typed it."""

    person: Person
    facility: str
    mrn: str
    patient_id: str
    family_name: str
    given_name: str
    name_is_pinyin: bool
    sex: Sex
    birth_date: dt.date
    id_number: str | None
    phone: str
    address: Address
    noise: tuple[str, ...]
    typed_name: str = ""  # the whole name as typed, when it is not family + given (spaces, order)

    @property
    def name_as_typed(self) -> str:
        """The name as one string, the way the desk typed it."""
        if self.typed_name:
            return self.typed_name
        separator = " " if self.name_is_pinyin else ""
        return self.family_name + separator + self.given_name
