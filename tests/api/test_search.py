"""Search over the typed indexes: every parameter type, modifiers, prefixes, chains, includes."""

from __future__ import annotations

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.api.fixtures import glucose, patient


def post(client: TestClient, resource: dict) -> str:
    response = client.post(f"/fhir/{resource['resourceType']}", content=orjson.dumps(resource))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def ids(client: TestClient, query: str) -> set[str]:
    response = client.get(f"/fhir/{query}")
    assert response.status_code == 200, response.text
    return {
        e["resource"]["id"]
        for e in response.json().get("entry", [])
        if e["search"]["mode"] == "match"
    }


@pytest.fixture
def region(client: TestClient) -> dict[str, str]:
    wang = post(client, patient("王", "伟", citizen_id="110101199003070011"))
    li = post(
        client,
        patient("李", "娜", citizen_id="110101198502140028", gender="female", birth="1985-02-14"),
    )
    return {
        "wang": wang,
        "li": li,
        "wang_high": post(client, glucose(f"Patient/{wang}", 11.2, "2026-03-01T08:30:00+08:00")),
        "wang_normal": post(client, glucose(f"Patient/{wang}", 5.1, "2025-06-01T08:30:00+08:00")),
        "li_normal": post(client, glucose(f"Patient/{li}", 4.8, "2026-02-01T09:00:00+08:00")),
    }


def test_string_search_is_prefix_case_and_width_insensitive(
    client: TestClient, region: dict
) -> None:
    assert ids(client, "Patient?family=王") == {region["wang"]}
    assert ids(client, "Patient?name=王伟") == {region["wang"]}
    assert ids(client, "Patient?address-city=贵阳") == {region["wang"], region["li"]}
    assert ids(client, "Patient?family:exact=王伟") == set()
    assert ids(client, "Patient?name:contains=娜") == {region["li"]}


def test_token_search_with_and_without_system(client: TestClient, region: dict) -> None:
    assert ids(client, "Patient?gender=female") == {region["li"]}
    assert ids(client, "Patient?identifier=urn:oid:2.16.156.10011.1.3|110101198502140028") == {
        region["li"]
    }
    assert ids(client, "Patient?identifier=110101198502140028") == {region["li"]}
    assert ids(client, "Patient?identifier=http://other|110101198502140028") == set()
    assert ids(client, "Patient?gender:not=female") == {region["wang"]}
    assert ids(client, "Observation?code:text=血糖") == {
        region["wang_high"],
        region["wang_normal"],
        region["li_normal"],
    }


def test_or_and_and(client: TestClient, region: dict) -> None:
    assert ids(client, "Patient?gender=male,female") == {region["wang"], region["li"]}
    assert ids(client, "Patient?gender=male&birthdate=1985") == set()


def test_date_prefixes_and_precision(client: TestClient, region: dict) -> None:
    assert ids(client, "Patient?birthdate=1985") == {region["li"]}
    assert ids(client, "Patient?birthdate=1985-02") == {region["li"]}
    assert ids(client, "Patient?birthdate=lt1986-01-01") == {region["li"]}
    assert ids(client, "Patient?birthdate=ge1990-03-07") == {region["wang"]}
    assert ids(client, "Observation?date=ge2026-01-01") == {
        region["wang_high"],
        region["li_normal"],
    }
    assert ids(client, "Observation?date=2026-03-01") == {region["wang_high"]}
    assert ids(client, "Observation?date=sa2026-01-01") == {
        region["wang_high"],
        region["li_normal"],
    }
    assert ids(client, "Observation?date=eb2026-01-01") == {region["wang_normal"]}


def test_quantity_search(client: TestClient, region: dict) -> None:
    assert ids(client, "Observation?value-quantity=gt7") == {region["wang_high"]}
    assert ids(client, "Observation?value-quantity=5.1|http://unitsofmeasure.org|mmol/L") == {
        region["wang_normal"]
    }
    assert ids(client, "Observation?value-quantity=le5.1") == {
        region["wang_normal"],
        region["li_normal"],
    }


def test_composite_search(client: TestClient, region: dict) -> None:
    assert ids(client, "Observation?code-value-quantity=http://loinc.org|2345-7$gt10") == {
        region["wang_high"]
    }


def test_reference_search_forms(client: TestClient, region: dict) -> None:
    mine = {region["wang_high"], region["wang_normal"]}
    assert ids(client, f"Observation?subject=Patient/{region['wang']}") == mine
    assert ids(client, f"Observation?patient={region['wang']}") == mine
    assert ids(client, f"Observation?subject:Patient={region['wang']}") == mine


def test_patient_scoped_search_combines_criteria(client: TestClient, region: dict) -> None:
    query = f"Observation?subject=Patient/{region['wang']}&code=http://loinc.org|2345-7&date=ge2026-01-01"
    assert ids(client, query) == {region["wang_high"]}


def test_chained_and_reverse_chained_search(client: TestClient, region: dict) -> None:
    assert ids(client, "Observation?subject:Patient.gender=female") == {region["li_normal"]}
    assert ids(client, "Observation?patient.identifier=110101199003070011") == {
        region["wang_high"],
        region["wang_normal"],
    }
    assert ids(client, "Patient?_has:Observation:patient:value-quantity=gt10") == {region["wang"]}


def test_missing_modifier(client: TestClient, region: dict) -> None:
    assert ids(client, "Patient?death-date:missing=true") == {region["wang"], region["li"]}
    assert ids(client, "Patient?death-date:missing=false") == set()
    assert ids(client, "Patient?gender:missing=false") == {region["wang"], region["li"]}


def test_id_and_last_updated(client: TestClient, region: dict) -> None:
    assert ids(client, f"Patient?_id={region['li']}") == {region["li"]}
    assert ids(client, "Patient?_lastUpdated=gt2000-01-01") == {region["wang"], region["li"]}


def test_include_and_revinclude(client: TestClient, region: dict) -> None:
    bundle = client.get(
        f"/fhir/Observation?_id={region['li_normal']}&_include=Observation:subject"
    ).json()
    modes = {(e["resource"]["resourceType"], e["search"]["mode"]) for e in bundle["entry"]}
    assert modes == {("Observation", "match"), ("Patient", "include")}
    bundle = client.get(f"/fhir/Patient?_id={region['li']}&_revinclude=Observation:subject").json()
    assert {e["resource"]["id"] for e in bundle["entry"]} == {region["li"], region["li_normal"]}


def test_sort_count_and_stable_paging(client: TestClient, region: dict) -> None:
    first = client.get("/fhir/Observation?_sort=-date&_count=2").json()
    assert first["total"] == 3
    assert [e["resource"]["id"] for e in first["entry"]] == [
        region["wang_high"],
        region["li_normal"],
    ]
    next_url = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = client.get(next_url.replace("http://kangtong.test", "")).json()
    assert [e["resource"]["id"] for e in second["entry"]] == [region["wang_normal"]]
    assert not any(link["relation"] == "next" for link in second["link"])


def test_summary_count_and_elements(client: TestClient, region: dict) -> None:
    counted = client.get("/fhir/Observation?_summary=count").json()
    assert counted["total"] == 3 and "entry" not in counted
    bundle = client.get(f"/fhir/Patient?_id={region['li']}&_elements=gender").json()
    resource = bundle["entry"][0]["resource"]
    assert "gender" in resource and "name" not in resource
    assert any(t["code"] == "SUBSETTED" for t in resource["meta"]["tag"])


def test_unknown_parameter_is_reported_or_rejected_when_strict(
    client: TestClient, region: dict
) -> None:
    lenient = client.get("/fhir/Patient?colour=blue").json()
    assert any(e["search"]["mode"] == "outcome" for e in lenient["entry"])
    strict = client.get("/fhir/Patient?colour=blue", headers={"Prefer": "handling=strict"})
    assert strict.status_code == 400


def test_bad_search_value_is_400(client: TestClient, region: dict) -> None:
    assert client.get("/fhir/Patient?birthdate=yesterday").status_code == 400
    assert client.get("/fhir/Observation?value-quantity=abc").status_code == 400


def test_patient_everything(client: TestClient, region: dict) -> None:
    bundle = client.get(f"/fhir/Patient/{region['wang']}/$everything").json()
    found = {e["resource"]["id"] for e in bundle["entry"]}
    assert found == {region["wang"], region["wang_high"], region["wang_normal"]}
