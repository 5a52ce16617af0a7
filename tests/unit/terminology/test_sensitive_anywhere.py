"""HIV data is HIV data however it is coded and wherever it sits in a resource (issue 13,
finding 3, after review): in any element holding a concept, named only in words, with codes
written in other forms, under other names of ICD-10, in ICD-11, or as a LOINC test sent
without a display."""

from __future__ import annotations

from typing import Any

import pytest

from kangtong.security.roles import CONFORMANCE, DIRECTORY
from kangtong.security.sensitivity import DEFINITIONAL, Sensitivity, SensitivityClassifier
from kangtong.terminology.sensitive_rules import SensitiveCodeRules, shipped_sensitive_value_sets

HIV = Sensitivity.HIV
ICD10_WHO = "http://hl7.org/fhir/sid/icd-10"
LOINC = "http://loinc.org"
CLASSIFY = SensitivityClassifier(SensitiveCodeRules(shipped_sensitive_value_sets(), lambda _: None))
SUBJECT = {"reference": "Patient/p"}


def _coded(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display is not None:
        coding["display"] = display
    return {"coding": [coding]}


B20 = _coded(ICD10_WHO, "B20")


def _condition(code: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Condition", "subject": SUBJECT, "code": code}


ELSEWHERE = {
    "ClinicalImpression.finding.itemCodeableConcept": {
        "resourceType": "ClinicalImpression", "status": "completed", "subject": SUBJECT,
        "finding": [{"itemCodeableConcept": B20}],
    },
    "Composition.section.code": {
        "resourceType": "Composition", "status": "final", "type": {"text": "出院小结"},
        "subject": SUBJECT, "date": "2026-01-01", "author": [{"display": "a"}], "title": "t",
        "section": [{"title": "诊断", "code": B20}],
    },
    "FamilyMemberHistory.condition.code": {
        "resourceType": "FamilyMemberHistory", "status": "completed", "patient": SUBJECT,
        "relationship": {"text": "母亲"}, "condition": [{"code": B20}],
    },
    "Claim.diagnosis.diagnosisCodeableConcept": {
        "resourceType": "Claim", "diagnosis": [{"sequence": 1, "diagnosisCodeableConcept": B20}],
    },
    "Observation.interpretation": {
        "resourceType": "Observation", "status": "final", "code": {"text": "x"},
        "interpretation": [B20],
    },
    "an extension's valueCoding": {
        "resourceType": "Patient",
        "extension": [{"url": "http://example.org/dx", "valueCoding": B20["coding"][0]}],
    },
}  # fmt: skip


@pytest.mark.parametrize("where", sorted(ELSEWHERE))
def test_a_hiv_code_in_any_element_makes_the_resource_hiv_data(where: str) -> None:
    assert CLASSIFY(ELSEWHERE[where]) == {HIV}


@pytest.mark.parametrize(
    "concept",
    [
        {"text": "艾滋病"},
        {"text": "HIV infection"},
        {"text": "人类免疫缺陷病毒感染"},
        {"text": "Acquired immunodeficiency syndrome (AIDS)"},
        {"text": "ＨＩＶ抗体阳性"},  # full-width letters
        _coded("http://hospital.example/lab", "L0042", "HIV抗体初筛"),  # a local code list
        # Second review: variants and disguises of the same words.
        {"text": "爱滋病"},  # a common mainland variant
        {"text": "愛滋病"},  # traditional characters
        {"text": "人類免疫缺陷病毒"},
        {"text": "H\u200bIV 感染"},  # a zero-width space inside the word
        {"text": "既往史：" + "无特殊。" * 100 + "艾滋病"},  # the name after 300 characters
        {"text": "艾滋病", "_text": {"extension": []}},  # the text with its primitive extension
    ],
)
def test_a_concept_that_names_hiv_in_words_is_hiv_data(concept: dict[str, Any]) -> None:
    assert CLASSIFY(_condition(concept)) == {HIV}


@pytest.mark.parametrize(
    "concept",
    [{"text": "高血压"}, {"text": "Hearing aids fitted"}, {"text": "Archived"}],
)
def test_words_that_do_not_name_hiv_do_not_make_data_hiv(concept: dict[str, Any]) -> None:
    assert CLASSIFY(_condition(concept)) == frozenset()


@pytest.mark.parametrize("code", ["B 20", "Ｂ２０", "b 20.0", "Ｂ20", "ｂ２３．８"])
def test_an_icd10_code_written_in_another_form_is_still_recognised(code: str) -> None:
    assert CLASSIFY(_condition(_coded(ICD10_WHO, code))) == {HIV}


@pytest.mark.parametrize(
    "system",
    [
        "urn:oid:2.16.840.1.113883.6.3",  # HL7's OID for ICD-10
        "http://hl7.org/fhir/sid/icd-10/",
        "HTTP://HL7.ORG/fhir/sid/icd-10",
        "http://hl7.org/fhir/sid/icd-10-cn",
        "urn:oid:2.16.840.1.113883.6.90",  # ICD-10-CM
        " urn:oid:2.16.156.10011.2.3.3.11 ",
    ],
)
def test_icd10_under_another_name_of_its_system_is_still_recognised(system: str) -> None:
    assert CLASSIFY(_condition(_coded(system, "B20"))) == {HIV}


ICD11 = "http://id.who.int/icd/release/11/mms"


@pytest.mark.parametrize("code", ["1C60", "1C60.Z", "1C62.Z", "1C62.0", "1c61"])
def test_icd11_hiv_disease_is_hiv_data(code: str) -> None:
    assert CLASSIFY(_condition(_coded(ICD11, code))) == {HIV}


def test_other_icd11_codes_are_not_hiv_data() -> None:
    assert CLASSIFY(_condition(_coded(ICD11, "BA00"))) == frozenset()  # essential hypertension


@pytest.mark.parametrize(
    "code",
    ["7918-6", "29893-5", "5221-7", "75622-1", "31201-7", "43009-0", "49580-4", "48345-3",
     "25836-8", "29541-0", "62469-2", "7919-4", "21333-0", "７９１８－６"],
)  # fmt: skip
def test_a_loinc_hiv_test_sent_without_a_display_is_hiv_data(code: str) -> None:
    observation = {"resourceType": "Observation", "status": "final", "code": _coded(LOINC, code)}
    assert CLASSIFY(observation) == {HIV}


def test_definitions_that_mention_hiv_are_not_hiv_data() -> None:
    questionnaire = {
        "resourceType": "Questionnaire", "status": "active",
        "item": [{"linkId": "1", "text": "HIV 检测结果", "type": "choice",
                  "code": [{"system": ICD10_WHO, "code": "B20"}]}],
    }  # fmt: skip
    assert CLASSIFY(questionnaire) == frozenset()
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": questionnaire}]}  # fmt: skip
    assert CLASSIFY(bundle) == frozenset()
    glucose = {"resourceType": "Observation", "status": "final", "code": {"text": "血糖"},
               "contained": [questionnaire]}  # fmt: skip
    assert CLASSIFY(glucose) == frozenset()  # a contained form asking about HIV is not HIV data
    assert DEFINITIONAL == CONFORMANCE | DIRECTORY  # one list, kept in two places


def test_a_contained_hiv_condition_makes_its_container_hiv_data() -> None:
    report = {"resourceType": "DiagnosticReport", "status": "final", "code": {"text": "x"},
              "contained": [_condition(B20)]}  # fmt: skip
    assert CLASSIFY(report) == {HIV}


@pytest.mark.parametrize(
    "entry",
    [
        {"resourceType": "HealthcareService", "name": "VCT",
         "type": [{"text": "艾滋病自愿咨询检测"}]},
        {"resourceType": "Organization", "name": "疾控中心",
         "type": [{"coding": [{"system": "http://example.org/org-type", "code": "aids",
                               "display": "AIDS prevention centre"}]}]},
        {"resourceType": "PractitionerRole", "specialty": [{"text": "HIV medicine"}]},
    ],
    ids=["HealthcareService", "Organization", "PractitionerRole"],
)  # fmt: skip
def test_a_directory_entry_naming_hiv_services_is_not_hiv_data(entry: dict[str, Any]) -> None:
    assert CLASSIFY(entry) == frozenset()
