"""All FHIR resources of one person: their source Patients, then their care in order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from kangtong.synth.care import CareSetting
from kangtong.synth.fhir import encounters, orders
from kangtong.synth.fhir.common import Resource
from kangtong.synth.fhir.patient import source_patient
from kangtong.synth.model import PersonCare, SourceRecord


def person_resources(
    care: PersonCare,
    records: list[SourceRecord],
    setting: CareSetting,
    as_of: dt.date,
    health_code_system: str,
) -> Iterator[Resource]:
    """Patients first; then each encounter's resources (encounter before what references it)."""
    facilities = setting.facilities
    for record in records:
        yield source_patient(record, facilities[record.facility], health_code_system)
    refs = encounters.PatientRefs(
        {record.facility: record.patient_id for record in records},
        {key: facility.id for key, facility in facilities.items()},
        {key: facility.location_id for key, facility in facilities.items()},
    )
    for visit in care.visits:
        yield encounters.encounter(visit, refs)
    for finding in care.findings:
        yield encounters.condition(finding, refs)
    for report in care.lab_reports:
        yield from encounters.lab_report(report, refs)
    for imaging in care.imaging_reports:
        yield encounters.imaging_report(imaging, refs)
    for reading in care.blood_pressures:
        yield encounters.blood_pressure(reading, refs)
    for prescription in care.prescriptions:
        yield orders.medication_request(prescription, refs)
    for vaccination in care.vaccinations:
        yield orders.immunization(vaccination, refs)
    for plan in care.care_plans:
        yield orders.care_plan(plan, refs, care.person.death_date)
    for episode in care.episodes:
        yield orders.episode_of_care(episode, refs, as_of)
    for item in care.referrals:
        yield from orders.referral(item, refs, as_of)
