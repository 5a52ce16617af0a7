"""Encounter, Condition, Observation and DiagnosticReport for a person's care."""

from __future__ import annotations

from kangtong.synth import systems
from kangtong.synth.fhir.common import Resource, concept, instant, ref
from kangtong.synth.model import BloodPressure, Finding, ImagingReport, LabReport, Visit
from kangtong.synth.tables import clinical
from kangtong.synth.tables.clinical import LabTest

ENCOUNTER_CLASS = {"inpatient": ("IMP", "inpatient encounter"), "emergency": ("EMER", "emergency")}
AMBULATORY = ("AMB", "ambulatory")
ENCOUNTER_TYPE_DISPLAY = {
    "outpatient": "门诊",
    "emergency": "急诊",
    "inpatient": "住院",
    "follow_up": "随访",
    "antenatal": "产前检查",
    "vaccination": "预防接种",
}
NOTIFIABLE_DISPLAY = {"甲": "甲类传染病", "乙": "乙类传染病", "丙": "丙类传染病"}
LAB_CATEGORY = [concept(systems.OBSERVATION_CATEGORY, "laboratory", "Laboratory")]
VITAL_CATEGORY = [concept(systems.OBSERVATION_CATEGORY, "vital-signs", "Vital Signs")]
REPORT_LAB = [concept(systems.V2_0074, "LAB", "Laboratory")]
REPORT_RAD = [concept(systems.V2_0074, "RAD", "Radiology")]


class PatientRefs:
    """Which source Patient (and Organization) each institution's records point at."""

    def __init__(
        self,
        patient_of: dict[str, str],
        organisation_of: dict[str, str],
        location_of: dict[str, str],
    ) -> None:
        self.patient_of = patient_of
        self.organisation_of = organisation_of
        self.location_of = location_of

    def patient(self, facility: str) -> dict[str, str]:
        return {"reference": "Patient/" + self.patient_of[facility]}

    def organisation(self, facility: str) -> dict[str, str]:
        return {"reference": "Organization/" + self.organisation_of[facility]}


def encounter(visit: Visit, refs: PatientRefs) -> Resource:
    code, display = ENCOUNTER_CLASS.get(visit.kind, AMBULATORY)
    resource: Resource = {
        "resourceType": "Encounter",
        "id": visit.id,
        "status": "finished",
        "class": {"system": systems.V3_ACT_CODE, "code": code, "display": display},
        "type": [concept(systems.ENCOUNTER_TYPE, visit.kind, ENCOUNTER_TYPE_DISPLAY[visit.kind])],
        "serviceType": {"text": visit.department},
        "subject": refs.patient(visit.facility),
        "participant": [{"individual": ref("Practitioner", visit.practitioner.id)}],
        "period": {"start": instant(visit.start), "end": instant(visit.end)},
        "location": [{"location": {"reference": "Location/" + refs.location_of[visit.facility]}}],
        "serviceProvider": refs.organisation(visit.facility),
    }
    if visit.kind == "inpatient":
        disposition = ("exp", "Expired") if visit.died else ("home", "Home")
        resource["hospitalization"] = {
            "dischargeDisposition": concept(systems.DISCHARGE_DISPOSITION, *disposition)
        }
    return resource


def condition(finding: Finding, refs: PatientRefs) -> Resource:
    category = "problem-list-item" if finding.problem_list else "encounter-diagnosis"
    categories = [concept(systems.CONDITION_CATEGORY, category)]
    if finding.notifiable_class:
        display = NOTIFIABLE_DISPLAY[finding.notifiable_class]
        categories.append(concept(systems.NOTIFIABLE_CLASS, finding.notifiable_class, display))
    status = "resolved" if finding.resolved else "active"
    resource: Resource = {
        "resourceType": "Condition",
        "id": finding.id,
        "clinicalStatus": concept(systems.CONDITION_CLINICAL, status),
        "verificationStatus": concept(systems.CONDITION_VERIFICATION, "confirmed"),
        "category": categories,
        "code": concept(systems.ICD10_CN, finding.diagnosis.code, finding.diagnosis.display),
        "subject": refs.patient(finding.facility),
        "onsetDateTime": finding.onset.isoformat(),
        "recordedDate": instant(finding.recorded),
    }
    if finding.visit is not None:
        resource["encounter"] = ref("Encounter", finding.visit.id)
        resource["recorder"] = ref("Practitioner", finding.visit.practitioner.id)
    return resource


def _quantity(value: float, unit: str) -> Resource:
    return {"value": value, "unit": unit, "system": systems.UCUM, "code": unit}


def _interpretation(test: LabTest, value: float) -> Resource:
    code, display = (
        ("H", "High")
        if value > test.high
        else ("L", "Low")
        if value < test.low
        else ("N", "Normal")
    )
    return concept(systems.OBSERVATION_INTERPRETATION, code, display)


def lab_report(report: LabReport, refs: PatientRefs) -> list[Resource]:
    """The panel's Observations followed by the DiagnosticReport that groups them."""
    visit = report.visit
    subject = refs.patient(visit.facility)
    performer = [refs.organisation(visit.facility)]
    effective, issued = instant(visit.start), instant(report.issued)
    resources = [
        {
            "resourceType": "Observation",
            "id": result.id,
            "status": "final",
            "category": LAB_CATEGORY,
            "code": concept(systems.LOINC, result.test.loinc, result.test.display),
            "subject": subject,
            "encounter": ref("Encounter", visit.id),
            "effectiveDateTime": effective,
            "issued": issued,
            "performer": performer,
            "valueQuantity": _quantity(result.value, result.test.unit),
            "interpretation": [_interpretation(result.test, result.value)],
            "referenceRange": [
                {
                    "low": _quantity(result.test.low, result.test.unit),
                    "high": _quantity(result.test.high, result.test.unit),
                }
            ],
        }
        for result in report.results
    ]
    resources.append(
        {
            "resourceType": "DiagnosticReport",
            "id": report.id,
            "status": "final",
            "category": REPORT_LAB,
            "code": concept(systems.LOINC, report.panel.loinc, report.panel.display),
            "subject": subject,
            "encounter": ref("Encounter", visit.id),
            "effectiveDateTime": effective,
            "issued": issued,
            "performer": performer,
            "result": [ref("Observation", result.id) for result in report.results],
        }
    )
    return resources


def imaging_report(report: ImagingReport, refs: PatientRefs) -> Resource:
    study = report.study
    return {
        "resourceType": "DiagnosticReport",
        "id": report.id,
        "status": "final",
        "category": REPORT_RAD,
        "code": concept(systems.LOINC, study.loinc, study.display),
        "subject": refs.patient(report.visit.facility),
        "encounter": ref("Encounter", report.visit.id),
        "effectiveDateTime": instant(report.visit.start),
        "issued": instant(report.issued),
        "performer": [refs.organisation(report.visit.facility)],
        "conclusion": study.abnormal_finding if report.abnormal else study.normal_finding,
    }


def blood_pressure(reading: BloodPressure, refs: PatientRefs) -> Resource:
    visit = reading.visit
    code, display = clinical.BLOOD_PRESSURE_LOINC
    return {
        "resourceType": "Observation",
        "id": reading.id,
        "status": "final",
        "category": VITAL_CATEGORY,
        "code": concept(systems.LOINC, code, display),
        "subject": refs.patient(visit.facility),
        "encounter": ref("Encounter", visit.id),
        "effectiveDateTime": instant(visit.start),
        "performer": [ref("Practitioner", visit.practitioner.id)],
        "component": [
            {
                "code": concept(systems.LOINC, *clinical.SYSTOLIC_LOINC),
                "valueQuantity": _quantity(reading.systolic, "mm[Hg]"),
            },
            {
                "code": concept(systems.LOINC, *clinical.DIASTOLIC_LOINC),
                "valueQuantity": _quantity(reading.diastolic, "mm[Hg]"),
            },
        ],
    }
