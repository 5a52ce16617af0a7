"""Names of people and institutions are found by hanzi, pinyin, spaced pinyin or initials."""

from __future__ import annotations

import orjson
from fastapi.testclient import TestClient

from tests.api.fixtures import patient


def post(client: TestClient, resource: dict) -> str:
    response = client.post(f"/fhir/{resource['resourceType']}", content=orjson.dumps(resource))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def ids(client: TestClient, query: str) -> set[str]:
    response = client.get(f"/fhir/{query}")
    assert response.status_code == 200, response.text
    return {e["resource"]["id"] for e in response.json().get("entry", [])}


def test_patient_name_is_found_by_pinyin_and_initials(client: TestClient) -> None:
    zhang = post(client, patient("张", "伟", citizen_id="110101199003070011"))
    lv = post(
        client,
        patient("吕", "娜", citizen_id="110101198502140028", gender="female", birth="1985-02-14"),
    )
    assert ids(client, "Patient?name=zhangwei") == {zhang}
    assert ids(client, "Patient?name=Zhang Wei") == {zhang}
    assert ids(client, "Patient?name=zw") == {zhang}
    assert ids(client, "Patient?family=zhang") == {zhang}
    assert ids(client, "Patient?phonetic=lvna") == {lv}
    assert ids(client, "Patient?name=张伟") == {zhang}


def test_pinyin_rows_do_not_change_exact_match(client: TestClient) -> None:
    zhang = post(client, patient("张", "伟", citizen_id="110101199003070011"))
    assert ids(client, "Patient?name:exact=张伟") == {zhang}
    assert ids(client, "Patient?name:exact=zhangwei") == set()


def test_traditional_characters_share_the_pinyin_of_simplified_ones(client: TestClient) -> None:
    chang = post(client, patient("張", "偉", citizen_id="110101199003070011"))
    assert ids(client, "Patient?name=zhangwei") == {chang}


def test_institutions_are_found_by_pinyin_initials(client: TestClient) -> None:
    hospital = post(client, {"resourceType": "Organization", "name": "云岩区人民医院"})
    centre = post(client, {"resourceType": "Organization", "name": "中华北路社区卫生服务中心"})
    assert ids(client, "Organization?name=yyqrmyy") == {hospital}
    assert ids(client, "Organization?name:contains=rmyy") == {hospital}
    assert ids(client, "Organization?name:contains=sqwsfwzx") == {centre}


def test_sorting_by_name_follows_pinyin_order(client: TestClient) -> None:
    wang = post(client, patient("王", "伟", citizen_id="110101199003070011"))
    zhang = post(client, patient("张", "伟", citizen_id="110101199003070029", gender="female"))
    li = post(client, patient("李", "娜", citizen_id="110101198502140028", gender="female"))
    response = client.get("/fhir/Patient?_sort=family")
    order = [e["resource"]["id"] for e in response.json()["entry"]]
    assert order == [li, wang, zhang]
