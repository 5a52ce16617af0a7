"""The registries from the command line and through their REST operations."""

from __future__ import annotations

import datetime as dt
import re

import orjson
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kangtong.cli.main import app
from kangtong.core.config import Settings
from kangtong.core.ids.gb11643 import make_citizen_id
from kangtong.core.ids.gb32100 import make_credit_code
from kangtong.platform import Platform

USCC = make_credit_code("12", "520102", "42950012")
CITIZEN_ID = make_citizen_id("520102", dt.date(1979, 3, 8), 35)
runner = CliRunner()


def kangtong(settings: Settings, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--database-url", settings.database_url])
    return result.exit_code, result.output


def registered_id(output: str) -> str:
    found = re.search(r"registered \w+/(\S+)", output)
    assert found, output
    return found.group(1)


def test_cli_refuses_a_bad_uscc_and_stores_nothing(settings: Settings, platform: Platform) -> None:
    bad = USCC[:-1] + ("0" if USCC[-1] != "0" else "1")
    code, output = kangtong(settings, "org", "register", "--name", "某医院", "--uscc", bad)
    assert code == 1
    assert "统一社会信用代码 is invalid" in output
    code, output = kangtong(settings, "org", "search", "--include-inactive")
    assert "某医院" not in output


def test_cli_registers_searches_updates_and_deactivates(
    settings: Settings, platform: Platform
) -> None:
    code, output = kangtong(
        settings, "org", "register", "--name", "云岩区人民医院", "--uscc", USCC,
        "--type", "general-hospital", "--level", "二级甲等", "--district-code", "520103",
    )  # fmt: skip
    assert code == 0, output
    org_id = registered_id(output)
    code, output = kangtong(settings, "org", "register", "--name", "重复", "--uscc", USCC)
    assert code == 1 and "already registered" in output
    code, output = kangtong(settings, "org", "search", "--name", "rmyy")
    assert org_id in output
    code, output = kangtong(settings, "org", "update", org_id, "--phone", "0851-1234")
    assert code == 0, output
    code, output = kangtong(settings, "org", "add-department", org_id, "--name", "内科")
    assert code == 0, output
    code, output = kangtong(settings, "org", "add-location", org_id, "--name", "门诊楼")
    assert code == 0, output
    code, output = kangtong(settings, "org", "show", org_id)
    assert (
        "二级甲等" in output and "0851-1234" in output and "内科" in output and "门诊楼" in output
    )
    code, output = kangtong(settings, "org", "deactivate", org_id)
    assert code == 0
    code, output = kangtong(settings, "org", "search", "--uscc", USCC)
    assert org_id not in output


def test_cli_practitioner_roles_and_privileges(settings: Settings, platform: Platform) -> None:
    _, output = kangtong(settings, "org", "register", "--name", "甲医院", "--uscc", USCC)
    org_id = registered_id(output)
    code, output = kangtong(
        settings, "practitioner", "register", "--name", "张明", "--citizen-id", CITIZEN_ID,
        "--doctor-licence", "110520100000123",
    )  # fmt: skip
    assert code == 0, output
    worker_id = registered_id(output)
    code, output = kangtong(settings, "practitioner", "show", worker_id)
    assert CITIZEN_ID not in output and CITIZEN_ID[:6] in output  # masked
    code, output = kangtong(settings, "practitioner", "search", "--licence", "110520100000123")
    assert worker_id in output
    code, output = kangtong(
        settings,
        "practitioner",
        "grant",
        worker_id,
        "--organization",
        org_id,
        "--privilege",
        "prescribe",
    )
    assert code == 1 and "holds no role" in output
    code, output = kangtong(
        settings, "practitioner", "add-role", worker_id, "--organization", org_id
    )
    assert code == 0, output
    code, output = kangtong(
        settings, "practitioner", "grant", worker_id, "--organization", org_id,
        "--privilege", "surgery", "--level", "3", "--start", "2024-01-01",
    )  # fmt: skip
    assert code == 0, output
    grant_id = re.search(r"granted Basic/(\S+)", output).group(1)  # type: ignore[union-attr]
    code, output = kangtong(
        settings,
        "practitioner",
        "privileges",
        worker_id,
        "--organization",
        org_id,
        "--date",
        "2024-06-01",
    )
    assert "手术级别: 3" in output
    code, output = kangtong(settings, "practitioner", "revoke", grant_id, "--on", "2024-06-01")
    assert code == 0 and "2024-05-31" in output
    code, output = kangtong(
        settings,
        "practitioner",
        "privileges",
        worker_id,
        "--organization",
        org_id,
        "--date",
        "2024-06-01",
    )
    assert "手术级别: none" in output


def test_rest_deactivate_and_privileges_operations(client: TestClient, platform: Platform) -> None:
    org = {
        "resourceType": "Organization",
        "name": "乙医院",
        "identifier": [{"system": "urn:oid:2.16.156.10011.1.2", "value": USCC}],
    }
    org_id = client.post("/fhir/Organization", content=orjson.dumps(org)).json()["id"]
    response = client.post(f"/fhir/Organization/{org_id}/$deactivate")
    assert response.status_code == 200, response.text
    assert response.json()["active"] is False
    assert response.json()["meta"]["versionId"] == "2"
    response = client.get(
        "/fhir/Practitioner/nobody/$privileges?organization=Organization/" + org_id
    )
    assert response.status_code == 404
    response = client.get("/fhir/Practitioner/nobody/$privileges")
    assert response.status_code == 400
