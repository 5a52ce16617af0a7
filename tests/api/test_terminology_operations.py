"""Terminology operations over HTTP, on SQLite and PostgreSQL, against the shipped terminology."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.terminology.shipped import install_shipped

ICD = "urn:oid:2.16.156.10011.2.3.3.11"
SEX = "urn:oid:2.16.156.10011.2.3.3.4"
ICD_VS = "https://kangtong.example/fhir/ValueSet/icd10-cn"
NOTIFIABLE = "https://kangtong.example/fhir/CodeSystem/notifiable-disease"


@pytest.fixture
def terminology_client(platform: Platform, client: TestClient) -> Iterator[TestClient]:
    install_shipped(platform.terminology, AccessContext.system("test"))
    yield client


REPEATED = ("match", "property", "designation")


def params(body: dict[str, Any]) -> dict[str, Any]:
    """Parameters → {name: value}; repeated names (match, property …) → [parts, …]."""
    out: dict[str, Any] = {}
    for item in body["parameter"]:
        if item["name"] in REPEATED:
            out.setdefault(item["name"], []).append(item["part"])
        else:
            out[item["name"]] = next(v for k, v in item.items() if k.startswith("value"))
    return out


def test_expand_finds_hypertension_by_initials(terminology_client: TestClient) -> None:
    response = terminology_client.get(
        "/fhir/ValueSet/$expand", params={"url": ICD_VS, "filter": "gxy", "count": "3"}
    )
    assert response.status_code == 200
    expansion = response.json()["expansion"]
    assert expansion["total"] >= 4
    assert len(expansion["contains"]) == 3
    assert all("高血压" in c["display"] for c in expansion["contains"])


def test_expand_by_instance_id_and_by_post(terminology_client: TestClient) -> None:
    by_id = terminology_client.get("/fhir/ValueSet/icd10-cn/$expand?filter=I10")
    posted = terminology_client.post(
        "/fhir/ValueSet/$expand",
        json={
            "resourceType": "Parameters",
            "parameter": [
                {"name": "url", "valueUri": ICD_VS},
                {"name": "filter", "valueString": "I10"},
            ],
        },
    )
    assert by_id.json()["expansion"]["contains"][0]["code"] == "I10"
    assert posted.json()["expansion"]["contains"] == by_id.json()["expansion"]["contains"]


def test_expand_an_inline_value_set_with_an_is_a_filter(terminology_client: TestClient) -> None:
    value_set = {
        "resourceType": "ValueSet",
        "status": "active",
        "compose": {
            "include": [
                {"system": ICD, "filter": [{"property": "concept", "op": "is-a", "value": "I11"}]}
            ]
        },
    }
    response = terminology_client.post(
        "/fhir/ValueSet/$expand",
        json={
            "resourceType": "Parameters",
            "parameter": [{"name": "valueSet", "resource": value_set}],
        },
    )
    assert [c["code"] for c in response.json()["expansion"]["contains"]] == ["I11", "I11.9"]


def test_lookup_returns_display_and_properties(terminology_client: TestClient) -> None:
    response = terminology_client.get(
        "/fhir/CodeSystem/$lookup", params={"system": NOTIFIABLE, "code": "B11.1"}
    )
    body = params(response.json())
    assert body["display"] == "肺炭疽"
    properties = {p[0]["valueCode"]: p[1] for p in body["property"]}
    assert properties["reportDeadlineHours"] == {"name": "value", "valueInteger": 2}
    assert properties["class"]["valueCoding"]["code"] == "乙"
    assert properties["parent"] == {"name": "value", "valueCode": "B11"}


def test_lookup_of_an_unknown_code_is_404(terminology_client: TestClient) -> None:
    response = terminology_client.get("/fhir/CodeSystem/$lookup?system=" + SEX + "&code=7")
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"


def test_validate_code_accepts_a_synth_diagnosis_and_rejects_a_wrong_display(
    terminology_client: TestClient,
) -> None:
    good = terminology_client.get(
        "/fhir/ValueSet/$validate-code",
        params={"url": ICD_VS, "system": ICD, "code": "E11.9", "display": "2型糖尿病不伴有并发症"},
    )
    wrong = terminology_client.get(
        "/fhir/ValueSet/icd10-cn/$validate-code",
        params={"system": ICD, "code": "E11.9", "display": "高血压"},
    )
    absent = terminology_client.get(
        "/fhir/ValueSet/$validate-code", params={"url": ICD_VS, "code": "Z99.9"}
    )
    assert params(good.json())["result"] is True
    assert params(wrong.json())["result"] is False
    assert params(absent.json())["result"] is False


def test_validate_code_with_a_codeable_concept(terminology_client: TestClient) -> None:
    response = terminology_client.post(
        "/fhir/ValueSet/gb2261-1-sex/$validate-code",
        json={
            "resourceType": "Parameters",
            "parameter": [
                {
                    "name": "codeableConcept",
                    "valueCodeableConcept": {
                        "coding": [
                            {"system": "http://example.org", "code": "x"},
                            {"system": SEX, "code": "2", "display": "女性"},
                        ]
                    },
                }
            ],
        },
    )
    assert params(response.json())["result"] is True


def test_code_system_validate_code(terminology_client: TestClient) -> None:
    response = terminology_client.get(
        "/fhir/CodeSystem/$validate-code", params={"url": SEX, "code": "9"}
    )
    assert params(response.json())["result"] is True


def test_translate_gb_sex_to_administrative_gender_and_back(terminology_client: TestClient) -> None:
    forward = terminology_client.get(
        "/fhir/ConceptMap/$translate",
        params={
            "system": SEX,
            "code": "2",
            "targetsystem": "http://hl7.org/fhir/administrative-gender",
        },
    )
    back = terminology_client.get(
        "/fhir/ConceptMap/administrative-gender-to-gb2261-1/$translate",
        params={"system": "http://hl7.org/fhir/administrative-gender", "code": "female"},
    )
    (match,) = params(forward.json())["match"]
    assert match[1]["valueCoding"]["code"] == "female"
    (back_match,) = params(back.json())["match"]
    assert back_match[1]["valueCoding"]["code"] == "2"


def test_translate_a_diagnosis_to_its_notifiable_disease(terminology_client: TestClient) -> None:
    response = terminology_client.get(
        "/fhir/ConceptMap/$translate", params={"system": ICD, "code": "A22.1"}
    )
    targets = {m[1]["valueCoding"]["code"] for m in params(response.json())["match"]}
    assert targets == {"B11", "B11.1"}  # 炭疽 (category A22) and 肺炭疽 (A22.1)


def test_a_changed_code_system_is_seen_by_the_next_expand(
    terminology_client: TestClient,
) -> None:
    before = terminology_client.get(
        "/fhir/ValueSet/$expand", params={"url": ICD_VS, "filter": "xyz"}
    )
    assert before.json()["expansion"]["total"] == 0
    code_system = terminology_client.get("/fhir/CodeSystem/icd10-cn").json()
    code_system["concept"].append({"code": "X99", "display": "测试新病 xyz"})
    assert terminology_client.put("/fhir/CodeSystem/icd10-cn", json=code_system).status_code == 200
    after = terminology_client.get(
        "/fhir/ValueSet/$expand", params={"url": ICD_VS, "filter": "xyz"}
    )
    assert [c["code"] for c in after.json()["expansion"]["contains"]] == ["X99"]


def test_a_get_cannot_carry_a_complex_parameter(terminology_client: TestClient) -> None:
    response = terminology_client.get("/fhir/ValueSet/$expand?valueSet=x")
    assert response.status_code == 400
