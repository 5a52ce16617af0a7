"""Outpatient care (门诊): everyday illnesses and notifiable infectious diseases."""

from __future__ import annotations

import datetime as dt

from kangtong.synth.care.context import CareContext
from kangtong.synth.care.orders import order_imaging, order_labs, prescribe
from kangtong.synth.model import Facility, Referral, Visit
from kangtong.synth.pick import WeightedPool, poisson
from kangtong.synth.tables import clinical
from kangtong.synth.tables.diseases import (
    BACTERIAL_OR_RESPIRATORY,
    NOTIFIABLE_DISEASES,
    OUTPATIENT_DIAGNOSES,
    OUTPATIENT_VISITS_PER_YEAR,
    Diagnosis,
    NotifiableDisease,
    age_group,
)

DIAGNOSIS_POOLS = tuple(
    WeightedPool([d for d, _ in OUTPATIENT_DIAGNOSES], [w[group] for _, w in OUTPATIENT_DIAGNOSES])
    for group in range(3)
)
# Where people go for an everyday illness: station, centre, secondary, tertiary, MCH hospital.
CHILD_VENUES = WeightedPool(
    ("station", "centre", "secondary", "tertiary", "maternal_child"), (10, 30, 15, 15, 30)
)
ADULT_VENUES = WeightedPool(("station", "centre", "secondary", "tertiary"), (15, 35, 25, 25))
ANTIBIOTIC_SHARE = {
    "station": 0.5,
    "centre": 0.45,
    "secondary": 0.35,
    "tertiary": 0.3,
    "maternal_child": 0.3,
}
SECOND_LINE_SHARE = 0.2
CHRONIC_TREATMENT_REFERRAL = {"A16.2"}  # 肺结核: reported and transferred to the CDC


def simulate_outpatient(context: CareContext) -> None:
    """Everyday illnesses at the person's usual places, and any notifiable disease they catch."""
    years = context.alive_days / 365
    if years <= 0:
        return
    group = age_group(context.age_on(context.first_day))
    for _ in range(poisson(context.rng, OUTPATIENT_VISITS_PER_YEAR[group] * years)):
        _everyday_visit(context)
    for disease in NOTIFIABLE_DISEASES:
        if context.rng.random() < disease.incidence_per_100k[group] / 100_000 * years:
            _notifiable_visit(context, disease)


def _venue(context: CareContext, day: dt.date) -> Facility:
    child = context.age_on(day) < 15
    kind = (CHILD_VENUES if child else ADULT_VENUES).pick(context.rng)
    setting = context.setting
    return {
        "station": context.station,
        "centre": context.centre,
        "secondary": context.secondary,
        "tertiary": context.tertiary,
        "maternal_child": setting.maternal_child,
    }[kind]


def department_for(facility: Facility, child: bool) -> str:
    if facility.kind.key in ("centre", "station"):
        return "全科"
    return "儿科" if child else "内科"


def _everyday_visit(context: CareContext) -> None:
    day = context.random_day()
    facility = _venue(context, day)
    child = context.age_on(day) < 15
    visit = context.visit(
        facility, "outpatient", department_for(facility, child), context.office_time(day)
    )
    diagnosis = DIAGNOSIS_POOLS[age_group(context.age_on(day))].pick(context.rng)
    context.diagnose(visit, diagnosis)
    treat(context, visit, diagnosis)
    if diagnosis.code in BACTERIAL_OR_RESPIRATORY and context.rng.random() < 0.25:
        infected = (clinical.INFECTED_WBC,) if context.rng.random() < 0.5 else ()
        order_labs(context, visit, clinical.CBC, infected)
    if diagnosis.code == "J18.9":
        order_imaging(context, visit, clinical.CHEST_XRAY, abnormal=True)


def treat(context: CareContext, visit: Visit, diagnosis: Diagnosis) -> None:
    """Prescribe the usual medicine, and an antibiotic as often as the venue tends to."""
    choices = clinical.TREATMENT_OF.get(diagnosis.code, ())
    if choices:
        second = len(choices) > 1 and context.rng.random() < SECOND_LINE_SHARE
        prescribe(context, visit, choices[1] if second else choices[0], diagnosis)
    kind = context.setting.facilities[visit.facility].kind.key
    if diagnosis.code in BACTERIAL_OR_RESPIRATORY and context.rng.random() < ANTIBIOTIC_SHARE.get(
        kind, 0.3
    ):
        prescribe(context, visit, context.rng.choice(clinical.ANTIBIOTIC_CHOICES), diagnosis)


def _notifiable_visit(context: CareContext, disease: NotifiableDisease) -> None:
    day = context.random_day()
    child = context.age_on(day) < 15
    facility = context.tertiary if context.rng.random() < 0.6 else context.secondary
    department = (
        "感染科"
        if "感染科" in facility.kind.departments and not child
        else ("儿科" if child else "内科")
    )
    visit = context.visit(facility, "outpatient", department, context.office_time(day))
    lasting = disease.diagnosis.code in {"A16.2", "B18.1"}
    context.diagnose(visit, disease.diagnosis, resolved=not lasting)
    treat(context, visit, disease.diagnosis)
    order_labs(context, visit, clinical.CBC)
    if disease.diagnosis.code in clinical.RESPIRATORY_CODES:
        order_imaging(context, visit, clinical.CHEST_CT, abnormal=True)
    if disease.diagnosis.code in CHRONIC_TREATMENT_REFERRAL:
        refer(context, visit, context.setting.cdc, "public_health", disease.diagnosis)
        _managed_by_cdc(context, visit, disease.diagnosis)


def _managed_by_cdc(context: CareContext, referred_at: Visit, diagnosis: Diagnosis) -> None:
    day = referred_at.start.date() + dt.timedelta(days=context.rng.randint(1, 7))
    if day > context.last_day:
        return
    cdc = context.setting.cdc
    visit = context.visit(cdc, "outpatient", "结核病防治科", context.office_time(day))
    context.diagnose(visit, diagnosis, resolved=False)
    for medicine in clinical.TREATMENT_OF[diagnosis.code]:
        prescribe(context, visit, medicine, diagnosis)


def refer(
    context: CareContext, visit: Visit, to: Facility, direction: str, reason: Diagnosis
) -> Referral:
    referral = Referral(
        id=context.ids.mint(),
        task_id=context.ids.mint(),
        visit=visit,
        to_facility=to.key,
        direction="up" if direction == "up" else "down" if direction == "down" else "public_health",
        reason=reason,
    )
    context.care.referrals.append(referral)
    return referral
