"""抗菌药物分级: restricted and special antibiotics only from practitioners who hold the grade."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from kangtong.core.errors import Unprocessable
from kangtong.core.ids.gb11643 import make_citizen_id
from kangtong.core.ids.gb32100 import make_credit_code
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.registry.antibiotic_grades import (
    ANTIBIOTIC_GRADE_MAP,
    AntibioticCatalogue,
    starter_concept_map,
)
from kangtong.registry.grants import Grant
from kangtong.registry.institutions import Institution
from kangtong.registry.practitioners import HealthWorker, Licence, Role
from kangtong.synth.systems import MEDICINE
from kangtong.synth.tables.clinical import MEDICINES

CTX = AccessContext.system("test")
D = dt.date
MEROPENEM = ("KT-M043", "注射用美罗培南 0.5g")  # 特殊使用级 in the starter list
MOXIFLOXACIN = ("KT-M040", "盐酸莫西沙星片 0.4g")  # 限制使用级
AMOXICILLIN = ("KT-M001", "阿莫西林胶囊 0.25g")  # 非限制使用级


def hospital(platform: Platform, n: int) -> str:
    uscc = make_credit_code("12", "520102", f"{n:08d}")
    made = platform.registries.organizations.register(
        CTX, Institution(f"第{n}人民医院", uscc, "general-hospital", "2A")
    )
    return str(made.id)


def doctor(platform: Platform, *orgs: str, n: int = 1) -> str:
    citizen_id = make_citizen_id("520102", D(1980, 1, n), 121 + 2 * n)
    worker = HealthWorker("张明", citizen_id, (Licence("doctor", f"11052010000{n:04d}"),))
    practitioner_id = str(platform.registries.practitioners.register(CTX, worker).id)
    for org in orgs:
        platform.registries.practitioners.add_role(
            CTX, Role(practitioner_id, org, start=D(2020, 1, 1))
        )
    return practitioner_id


def grant(platform: Platform, practitioner: str, org: str, grade: str, **period: Any) -> None:
    start = period.get("start", D(2020, 1, 1))
    platform.registries.privileges.grant(
        CTX, Grant(practitioner, org, "antibiotic", start, period.get("end"), level=grade)
    )


def request(drug: tuple[str, str], requester: str | None, **extra: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {
            "coding": [{"system": MEDICINE, "code": drug[0], "display": drug[1]}]
        },
        "subject": {"reference": "Patient/p1"},
        "authoredOn": "2026-03-02T09:00:00+08:00",
    }
    if requester is not None:
        resource["requester"] = {"reference": requester}
    return resource | extra


def post(client: TestClient, resource: dict[str, Any]) -> Any:
    return client.post("/fhir/MedicationRequest", content=orjson.dumps(resource))


def diagnostics(response: Any) -> str:
    return str(response.json()["issue"][0]["diagnostics"])


def test_special_grade_antibiotic_from_a_restricted_grade_doctor_is_refused_naming_both_grades(
    platform: Platform, client: TestClient
) -> None:
    org = hospital(platform, 1)
    practitioner = doctor(platform, org)
    grant(platform, practitioner, org, "restricted")
    response = post(client, request(MEROPENEM, f"Practitioner/{practitioner}"))
    assert response.status_code == 422, response.text
    text = diagnostics(response)
    assert "特殊使用级" in text and "限制使用级" in text
    assert f"Practitioner/{practitioner}" in text and f"Organization/{org}" in text
    assert response.json()["issue"][0]["expression"] == ["MedicationRequest.requester"]
    assert client.get("/fhir/MedicationRequest?_summary=count").json()["total"] == 0


def test_a_doctor_holding_the_special_grade_may_prescribe_special_and_restricted_drugs(
    platform: Platform, client: TestClient
) -> None:
    org = hospital(platform, 1)
    practitioner = doctor(platform, org)
    grant(platform, practitioner, org, "special")
    assert post(client, request(MEROPENEM, f"Practitioner/{practitioner}")).status_code == 201
    assert post(client, request(MOXIFLOXACIN, f"Practitioner/{practitioner}")).status_code == 201


def test_a_doctor_without_any_grade_is_told_so(platform: Platform, client: TestClient) -> None:
    org = hospital(platform, 1)
    practitioner = doctor(platform, org)
    response = post(client, request(MOXIFLOXACIN, f"Practitioner/{practitioner}"))
    assert response.status_code == 422
    assert "holds no antibiotic grade" in diagnostics(response)
    assert "限制使用级" in diagnostics(response)


def test_non_restricted_antibiotics_need_no_grant_and_no_requester(client: TestClient) -> None:
    assert post(client, request(AMOXICILLIN, None)).status_code == 201


def test_a_grade_counts_only_on_days_within_its_period(
    platform: Platform, client: TestClient
) -> None:
    org = hospital(platform, 1)
    practitioner = doctor(platform, org)
    grant(platform, practitioner, org, "restricted", start=D(2026, 3, 10))
    early = request(MOXIFLOXACIN, f"Practitioner/{practitioner}")
    assert post(client, early).status_code == 422
    later = early | {"authoredOn": "2026-03-10"}
    assert post(client, later).status_code == 201


def test_a_grade_held_at_another_institution_does_not_count(
    platform: Platform, client: TestClient
) -> None:
    first, second = hospital(platform, 1), hospital(platform, 2)
    practitioner = doctor(platform, first, second)
    grant(platform, practitioner, first, "special")
    ambiguous = post(client, request(MEROPENEM, f"Practitioner/{practitioner}"))
    assert ambiguous.status_code == 422
    assert "2 institutions" in diagnostics(ambiguous)
    roles = client.get(f"/fhir/PractitionerRole?practitioner=Practitioner/{practitioner}").json()
    role_at = {
        e["resource"]["organization"]["reference"]: e["resource"]["id"] for e in roles["entry"]
    }
    at_second = post(
        client, request(MEROPENEM, f"PractitionerRole/{role_at[f'Organization/{second}']}")
    )
    assert at_second.status_code == 422
    assert f"Organization/{second}" in diagnostics(at_second)
    at_first = request(MEROPENEM, f"PractitionerRole/{role_at[f'Organization/{first}']}")
    assert post(client, at_first).status_code == 201


def test_the_encounters_service_provider_names_the_institution(
    platform: Platform, client: TestClient
) -> None:
    first, second = hospital(platform, 1), hospital(platform, 2)
    practitioner = doctor(platform, first, second)
    grant(platform, practitioner, second, "restricted")
    encounter = {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": "AMB",
        },
        "serviceProvider": {"reference": f"Organization/{second}"},
    }
    encounter_id = client.post("/fhir/Encounter", content=orjson.dumps(encounter)).json()["id"]
    resource = request(
        MOXIFLOXACIN,
        f"Practitioner/{practitioner}",
        encounter={"reference": f"Encounter/{encounter_id}"},
    )
    assert post(client, resource).status_code == 201


@pytest.mark.parametrize(
    ("requester", "expected"),
    [
        (None, "no requester"),
        ("Practitioner/unknown-doctor", "is not registered"),
        ("PractitionerRole/unknown-role", "is not registered"),
        ("Organization/some-hospital", "only practitioners hold antibiotic grades"),
    ],
)
def test_graded_requests_without_a_known_practitioner_are_refused(
    client: TestClient, requester: str | None, expected: str
) -> None:
    response = post(client, request(MEROPENEM, requester))
    assert response.status_code == 422
    assert expected in diagnostics(response)


def test_a_graded_request_needs_authored_on(platform: Platform, client: TestClient) -> None:
    org = hospital(platform, 1)
    practitioner = doctor(platform, org)
    resource = request(MEROPENEM, f"Practitioner/{practitioner}")
    del resource["authoredOn"]
    response = post(client, resource)
    assert response.status_code == 422
    assert response.json()["issue"][0]["expression"] == ["MedicationRequest.authoredOn"]


def test_a_medication_reference_is_followed_to_its_code(client: TestClient) -> None:
    medication = {
        "resourceType": "Medication",
        "code": {"coding": [{"system": MEDICINE, "code": MEROPENEM[0]}]},
    }
    med_id = client.post("/fhir/Medication", content=orjson.dumps(medication)).json()["id"]
    resource = request(MEROPENEM, "Practitioner/nobody")
    del resource["medicationCodeableConcept"]
    resource["medicationReference"] = {"reference": f"Medication/{med_id}"}
    assert post(client, resource).status_code == 422


def test_a_stored_catalogue_replaces_the_starter_list(client: TestClient) -> None:
    catalogue = starter_concept_map()
    for element in catalogue["group"][0]["element"]:
        if element["code"] == AMOXICILLIN[0]:
            element["target"][0]["code"] = "special"
    response = client.put(f"/fhir/ConceptMap/{catalogue['id']}", content=orjson.dumps(catalogue))
    assert response.status_code in (200, 201), response.text
    assert response.json()["url"] == ANTIBIOTIC_GRADE_MAP
    refused = post(client, request(AMOXICILLIN, None))
    assert refused.status_code == 422
    assert "特殊使用级" in diagnostics(refused)


def test_a_catalogue_change_applies_to_the_next_prescription(client: TestClient) -> None:
    assert post(client, request(AMOXICILLIN, None)).status_code == 201  # non-restricted
    catalogue = starter_concept_map()
    for element in catalogue["group"][0]["element"]:
        if element["code"] == AMOXICILLIN[0]:
            element["target"][0]["code"] = "special"
    client.put(f"/fhir/ConceptMap/{catalogue['id']}", content=orjson.dumps(catalogue))
    assert post(client, request(AMOXICILLIN, None)).status_code == 422
    client.delete(f"/fhir/ConceptMap/{catalogue['id']}")
    assert post(client, request(AMOXICILLIN, None)).status_code == 201  # the starter list again


def test_the_rule_holds_inside_transaction_bundles(platform: Platform, client: TestClient) -> None:
    org = hospital(platform, 1)
    practitioner = doctor(platform, org)
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": request(MEROPENEM, f"Practitioner/{practitioner}"),
                "request": {"method": "POST", "url": "MedicationRequest"},
            }
        ],
    }
    response = client.post("/fhir", content=orjson.dumps(bundle))
    assert response.status_code == 422
    with pytest.raises(Unprocessable):
        platform.service.create(CTX, request(MEROPENEM, f"Practitioner/{practitioner}"))


def test_every_antibiotic_of_the_synthetic_district_is_in_the_starter_list() -> None:
    catalogue = AntibioticCatalogue.starter()
    for key, medicine in MEDICINES.items():
        graded = catalogue.strictest([(MEDICINE, medicine.code)])
        assert (graded is not None) == medicine.antibiotic, key


def test_the_starter_list_is_a_valid_concept_map(client: TestClient) -> None:
    response = client.post("/fhir/ConceptMap", content=orjson.dumps(starter_concept_map()))
    assert response.status_code == 201, response.text
