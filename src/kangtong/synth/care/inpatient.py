"""Hospital admissions (住院): acute illness, exacerbations, deaths in hospital, referrals down."""

from __future__ import annotations

import datetime as dt

from kangtong.synth.care.context import CareContext
from kangtong.synth.care.orders import order_imaging, order_labs, prescribe
from kangtong.synth.care.outpatient import refer, treat
from kangtong.synth.model import Facility, Visit
from kangtong.synth.pick import WeightedPool, poisson
from kangtong.synth.tables import clinical
from kangtong.synth.tables.diseases import (
    ADMISSIONS_PER_YEAR,
    CHRONIC_DISEASES,
    INPATIENT_DIAGNOSES,
    Diagnosis,
    age_group,
)

ADMISSION_POOLS = tuple(
    WeightedPool([d for d, _ in INPATIENT_DIAGNOSES], [w[group] for _, w in INPATIENT_DIAGNOSES])
    for group in range(3)
)
EXACERBATION = {
    "copd": (Diagnosis("J44.1", "慢性阻塞性肺病伴有急性加重"), 0.3),
    "coronary": (Diagnosis("I20.0", "不稳定性心绞痛"), 0.1),
}
FATAL_DIAGNOSES = WeightedPool(
    (
        Diagnosis("I63.9", "脑梗死"),
        Diagnosis("J18.9", "肺炎"),
        Diagnosis("C34.9", "支气管或肺恶性肿瘤"),
        Diagnosis("I50.9", "心力衰竭"),
    ),
    (30, 25, 25, 20),
)
SURGICAL = frozenset({"K35.8", "K80.2", "S72.0", "N20.0"})
DEPARTMENT_OF = {
    "J18.9": "呼吸内科",
    "J44.1": "呼吸内科",
    "C34.9": "呼吸内科",
    "I63.9": "神经内科",
    "I20.0": "心血管内科",
    "I50.9": "心血管内科",
}
DIED_IN_HOSPITAL_SHARE = 0.6
REFERRED_DOWN_SHARE = 0.4
CHRONIC_DIAGNOSIS = {disease.key: disease.diagnosis for disease in CHRONIC_DISEASES}


def simulate_admissions(context: CareContext) -> None:
    years = context.alive_days / 365
    if years <= 0:
        return
    group = age_group(context.age_on(context.first_day))
    for _ in range(poisson(context.rng, ADMISSIONS_PER_YEAR[group] * years)):
        admit(context, ADMISSION_POOLS[group].pick(context.rng), context.random_day())
    for disease in context.person.chronic:
        if disease in EXACERBATION:
            diagnosis, rate = EXACERBATION[disease]
            for _ in range(poisson(context.rng, rate * years)):
                admit(context, diagnosis, context.random_day())
    death = context.person.death_date
    if death is not None and context.rng.random() < DIED_IN_HOSPITAL_SHARE:
        stay = context.rng.randint(1, 12)
        admit(context, FATAL_DIAGNOSES.pick(context.rng), death - dt.timedelta(days=stay), death)


def _department(facility: Facility, diagnosis: Diagnosis, child: bool) -> str:
    if child:
        return "儿科"
    wanted = "外科" if diagnosis.code in SURGICAL else DEPARTMENT_OF.get(diagnosis.code, "内科")
    return wanted if wanted in facility.kind.departments else "内科"


def admit(
    context: CareContext, diagnosis: Diagnosis, day: dt.date, death: dt.date | None = None
) -> Visit:
    """An admission from `day`; ending in death on `death` when given."""
    day = max(day, context.person.birth_date)
    facility = context.tertiary if context.rng.random() < 0.55 else context.secondary
    child = context.age_on(day) < 15
    if death is None:
        stay = max(1, round(context.rng.gauss(8, 3)))
        discharge = min(day + dt.timedelta(days=stay), context.last_day)
    else:
        discharge = death
    start = dt.datetime.combine(day, dt.time(context.rng.randrange(24), context.rng.randrange(60)))
    minutes = max(
        60, int((dt.datetime.combine(discharge, dt.time(10)) - start).total_seconds() // 60)
    )
    visit = context.visit(
        facility,
        "inpatient",
        _department(facility, diagnosis, child),
        start,
        minutes=minutes,
        died=death is not None,
    )
    context.diagnose(visit, diagnosis, resolved=death is None)
    for disease in context.person.chronic[:2]:
        context.diagnose(visit, CHRONIC_DIAGNOSIS[disease], resolved=False)
    _work_up(context, visit, diagnosis)
    if death is None and context.person.chronic and context.rng.random() < REFERRED_DOWN_SHARE:
        refer(context, visit, context.centre, "down", diagnosis)
    return visit


def _work_up(context: CareContext, visit: Visit, diagnosis: Diagnosis) -> None:
    infected = (clinical.INFECTED_WBC,) if diagnosis.code in {"J18.9", "K35.8", "J44.1"} else ()
    order_labs(context, visit, clinical.CBC, infected)
    order_labs(context, visit, clinical.LIVER_RENAL)
    if "diabetes" in context.person.chronic:
        order_labs(context, visit, clinical.FASTING_GLUCOSE, (clinical.DIABETIC_GLUCOSE,))
    if diagnosis.code in {"I63.9", "I20.0", "I50.9"}:
        order_labs(context, visit, clinical.LIPIDS)
    if diagnosis.code == "I63.9":
        order_imaging(context, visit, clinical.HEAD_CT, abnormal=True)
    elif diagnosis.code in clinical.RESPIRATORY_CODES:
        order_imaging(context, visit, clinical.CHEST_CT, abnormal=True)
    elif context.rng.random() < 0.5:
        order_imaging(context, visit, clinical.CHEST_XRAY, abnormal=False)
    treat(context, visit, diagnosis)
    if diagnosis.code in {"J18.9", "K35.8"}:
        prescribe(context, visit, "ceftriaxone", diagnosis)
