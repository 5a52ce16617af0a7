"""A Patient whose citizen ID fails GB 11643 is kept, flagged by the server and answered with a
warning that never spells the number out — on every write path (ADR 0027)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from kangtong.cli.load import load_paths
from kangtong.core.ids import citizen_id_check
from kangtong.fhir.access import AccessContext
from kangtong.fhir.identifier_flags import CHECK_FAILED
from kangtong.platform import Platform
from tests.api.fixtures import CITIZEN_ID, patient

VALID = "110101199003070011"
BAD_CHECK = "110101199003070012"  # the check character should be 1
BAD_DATE = "110101199002300014"  # 30 February (check character right)
BAD_AREA = "990101199003070015"  # 99 is no province (check character right)
FUTURE = "110101209903070013"  # born in 2099 (check character right)


def flags(resource: dict[str, Any], position: int = 0) -> list[str]:
    identifier = resource["identifier"][position]
    return [e["valueCode"] for e in identifier.get("extension", []) if e["url"] == CHECK_FAILED]


def create(client: TestClient, resource: dict[str, Any], **headers: str) -> Any:
    return client.post("/fhir/Patient", content=orjson.dumps(resource), headers=headers)


@pytest.mark.parametrize(
    ("number", "rule"),
    [(BAD_CHECK, "check"), (BAD_DATE, "date"), (BAD_AREA, "area"), (FUTURE, "date")],
)
def test_a_bad_citizen_id_is_stored_flagged_with_the_rule_it_breaks(
    client: TestClient, number: str, rule: str
) -> None:
    assert [r.code for r in citizen_id_check(number).reasons] in ([rule], [])  # [] for FUTURE
    response = create(client, patient(citizen_id=number))
    assert response.status_code == 201, response.text
    assert rule in flags(response.json())
    stored = client.get(f"/fhir/Patient/{response.json()['id']}").json()
    assert flags(stored) == flags(response.json())
    assert stored["identifier"][0]["value"] == number  # the hospital's record, unchanged


def test_the_warning_names_the_element_and_the_rule_but_not_the_number(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    resource = patient(citizen_id=BAD_CHECK)
    resource["identifier"].insert(0, {"system": "urn:oid:1.2.3", "value": "MRN-1"})
    response = create(client, resource, prefer="return=OperationOutcome")
    assert response.status_code == 201
    issues = response.json()["issue"]
    warning = next(i for i in issues if i["severity"] == "warning")
    assert warning["code"] == "business-rule"
    assert warning["expression"] == ["Patient.identifier[1].value"]
    assert "校验码不符" in warning["diagnostics"]
    assert "check character does not match" in warning["diagnostics"]
    assert BAD_CHECK not in response.text
    assert BAD_CHECK[6:14] not in warning["diagnostics"]  # not even the birth date part
    assert BAD_CHECK not in caplog.text


def test_a_client_asking_for_the_resource_gets_a_warning_header(client: TestClient) -> None:
    response = create(client, patient(citizen_id=BAD_CHECK))
    assert response.headers["warning"].startswith('299 kangtong "Patient.identifier[0].value:')
    assert BAD_CHECK not in response.headers["warning"]
    clean = create(client, patient(citizen_id=VALID))
    assert "warning" not in clean.headers
    assert flags(clean.json()) == []


def test_the_warning_header_stays_short_however_many_numbers_fail(client: TestClient) -> None:
    """Three warnings spelled out in English, the rest counted: a proxy never refuses it."""
    many = patient(citizen_id=BAD_CHECK)
    many["identifier"] = [{"system": CITIZEN_ID, "value": BAD_CHECK} for _ in range(40)]
    response = create(client, many)
    assert response.status_code == 201
    header = response.headers["warning"]
    assert len(header) < 1024
    assert header.count('299 kangtong "Patient.identifier[') == 3
    assert header.endswith('"37 more warnings: ask with Prefer: return=OperationOutcome"')
    assert '"Patient.identifier[0].value: The citizen ID number fails its GB 11643 check' in header


def test_a_client_cannot_forge_or_keep_the_flag(client: TestClient) -> None:
    forged = patient(citizen_id=VALID)
    forged["identifier"][0]["extension"] = [{"url": CHECK_FAILED, "valueCode": "check"}]
    assert flags(create(client, forged).json()) == []
    bad = create(client, patient(citizen_id=BAD_CHECK)).json()
    hidden = {**bad, "identifier": [{"system": CITIZEN_ID, "value": BAD_CHECK}]}
    again = client.put(f"/fhir/Patient/{bad['id']}", content=orjson.dumps(hidden))
    assert (again.status_code, flags(again.json())) == (200, ["check"])
    corrected = {**bad, "identifier": [{**bad["identifier"][0], "value": VALID}]}
    fixed = client.put(f"/fhir/Patient/{bad['id']}", content=orjson.dumps(corrected))
    assert (fixed.status_code, flags(fixed.json())) == (200, [])
    assert "extension" not in fixed.json()["identifier"][0]


def test_a_transaction_entry_carries_the_warning_in_its_outcome(client: TestClient) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": patient(citizen_id=BAD_DATE),
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "resource": patient(citizen_id=VALID),
                "request": {"method": "POST", "url": "Patient"},
            },
        ],
    }
    response = client.post("/fhir", content=orjson.dumps(bundle))
    assert response.status_code == 200, response.text
    first, second = (e["response"] for e in response.json()["entry"])
    assert first["status"] == "201 Created"
    issue = first["outcome"]["issue"][0]
    assert (issue["severity"], issue["expression"]) == ("warning", ["Patient.identifier[0].value"])
    assert "outcome" not in second
    assert BAD_DATE not in response.text


def test_kangtong_load_keeps_a_patient_with_a_bad_citizen_id(
    platform: Platform, tmp_path: Path
) -> None:
    lines = tmp_path / "hospital.ndjson"
    lines.write_bytes(orjson.dumps(patient(citizen_id=BAD_CHECK) | {"id": "p1"}) + b"\n")
    bundle = tmp_path / "hospital-bundle.json"
    entry = {
        "resource": patient(citizen_id=BAD_AREA) | {"id": "p2"},
        "request": {"method": "PUT", "url": "Patient/p2"},
    }
    bundle.write_bytes(
        orjson.dumps({"resourceType": "Bundle", "type": "transaction", "entry": [entry]})
    )
    report = load_paths(platform, [lines, bundle], batch_size=10, show=False)
    assert (report.loaded, report.rejected, report.flagged) == (2, 0, 2)
    for patient_id, rule in (("p1", "check"), ("p2", "area")):
        stored = platform.service.read(AccessContext.system(), "Patient", patient_id)
        assert stored.content is not None
        assert flags(orjson.loads(stored.content)) == [rule]


def test_pixm_never_cross_references_by_a_flagged_number(
    client: TestClient, platform: Platform
) -> None:
    """Two hospitals wrote the same placeholder for two different people: asking PIXm about
    that number must not answer with one of them (the other's hospital would get a stranger's
    record numbers). A valid number still cross-references."""
    from tests.api.test_mpi_faces import ingest
    from tests.unit.mpi.test_service import HOSPITAL_A, HOSPITAL_B
    from tests.unit.mpi.test_service import patient as source_patient

    placeholder = "000000000000000000"
    ingest(
        client,
        platform,
        source_patient("pa", HOSPITAL_A, "A1", "张伟", "male", "1980-03-05", id_number=placeholder),
        source_patient(
            "pb", HOSPITAL_B, "B1", "李娜", "female", "1992-07-01", id_number=placeholder
        ),
        source_patient("pc", HOSPITAL_A, "A2", "王芳", "female", "1990-03-07", id_number=VALID),
    )
    pix = "/fhir/Patient/$ihe-pix"
    refused = client.get(pix, params={"sourceIdentifier": f"{CITIZEN_ID}|{placeholder}"})
    assert refused.status_code == 404, refused.text
    assert "A1" not in refused.text and "B1" not in refused.text
    assert placeholder not in refused.text
    answered = client.get(pix, params={"sourceIdentifier": f"{CITIZEN_ID}|{VALID}"})
    assert answered.status_code == 200, answered.text
    assert {"system": HOSPITAL_A, "value": "A2"} in [
        p["valueIdentifier"]
        for p in answered.json()["parameter"]
        if p["name"] == "targetIdentifier"
    ]
