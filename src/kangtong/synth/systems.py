"""Every identifier-system and code-system URL the synthetic district writes, in one place.

Chinese national OIDs (root 2.16.156.10011) where the standards give one; kangtong URLs under
the canonical base (`kangtong.core.canonical`) for code lists of our own. See docs/synth.md for the choices.
"""

from __future__ import annotations

from kangtong.core.canonical import BASE, canonical

CITIZEN_ID = "urn:oid:2.16.156.10011.1.3"
# 门诊号 root (.1.11) + the institution's number in the district registry: each institution's
# medical record numbers form their own system, as they do in real hospital systems.
MRN_ROOT = "urn:oid:2.16.156.10011.1.11"
# Organisation identifiers: the unified social credit code (GB 32100).
CREDIT_CODE = "urn:oid:2.16.156.10011.1.2"
DEFAULT_HEALTH_CODE = canonical("sid/health-code")
DOCTOR_LICENCE = canonical("sid/doctor-licence")
NURSE_LICENCE = canonical("sid/nurse-licence")

SEX_GB2261 = "urn:oid:2.16.156.10011.2.3.3.4"
MARITAL_GB2261_2 = "urn:oid:2.16.156.10011.2.3.3.5"
ETHNICITY_GB3304 = "urn:oid:2.16.156.10011.2.3.3.3"
ICD10_CN = "urn:oid:2.16.156.10011.2.3.3.11"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"

V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
OBSERVATION_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
ORGANIZATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
PRACTITIONER_ROLE = "http://terminology.hl7.org/CodeSystem/practitioner-role"
DISCHARGE_DISPOSITION = "http://terminology.hl7.org/CodeSystem/discharge-disposition"
MEDICATION_REQUEST_CATEGORY = "http://terminology.hl7.org/CodeSystem/medicationrequest-category"

_KT = BASE
SEX_EXTENSION = f"{_KT}/StructureDefinition/sex-gb2261"
ETHNICITY_EXTENSION = f"{_KT}/StructureDefinition/ethnicity"
HOSPITAL_GRADE_EXTENSION = f"{_KT}/StructureDefinition/hospital-grade"
FACILITY_TYPE = f"{_KT}/CodeSystem/facility-type"
DEPARTMENT = f"{_KT}/CodeSystem/department"
ENCOUNTER_TYPE = f"{_KT}/CodeSystem/encounter-type"
NOTIFIABLE_CLASS = f"{_KT}/CodeSystem/notifiable-disease-class"
MEDICINE = f"{_KT}/CodeSystem/medicine"
MEDICINE_CLASS = f"{_KT}/CodeSystem/medicine-class"
VACCINE = f"{_KT}/CodeSystem/nip-vaccine"
CARE_PROGRAMME = f"{_KT}/CodeSystem/care-programme"
REFERRAL_DIRECTION = f"{_KT}/CodeSystem/referral-direction"
REFERRAL_SNOMED = "3457005"  # Patient referral (procedure)


def mrn_system(facility_number: int) -> str:
    """The identifier system of one institution's medical record numbers."""
    return f"{MRN_ROOT}.{facility_number}"
