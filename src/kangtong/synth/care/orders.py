"""Orders written during a visit: lab panels, imaging, blood pressure, prescriptions, diagnoses."""

from __future__ import annotations

import datetime as dt

from kangtong.synth.care.context import CareContext
from kangtong.synth.model import (
    BloodPressure,
    ImagingReport,
    LabReport,
    LabResult,
    Prescription,
    Visit,
)
from kangtong.synth.tables.clinical import ImagingStudy, LabPanel, LabTest
from kangtong.synth.tables.diseases import Diagnosis


def order_labs(
    context: CareContext, visit: Visit, panel: LabPanel, shifted: tuple[LabTest, ...] = ()
) -> LabReport:
    """Draw a result for every test of the panel; `shifted` replaces tests with a disease's mean."""
    replacements = {test.loinc: test for test in shifted}
    results = []
    for test in panel.tests:
        drawn = replacements.get(test.loinc, test)
        value = max(drawn.low * 0.3, context.rng.gauss(drawn.mean, drawn.sd))
        rounded = round(value, test.decimals) if test.decimals else float(round(value))
        results.append(LabResult(context.ids.mint(), test, rounded))
    issued = visit.start + dt.timedelta(hours=context.rng.randint(1, 6))
    report = LabReport(context.ids.mint(), visit, panel, tuple(results), issued)
    context.care.lab_reports.append(report)
    return report


def order_imaging(context: CareContext, visit: Visit, study: ImagingStudy, abnormal: bool) -> None:
    issued = visit.start + dt.timedelta(hours=context.rng.randint(1, 24))
    context.care.imaging_reports.append(
        ImagingReport(context.ids.mint(), visit, study, abnormal, issued)
    )


def measure_blood_pressure(context: CareContext, visit: Visit, hypertensive: bool) -> BloodPressure:
    systolic = context.rng.gauss(145, 16) if hypertensive else context.rng.gauss(122, 11)
    diastolic = systolic * 0.62 + context.rng.gauss(0, 6)
    reading = BloodPressure(context.ids.mint(), visit, round(systolic), round(diastolic))
    context.care.blood_pressures.append(reading)
    return reading


def prescribe(context: CareContext, visit: Visit, medicine: str, reason: Diagnosis | None) -> None:
    context.care.prescriptions.append(Prescription(context.ids.mint(), visit, medicine, reason))
