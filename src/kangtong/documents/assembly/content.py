"""The data a template prints: header fields and the entries of each section, from a record.

Everything is worked out here in Python so the Jinja2 templates only lay out XML; the
templates autoescape, so a name or a narrative text can never break the document.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

from kangtong.documents.assembly.catalogue import DocumentTemplate, SectionSpec
from kangtong.documents.assembly.record import EncounterRecord, Resource
from kangtong.documents.assembly.values import (
    CITIZEN_ID_ROOT,
    ICD10_SYSTEM,
    LOINC,
    SEX_NAMES,
    cda_time,
    coding_in,
    concept_text,
    identifier_with_root,
    number,
    oid_of,
    sex_code,
)
from kangtong.security.sensitivity import labelled

LOINC_URL = "http://loinc.org"
NO_DATA = "无"
# The platform's sensitivity classifier (security.sensitivity.SensitivityClassifier) or alike.
Classifier = Callable[[Mapping[str, Any]], Collection[object]]
ORGANIZATION_ROOT = "2.16.156.10011.1.2"  # the institution's unified social credit code


@dataclass(frozen=True)
class Entry:
    """One coded entry of a section: what the narrative row and the CDA entry both show."""

    kind: str  # diagnosis | observation | medication | procedure | immunization
    code: str
    code_system: str
    display: str
    time: str | None = None
    value: str = ""
    unit: str = ""
    low: str = ""
    high: str = ""
    interpretation: str = ""
    text: str = ""  # dosage, status or other free text shown in the narrative
    extra: str = ""  # e.g. the notifiable disease class (甲/乙/丙)


@dataclass(frozen=True)
class Section:
    spec: SectionSpec
    entries: tuple[Entry, ...]
    narrative: str = ""  # a free-text paragraph (e.g. the discharge summary)


@cache
def notifiable_icd10() -> dict[str, dict[str, str]]:
    """ICD-10 prefix → notifiable disease (code, display, class), copied from the terminology."""
    path = resources.files(__package__).joinpath("data/notifiable-icd10.json")
    table: dict[str, dict[str, str]] = json.loads(path.read_text("utf-8"))["icd10"]
    return table


def notifiable_disease(icd10: str) -> dict[str, str] | None:
    """The notifiable disease an ICD-10 code falls under (longest matching prefix)."""
    table = notifiable_icd10()
    for length in range(len(icd10), 2, -1):
        found = table.get(icd10[:length])
        if found is not None:
            return found
    return None


def diagnoses(record: EncounterRecord) -> list[Entry]:
    """The encounter's ICD-10 diagnoses (conditions without an ICD-10 code are not entries)."""
    found = []
    for condition in record.conditions:
        coding = coding_in(condition.get("code"), ICD10_SYSTEM)
        if coding is None:
            continue
        found.append(
            Entry(
                "diagnosis",
                str(coding["code"]),
                ICD10_SYSTEM,
                str(coding.get("display") or concept_text(condition.get("code"))),
                cda_time(condition.get("onsetDateTime") or condition.get("recordedDate")),
                text=_status(condition),
            )
        )
    return found


CLINICAL_STATUS = {
    "active": "活动",
    "recurrence": "复发",
    "relapse": "复发",
    "inactive": "非活动",
    "remission": "缓解",
    "resolved": "已愈",
}


def _status(condition: Resource) -> str:
    """The clinical status in Chinese for the narrative (the code itself when unknown)."""
    coding = (condition.get("clinicalStatus") or {}).get("coding") or [{}]
    code = str(coding[0].get("code", ""))
    return CLINICAL_STATUS.get(code, code)


def notifiable(record: EncounterRecord) -> list[Entry]:
    """The diagnoses that are notifiable infectious diseases, with their class (甲/乙/丙)."""
    found = []
    for entry in diagnoses(record):
        disease = notifiable_disease(entry.code)
        if disease is not None:
            found.append(replace(entry, extra=f"{disease['class']}类 {disease['display']}"))
    return found


def observations(record: EncounterRecord, category: str) -> list[Entry]:
    """LOINC-coded observations of `category`; components (blood pressure) as entries of their own."""
    found = []
    for observation in record.observations:
        categories = {
            c.get("code") for cat in observation.get("category", []) for c in cat.get("coding", [])
        }
        if category not in categories:
            continue
        time = cda_time(observation.get("effectiveDateTime"))
        parts = [observation, *observation.get("component", [])]
        for part in parts:
            entry = _observation_entry(part, time)
            if entry is not None:
                found.append(entry)
    return found


def _observation_entry(part: Resource, time: str | None) -> Entry | None:
    coding = coding_in(part.get("code"), LOINC_URL)
    quantity = part.get("valueQuantity")
    if coding is None or not isinstance(quantity, dict) or number(quantity.get("value")) == "":
        return None
    ranges = part.get("referenceRange") or [{}]
    interpretation = (part.get("interpretation") or [{}])[0]
    return Entry(
        "observation",
        str(coding["code"]),
        LOINC,
        str(coding.get("display") or concept_text(part.get("code"))),
        time,
        value=number(quantity.get("value")),
        unit=str(quantity.get("code") or quantity.get("unit") or "1"),
        low=number((ranges[0].get("low") or {}).get("value")),
        high=number((ranges[0].get("high") or {}).get("value")),
        interpretation=str(((interpretation.get("coding") or [{}])[0]).get("code", "")),
    )


def medications(record: EncounterRecord) -> list[Entry]:
    found = []
    for request in record.medications:
        concept = request.get("medicationCodeableConcept") or {}
        coding = (concept.get("coding") or [{}])[0]
        if not coding.get("code"):
            continue
        dosage = (request.get("dosageInstruction") or [{}])[0]
        found.append(
            Entry(
                "medication",
                str(coding["code"]),
                oid_of(coding.get("system")) or str(coding.get("system", "")),
                str(coding.get("display") or concept_text(concept)),
                cda_time(request.get("authoredOn")),
                text=str(dosage.get("text", "")),
            )
        )
    return found


def procedures(record: EncounterRecord) -> list[Entry]:
    found = []
    for procedure in record.procedures:
        coding = (procedure.get("code", {}).get("coding") or [{}])[0]
        if coding.get("code"):
            found.append(
                Entry(
                    "procedure",
                    str(coding["code"]),
                    oid_of(coding.get("system")) or str(coding.get("system", "")),
                    str(coding.get("display") or concept_text(procedure.get("code"))),
                    cda_time(procedure.get("performedDateTime")),
                )
            )
    return found


def immunizations(record: EncounterRecord) -> list[Entry]:
    found = []
    for immunization in record.immunizations:
        coding = (immunization.get("vaccineCode", {}).get("coding") or [{}])[0]
        if coding.get("code"):
            found.append(
                Entry(
                    "immunization",
                    str(coding["code"]),
                    oid_of(coding.get("system")) or str(coding.get("system", "")),
                    str(coding.get("display") or concept_text(immunization.get("vaccineCode"))),
                    cda_time(immunization.get("occurrenceDateTime")),
                    text=str(immunization.get("lotNumber", "")),
                )
            )
    return found


# FHIR discharge-disposition codes in the words of the WS 364 离院方式 value domain.
DISPOSITION = {
    "home": "医嘱离院",
    "other-hcf": "医嘱转院",
    "hosp": "医嘱转院",
    "long": "医嘱转社区卫生服务机构",
    "aadvice": "非医嘱离院",
    "exp": "死亡",
    "oth": "其他",
}


def discharge_text(record: EncounterRecord) -> str:
    """A short account of the stay from the Encounter (period, department, disposition)."""
    encounter = record.encounter
    period = encounter.get("period", {})
    parts = []
    if period.get("start"):
        parts.append(f"入院时间 {period['start'][:16].replace('T', ' ')}")
    if period.get("end"):
        parts.append(f"出院时间 {period['end'][:16].replace('T', ' ')}")
    department = concept_text(encounter.get("serviceType"))
    if department:
        parts.append(f"科室 {department}")
    concept = (encounter.get("hospitalization") or {}).get("dischargeDisposition")
    code = str(((concept or {}).get("coding") or [{}])[0].get("code", ""))
    disposition = DISPOSITION.get(code) or concept_text(concept)
    if disposition:
        parts.append(f"离院方式 {disposition}")
    return "；".join(parts)


def reason_text(record: EncounterRecord) -> str:
    """The chief complaint (主诉) as the Encounter records it: its reasons for the visit."""
    reasons = [concept_text(reason) for reason in record.encounter.get("reasonCode") or []]
    return "；".join(reason for reason in reasons if reason)


def section(spec: SectionSpec, record: EncounterRecord) -> Section:
    """One section of the template with the entries its feed takes from the record."""
    feeds: dict[str, Callable[[], list[Entry]]] = {
        "diagnoses": lambda: diagnoses(record),
        "notifiable": lambda: notifiable(record),
        "vitals": lambda: observations(record, "vital-signs"),
        "labs": lambda: observations(record, "laboratory"),
        "medications": lambda: medications(record),
        "procedures": lambda: procedures(record),
        "immunizations": lambda: immunizations(record),
        "discharge": list,
        "reason": list,
        "not-recorded": list,  # a required section the FHIR data has nothing for: 无
    }
    narratives: dict[str, Callable[[], str]] = {
        "discharge": lambda: discharge_text(record),
        "reason": lambda: reason_text(record),
    }
    narrative = narratives[spec.feed]() if spec.feed in narratives else ""
    return Section(spec, tuple(feeds[spec.feed]()), narrative)


def sections(template: DocumentTemplate, record: EncounterRecord) -> list[Section]:
    """The template's sections with their data; optional sections without data are left out."""
    built = [section(spec, record) for spec in template.sections]
    return [s for s in built if s.spec.required or s.entries or s.narrative]


def confidentiality(record: EncounterRecord, classify: Classifier | None = None) -> str:
    """R (restricted) when a resource carries a sensitive label or, by `classify`, falls in a
    sensitive category by what its codes mean (HIV, mental health …); else N."""
    for resource in record.resources():
        if labelled(resource) or (classify is not None and classify(resource)):
            return "R"
    return "N"


def patient_ids(template: DocumentTemplate, record: EncounterRecord) -> list[tuple[str, str]]:
    """(root, extension) of the patient: the citizen ID, then the record number."""
    ids = []
    citizen = identifier_with_root(record.patient, CITIZEN_ID_ROOT)
    if citizen is not None:
        ids.append((CITIZEN_ID_ROOT, citizen[1]))
    for root in filter(None, (template.mrn_root, "2.16.156.10011.1.11", "2.16.156.10011.1.12")):
        mrn = identifier_with_root(record.patient, root)
        if mrn is not None:
            ids.append(mrn)
            break
    return ids


def sex(record: EncounterRecord) -> tuple[str, str]:
    code = sex_code(record.patient)
    return code, SEX_NAMES[code]
