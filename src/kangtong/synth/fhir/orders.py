"""MedicationRequest, Immunization, CarePlan, EpisodeOfCare, ServiceRequest and Task."""

from __future__ import annotations

import datetime as dt

from kangtong.synth import systems
from kangtong.synth.fhir.common import Resource, concept, day, instant, ref
from kangtong.synth.fhir.encounters import PatientRefs
from kangtong.synth.model import CareEpisode, ChronicCarePlan, Prescription, Referral, Vaccination
from kangtong.synth.tables.clinical import MEDICINES

SETTING_CATEGORY = {"inpatient": ("inpatient", "Inpatient")}
OUTPATIENT_CATEGORY = ("outpatient", "Outpatient")
PROGRAMME_DISPLAY = {
    "family_doctor": "家庭医生签约服务",
    "pregnancy": "孕产期保健",
    "hypertension": "高血压患者健康管理",
    "diabetes": "2型糖尿病患者健康管理",
}
PLAN_OF_DIAGNOSIS = {"I10": "hypertension", "E11.9": "diabetes"}
DIRECTION_DISPLAY = {"up": "上转", "down": "下转", "public_health": "转疾控机构"}
# A referral written this many days or fewer before the end of the window is still open: the
# receiving institution has accepted it but not yet completed it (a care relationship now).
REFERRAL_OPEN_DAYS = 30


def medication_request(prescription: Prescription, refs: PatientRefs) -> Resource:
    medicine = MEDICINES[prescription.medicine]
    visit = prescription.visit
    setting = SETTING_CATEGORY.get(visit.kind, OUTPATIENT_CATEGORY)
    categories = [concept(systems.MEDICATION_REQUEST_CATEGORY, *setting)]
    if medicine.antibiotic:
        categories.append(concept(systems.MEDICINE_CLASS, "antibiotic", "抗菌药物"))
    if medicine.essential:
        categories.append(concept(systems.MEDICINE_CLASS, "essential", "国家基本药物"))
    resource: Resource = {
        "resourceType": "MedicationRequest",
        "id": prescription.id,
        "status": "completed",
        "intent": "order",
        "category": categories,
        "medicationCodeableConcept": concept(systems.MEDICINE, medicine.code, medicine.display),
        "subject": refs.patient(visit.facility),
        "encounter": ref("Encounter", visit.id),
        "authoredOn": instant(visit.start),
        "requester": ref("Practitioner", visit.practitioner.id),
        "dosageInstruction": [
            {
                "text": medicine.dose,
                "timing": {
                    "repeat": {"frequency": medicine.per_day, "period": 1, "periodUnit": "d"}
                },
            }
        ],
        "dispenseRequest": {
            "expectedSupplyDuration": {
                "value": medicine.days,
                "unit": "d",
                "system": systems.UCUM,
                "code": "d",
            }
        },
    }
    if prescription.reason is not None:
        reason = prescription.reason
        resource["reasonCode"] = [concept(systems.ICD10_CN, reason.code, reason.display)]
    return resource


def immunization(vaccination: Vaccination, refs: PatientRefs) -> Resource:
    visit, dose = vaccination.visit, vaccination.dose
    return {
        "resourceType": "Immunization",
        "id": vaccination.id,
        "status": "completed",
        "vaccineCode": concept(systems.VACCINE, dose.vaccine, dose.display),
        "patient": refs.patient(visit.facility),
        "encounter": ref("Encounter", visit.id),
        "occurrenceDateTime": instant(visit.start),
        "primarySource": True,
        "location": {"reference": "Location/" + refs.location_of[visit.facility]},
        "lotNumber": vaccination.lot,
        "performer": [{"actor": ref("Practitioner", visit.practitioner.id)}],
        "protocolApplied": [{"series": dose.display, "doseNumberPositiveInt": dose.dose_number}],
    }


def care_plan(plan: ChronicCarePlan, refs: PatientRefs, ended: dt.date | None) -> Resource:
    programme = PLAN_OF_DIAGNOSIS[plan.finding.diagnosis.code]
    period = {"start": day(plan.start)} | ({"end": day(ended)} if ended else {})
    return {
        "resourceType": "CarePlan",
        "id": plan.id,
        "status": "completed" if ended else "active",
        "intent": "plan",
        "category": [concept(systems.CARE_PROGRAMME, programme, PROGRAMME_DISPLAY[programme])],
        "title": PROGRAMME_DISPLAY[programme],
        "subject": refs.patient(plan.facility),
        "period": period,
        "author": ref("Practitioner", plan.author.id),
        "addresses": [ref("Condition", plan.finding.id)],
    }


def episode_of_care(episode: CareEpisode, refs: PatientRefs, as_of: dt.date) -> Resource:
    finished = episode.end is not None and episode.end < as_of
    period = {"start": day(episode.start)} | ({"end": day(episode.end)} if episode.end else {})
    display = PROGRAMME_DISPLAY[episode.programme]
    return {
        "resourceType": "EpisodeOfCare",
        "id": episode.id,
        "status": "finished" if finished else "active",
        "type": [concept(systems.CARE_PROGRAMME, episode.programme, display)],
        "patient": refs.patient(episode.facility),
        "managingOrganization": refs.organisation(episode.facility),
        "period": period,
        "careManager": ref("Practitioner", episode.manager.id),
    }


def referral(item: Referral, refs: PatientRefs, as_of: dt.date) -> list[Resource]:
    """The ServiceRequest written at the referring institution and the Task that tracks it.

    Referrals of the last `REFERRAL_OPEN_DAYS` days are still open (active, accepted); older
    ones are completed.
    """
    visit = item.visit
    still_open = (as_of - visit.end.date()).days <= REFERRAL_OPEN_DAYS
    authored = instant(visit.end)
    subject = refs.patient(visit.facility)
    requester = ref("Practitioner", visit.practitioner.id)
    receiver = refs.organisation(item.to_facility)
    direction = DIRECTION_DISPLAY[item.direction]
    service_request = {
        "resourceType": "ServiceRequest",
        "id": item.id,
        "status": "active" if still_open else "completed",
        "intent": "order",
        "category": [concept(systems.SNOMED, systems.REFERRAL_SNOMED, "Patient referral")],
        "code": concept(systems.REFERRAL_DIRECTION, item.direction, direction),
        "subject": subject,
        "encounter": ref("Encounter", visit.id),
        "authoredOn": authored,
        "requester": requester,
        "performer": [receiver],
        "reasonCode": [concept(systems.ICD10_CN, item.reason.code, item.reason.display)],
    }
    task = {
        "resourceType": "Task",
        "id": item.task_id,
        "status": "accepted" if still_open else "completed",
        "intent": "order",
        "code": concept(systems.REFERRAL_DIRECTION, item.direction, direction),
        "focus": ref("ServiceRequest", item.id),
        "for": subject,
        "encounter": ref("Encounter", visit.id),
        "authoredOn": authored,
        "requester": requester,
        "owner": receiver,
    }
    return [service_request, task]
