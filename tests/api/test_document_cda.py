"""`$document-cda` and `kangtong cda assemble`: an Encounter as a CDA document, read as the
caller may read the patient's record (issue 15)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from lxml import etree
from pydantic import ValidationError
from typer.testing import CliRunner

from kangtong.cli.main import app
from kangtong.core.config import Settings
from kangtong.core.ids.gb11643 import make_citizen_id
from kangtong.core.ids.gb32100 import make_credit_code
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.store.audit_log import AuditLogStore
from tests.api.conftest import bearer, token_for

ORG_A, ORG_B, DISTRICT = "org-a", "org-b", "520102"
NS = {"v3": "urn:hl7-org:v3"}
SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
CITIZEN_ID = make_citizen_id("520102", dt.date(1979, 3, 8), 35)
USCC = make_credit_code("12", "520102", "42950012")
runner = CliRunner()


def _system(org: str) -> AccessContext:
    return AccessContext(
        f"system/his-{org}", org, DISTRICT, frozenset({"institution-system"}),
        frozenset({"system/*.cruds"}),
    )  # fmt: skip


def _create(platform: Platform, resource: dict[str, Any]) -> str:
    return platform.service.create(_system(ORG_A), resource).resource.res_id


@pytest.fixture
def encounter(platform: Platform) -> str:
    """One outpatient visit at hospital A: a diagnosis, a glucose result and a prescription."""
    organization = _create(platform, {
        "resourceType": "Organization", "name": "云岩区人民医院",
        "identifier": [{"system": "urn:oid:2.16.156.10011.1.2", "value": USCC}],
    })  # fmt: skip
    practitioner = _create(platform, {
        "resourceType": "Practitioner", "name": [{"text": "李医生"}],
    })  # fmt: skip
    patient = _create(platform, {
        "resourceType": "Patient", "gender": "female", "birthDate": "1979-03-08",
        "name": [{"text": "张丽"}],
        "identifier": [
            {"system": "urn:oid:2.16.156.10011.1.3", "value": CITIZEN_ID},
            {"system": "urn:oid:2.16.156.10011.1.11.7", "value": "MZ0001"},
        ],
    })  # fmt: skip
    encounter_id = _create(platform, {
        "resourceType": "Encounter", "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": {"reference": f"Patient/{patient}"},
        "participant": [{"individual": {"reference": f"Practitioner/{practitioner}"}}],
        "period": {"start": "2024-05-01T09:00:00+08:00", "end": "2024-05-01T09:20:00+08:00"},
        "serviceProvider": {"reference": f"Organization/{organization}"},
    })  # fmt: skip
    subject, context = (
        {"reference": f"Patient/{patient}"},
        {"reference": f"Encounter/{encounter_id}"},
    )
    _create(platform, {
        "resourceType": "Condition", "subject": subject, "encounter": context,
        "code": {"coding": [{"system": "urn:oid:2.16.156.10011.2.3.3.11", "code": "E11.9",
                             "display": "2型糖尿病"}]},
    })  # fmt: skip
    _create(platform, {
        "resourceType": "Observation", "status": "final", "subject": subject, "encounter": context,
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "laboratory"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "2339-0", "display": "血糖"}]},
        "effectiveDateTime": "2024-05-01T09:10:00+08:00",
        "valueQuantity": {"value": 8.2, "unit": "mmol/L", "system": "http://unitsofmeasure.org",
                          "code": "mmol/L"},
        "referenceRange": [{"low": {"value": 3.9}, "high": {"value": 6.1}}],
    })  # fmt: skip
    _create(platform, {
        "resourceType": "MedicationRequest", "status": "active", "intent": "order",
        "subject": subject, "encounter": context,
        "medicationCodeableConcept": {"coding": [{"system": "https://example.org/medicine",
                                                  "code": "M1", "display": "二甲双胍片"}]},
        "dosageInstruction": [{"text": "0.5g 口服 每日2次"}],
    })  # fmt: skip
    return encounter_id


def test_a_document_with_sensitive_content_is_restricted(
    client: TestClient, platform: Platform, encounter: str
) -> None:
    document = client.get(f"/fhir/Encounter/{encounter}/$document-cda?type=C0002").content
    assert _tree(document).xpath("//v3:confidentialityCode/@code", namespaces=NS) == ["N"]
    stored = platform.service.read(_system(ORG_A), "Encounter", encounter).content
    assert stored is not None
    _create(platform, {
        "resourceType": "Condition", "encounter": {"reference": f"Encounter/{encounter}"},
        "subject": orjson.loads(stored)["subject"],
        "code": {"coding": [{"system": "urn:oid:2.16.156.10011.2.3.3.11", "code": "B20"}]},
    })  # fmt: skip
    document = client.get(f"/fhir/Encounter/{encounter}/$document-cda?type=C0002").content
    assert _tree(document).xpath("//v3:confidentialityCode/@code", namespaces=NS) == ["R"]


def _tree(body: bytes) -> Any:
    return etree.fromstring(body, SAFE)


def test_the_system_gets_the_document_with_the_encounters_coded_content(
    client: TestClient, settings: Settings, encounter: str
) -> None:
    response = client.get(f"/fhir/Encounter/{encounter}/$document-cda?type=C0002")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/hl7-cda+xml")
    tree = _tree(response.content)
    assert tree.xpath("/v3:ClinicalDocument/v3:code/@code", namespaces=NS) == ["C0002"]
    assert tree.xpath("/v3:ClinicalDocument/v3:id/@root", namespaces=NS) == [settings.document_oid]
    assert "E11.9" in tree.xpath("//v3:value/@code", namespaces=NS)
    assert tree.xpath("//v3:observation[v3:code/@code='2339-0']/v3:value/@unit", namespaces=NS) == [
        "mmol/L"
    ]
    assert tree.xpath("//v3:patientRole/v3:id/@extension", namespaces=NS) == [CITIZEN_ID, "MZ0001"]
    assert tree.xpath("string(//v3:representedCustodianOrganization/v3:id/@extension)",
                      namespaces=NS) == USCC  # fmt: skip


def test_a_clinician_without_a_care_relationship_is_refused(
    client: TestClient, platform: Platform, encounter: str
) -> None:
    elsewhere = bearer(token_for(platform, "clinician", org=ORG_B, district=DISTRICT,
                                 fhir_user="Practitioner/b"))  # fmt: skip
    response = client.get(f"/fhir/Encounter/{encounter}/$document-cda?type=C0002",
                          headers=elsewhere)  # fmt: skip
    assert response.status_code == 403
    assert "ClinicalDocument" not in response.text
    here = bearer(token_for(platform, "clinician", org=ORG_A, district=DISTRICT,
                            fhir_user="Practitioner/a"))  # fmt: skip
    response = client.get(f"/fhir/Encounter/{encounter}/$document-cda?type=C0002", headers=here)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("query", "status"),
    [("type=C9999", 400), ("", 400), ("type=C0002&unknown=1", 200)],
)
def test_the_type_is_checked_before_anything_is_read(
    client: TestClient, encounter: str, query: str, status: int
) -> None:
    response = client.get(f"/fhir/Encounter/{encounter}/$document-cda?{query}")
    assert response.status_code == status, response.text


def test_an_unknown_encounter_is_404_and_a_json_only_accept_is_406(
    client: TestClient, encounter: str
) -> None:
    assert client.get("/fhir/Encounter/nope/$document-cda?type=C0002").status_code == 404
    response = client.get(
        f"/fhir/Encounter/{encounter}/$document-cda?type=C0002",
        headers={"accept": "application/fhir+json"},
    )
    assert response.status_code == 406


def test_the_operation_is_declared_in_the_capability_statement(client: TestClient) -> None:
    statement = client.get("/fhir/metadata").json()
    encounter = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Encounter")
    names = {operation["name"] for operation in encounter.get("operation", [])}
    assert "document-cda" in names


def test_the_cli_writes_the_document_and_says_a_wrong_encounter_in_one_line(
    settings: Settings, encounter: str, tmp_path: Path
) -> None:
    out = tmp_path / "visit.xml"
    result = runner.invoke(app, ["cda", "assemble", "C0002", "--encounter", encounter,
                                 "--out", str(out), "--database-url", settings.database_url])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _tree(out.read_bytes()).xpath("//v3:value/@code", namespaces=NS)[0] == "E11.9"
    result = runner.invoke(app, ["cda", "assemble", "C0002", "--encounter", "nope",
                                 "--out", str(out), "--database-url", settings.database_url])  # fmt: skip
    assert result.exit_code == 1
    assert "Encounter/nope" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["cda", "assemble", "X1", "--encounter", encounter,
                                 "--out", str(out), "--database-url", settings.database_url])  # fmt: skip
    assert result.exit_code == 1 and "no document template" in result.output


def test_the_cli_says_an_unwritable_out_file_in_one_line(
    settings: Settings, encounter: str, tmp_path: Path
) -> None:
    out = tmp_path / "no-such-folder" / "visit.xml"
    result = runner.invoke(app, ["cda", "assemble", "C0002", "--encounter", encounter,
                                 "--out", str(out), "--database-url", settings.database_url])  # fmt: skip
    assert result.exit_code == 1
    assert result.output.strip() == f"kangtong: cannot write {out}: No such file or directory"


def test_the_document_oid_setting_must_be_an_oid() -> None:
    with pytest.raises(ValidationError):
        Settings(document_oid="2.16.156.x")


def test_the_document_is_audited_as_reads_of_the_record_and_a_refusal_as_denied(
    client: TestClient, platform: Platform, encounter: str
) -> None:
    elsewhere = bearer(token_for(platform, "clinician", org=ORG_B, district=DISTRICT,
                                 fhir_user="Practitioner/b"))  # fmt: skip
    client.get(f"/fhir/Encounter/{encounter}/$document-cda?type=C0002", headers=elsewhere)
    assert client.get(f"/fhir/Encounter/{encounter}/$document-cda?type=C0002").status_code == 200
    assert platform.security.audit_sink.writer.flush()
    with platform.db.read() as conn:
        rows = [(r.action, r.outcome, orjson.loads(r.event)) for r in AuditLogStore().rows(conn)]
    refs = {
        e["what"]["reference"]
        for action, outcome, event in rows
        if (action, outcome) == ("read", "success")
        for e in event.get("entity", [])
        if "reference" in e.get("what", {})
    }
    assert f"Encounter/{encounter}" in refs
    assert any(r.startswith("Patient/") for r in refs)
    assert ("read", "denied") in {(action, outcome) for action, outcome, _ in rows}
    assert ("search", "success") in {(action, outcome) for action, outcome, _ in rows}
