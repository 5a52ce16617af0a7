"""Chronic-disease management (慢病管理) and family-doctor contracts (家庭医生签约).

Under the basic public health services, hypertension and type 2 diabetes patients are registered
at their community health centre and followed up every quarter; the elderly (65+) are offered a
yearly health check.
"""

from __future__ import annotations

import datetime as dt

from kangtong.synth.care.context import CareContext
from kangtong.synth.care.orders import measure_blood_pressure, order_labs, prescribe
from kangtong.synth.care.outpatient import refer
from kangtong.synth.model import CareEpisode, ChronicCarePlan, Finding
from kangtong.synth.tables import clinical
from kangtong.synth.tables.diseases import CHRONIC_DISEASES, FOLLOWED_UP, ChronicDisease

FOLLOW_UP_DAYS = 91
HEALTH_CHECK_UPTAKE = 0.6
UPWARD_REFERRAL_SYSTOLIC = 175
STATION_SHARE = 0.3
CONTRACT_SHARE = {"priority": 0.7, "young_child": 0.5, "other": 0.2}
DISEASE_OF = {disease.key: disease for disease in CHRONIC_DISEASES}


def simulate_chronic_care(context: CareContext) -> None:
    """Registration, care plans and follow-ups for each chronic disease; yearly checks for 65+."""
    if context.alive_days <= 0:
        return
    for key in context.person.chronic:
        finding = _register(context, DISEASE_OF[key])
        if key in FOLLOWED_UP:
            _plan_and_follow_up(context, finding, key)
    _health_checks(context)
    _family_doctor_contracts(context)


def _register(context: CareContext, disease: ChronicDisease) -> Finding:
    """The problem-list entry made when the disease was found (often before the window)."""
    person = context.person
    age_now = context.age_on(context.last_day)
    onset_age = context.rng.randint(max(18, age_now - 15), max(18, age_now))
    onset = min(context.last_day, person.birth_date + dt.timedelta(days=onset_age * 365))
    finding = Finding(
        id=context.ids.mint(),
        facility=context.centre.key,
        visit=None,
        diagnosis=disease.diagnosis,
        problem_list=True,
        onset=onset,
        recorded=context.office_time(onset),
        resolved=False,
    )
    context.care.findings.append(finding)
    return finding


def _plan_and_follow_up(context: CareContext, finding: Finding, key: str) -> None:
    doctor = context.clinician(context.centre, "全科")
    start = max(finding.onset, context.first_day)
    context.care.care_plans.append(
        ChronicCarePlan(context.ids.mint(), context.centre.key, finding, doctor, start)
    )
    day = start + dt.timedelta(days=context.rng.randrange(FOLLOW_UP_DAYS))
    number = 0
    while day <= context.last_day:
        _follow_up(context, key, day, number)
        day += dt.timedelta(days=FOLLOW_UP_DAYS + context.rng.randint(-10, 10))
        number += 1


def _follow_up(context: CareContext, key: str, day: dt.date, number: int) -> None:
    at_station = context.rng.random() < STATION_SHARE
    facility = context.station if at_station else context.centre
    visit = context.visit(facility, "follow_up", "全科", context.office_time(day))
    disease = DISEASE_OF[key]
    if key == "hypertension":
        reading = measure_blood_pressure(context, visit, hypertensive=True)
        if reading.systolic >= UPWARD_REFERRAL_SYSTOLIC:
            refer(context, visit, context.tertiary, "up", disease.diagnosis)
            _specialist_visit(context, day, "心血管内科")
    else:
        order_labs(context, visit, clinical.FASTING_GLUCOSE, (clinical.DIABETIC_GLUCOSE,))
        if number % 2 == 0 and not at_station:
            order_labs(context, visit, clinical.GLYCATED, (clinical.DIABETIC_HBA1C,))
    prescribe(context, visit, clinical.TREATMENT_OF[key][number % 2], disease.diagnosis)


def _specialist_visit(context: CareContext, referred_on: dt.date, department: str) -> None:
    day = referred_on + dt.timedelta(days=context.rng.randint(1, 10))
    if day <= context.last_day:
        visit = context.visit(context.tertiary, "outpatient", department, context.office_time(day))
        measure_blood_pressure(context, visit, hypertensive=True)
        order_labs(context, visit, clinical.LIPIDS)
        order_labs(context, visit, clinical.LIVER_RENAL)


def _health_checks(context: CareContext) -> None:
    """老年人健康体检: a yearly check at the community centre for residents aged 65 and over."""
    person = context.person
    diabetic = (clinical.DIABETIC_GLUCOSE,) if "diabetes" in person.chronic else ()
    for year in range(context.first_day.year, context.last_day.year + 1):
        day = context.random_day(dt.date(year, 3, 1), dt.date(year, 11, 30))
        if day.year != year or context.age_on(day) < 65:
            continue
        if context.rng.random() >= HEALTH_CHECK_UPTAKE:
            continue
        visit = context.visit(
            context.centre, "follow_up", "预防保健科", context.office_time(day), 40
        )
        measure_blood_pressure(context, visit, "hypertension" in person.chronic)
        order_labs(context, visit, clinical.CBC)
        order_labs(context, visit, clinical.FASTING_GLUCOSE, diabetic)
        order_labs(context, visit, clinical.LIPIDS)


def _family_doctor_contracts(context: CareContext) -> None:
    """A yearly contract with a general practitioner of the home centre, renewed each year."""
    age = context.age_on(context.last_day)
    group = (
        "priority" if age >= 65 or context.person.chronic else "young_child" if age < 7 else "other"
    )
    if context.rng.random() >= CONTRACT_SHARE[group]:
        return
    doctor = context.clinician(context.centre, "全科")
    for year in range(context.first_day.year, context.last_day.year + 1):
        start = max(dt.date(year, 1, 1), context.first_day)
        end = dt.date(year, 12, 31)
        if start <= context.last_day:
            context.care.episodes.append(
                CareEpisode(
                    context.ids.mint(),
                    context.centre.key,
                    "family_doctor",
                    doctor,
                    start,
                    min(end, context.last_day) if context.person.death_date else end,
                )
            )
