"""Maternal and child health (妇幼保健): antenatal care, deliveries and immunisations."""

from __future__ import annotations

import datetime as dt

from kangtong.synth.care.context import CareContext
from kangtong.synth.care.orders import measure_blood_pressure, order_labs
from kangtong.synth.model import CareEpisode, Vaccination, Visit
from kangtong.synth.tables import clinical, diseases, vaccines

ANTENATAL_WEEKS = (12, 16, 24, 30, 37)  # 孕产期保健: at least five antenatal checks
GESTATION_DAYS = 280
POSTPARTUM_DAYS = 42
DAYS_PER_MONTH = 30.44


def simulate_pregnancies(context: CareContext) -> None:
    for delivery in context.person.deliveries:
        conception = delivery - dt.timedelta(days=GESTATION_DAYS)
        if delivery < context.first_day or delivery > context.last_day:
            continue
        _antenatal_care(context, conception, delivery)
        _delivery(context, delivery)


def _antenatal_care(context: CareContext, conception: dt.date, delivery: dt.date) -> None:
    clinic = context.setting.maternal_child
    doctor = context.clinician(clinic, "产科")
    first_visit: Visit | None = None
    for week in ANTENATAL_WEEKS:
        day = conception + dt.timedelta(days=week * 7 + context.rng.randint(0, 6))
        if not context.first_day <= day < delivery:
            continue
        visit = context.visit(clinic, "antenatal", "产科", context.office_time(day), 30, doctor)
        measure_blood_pressure(context, visit, hypertensive=False)
        if first_visit is None:
            first_visit = visit
            context.diagnose(visit, diseases.SUPERVISED_PREGNANCY)
            order_labs(context, visit, clinical.CBC)
        if week == 24:
            order_labs(context, visit, clinical.FASTING_GLUCOSE)
    if first_visit is not None:
        end = min(delivery + dt.timedelta(days=POSTPARTUM_DAYS), context.config.as_of)
        context.care.episodes.append(
            CareEpisode(
                context.ids.mint(), clinic.key, "pregnancy", doctor, first_visit.start.date(), end
            )
        )


def _delivery(context: CareContext, delivery: dt.date) -> None:
    caesarean = context.rng.random() < diseases.CAESAREAN_SHARE
    at_mch = context.rng.random() < 0.7
    facility = context.setting.maternal_child if at_mch else context.tertiary
    department = "产科" if at_mch else "妇产科"
    start = dt.datetime.combine(delivery, dt.time(context.rng.randrange(24)))
    days = 5 if caesarean else 3
    visit = context.visit(facility, "inpatient", department, start, minutes=days * 24 * 60)
    context.diagnose(
        visit, diseases.DELIVERY_CAESAREAN if caesarean else diseases.DELIVERY_SPONTANEOUS
    )
    order_labs(context, visit, clinical.CBC)


def simulate_immunisations(context: CareContext) -> None:
    """Doses of the national schedule given so far (coverage ~97%, a few weeks' delay at most)."""
    person = context.person
    last = context.last_day
    if (last - person.birth_date).days > (vaccines.SCHEDULE[-1].age_months + 2) * DAYS_PER_MONTH:
        return
    visits: dict[dt.date, Visit] = {}
    for dose in vaccines.SCHEDULE:
        if context.rng.random() >= vaccines.COVERAGE:
            continue
        due = person.birth_date + dt.timedelta(days=round(dose.age_months * DAYS_PER_MONTH))
        day = due + dt.timedelta(days=0 if dose.age_months == 0 else context.rng.randint(0, 30))
        if day > last:
            continue
        visit = visits.get(day) or _vaccination_visit(context, day, at_birth=dose.age_months == 0)
        visits[day] = visit
        lot = f"{day.year}{context.rng.randrange(10**6):06d}"
        context.care.vaccinations.append(Vaccination(context.ids.mint(), visit, dose, lot))


def _vaccination_visit(context: CareContext, day: dt.date, at_birth: bool) -> Visit:
    facility = context.setting.maternal_child if at_birth else context.centre
    department = "产科" if at_birth else "预防接种门诊"
    nurse = context.nurse(facility)
    return context.visit(facility, "vaccination", department, context.office_time(day), 15, nurse)
