"""Name search finds people however IDs, passports and keyboards write their names: pinyin with
or without spaces, in any case, hyphenated, initials, and traditional or simplified characters."""

from __future__ import annotations

from urllib.parse import quote

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.api.fixtures import patient


def post(client: TestClient, resource: dict[str, object]) -> str:
    response = client.post("/fhir/Patient", content=orjson.dumps(resource))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def found(client: TestClient, query: str) -> set[str]:
    name, _, value = query.partition("=")
    response = client.get(f"/fhir/Patient?{name}={quote(value)}")
    assert response.status_code == 200, response.text
    return {e["resource"]["id"] for e in response.json().get("entry", [])}


@pytest.fixture
def people(client: TestClient) -> dict[str, str]:
    return {
        "欧阳明辉": post(client, patient("欧阳", "明辉", citizen_id="110101199003070011")),
        "歐陽明輝": post(client, patient("歐陽", "明輝", citizen_id="110101198502140024")),
        "欧阳明": post(client, patient("欧阳", "明", citizen_id="520102196201010019")),
        "欧明辉": post(client, patient("欧", "明辉", citizen_id="520102198003051231")),
        "Ouyang Minghui": post(
            client,
            {
                "resourceType": "Patient",
                "name": [{"family": "Ouyang", "given": ["Minghui"], "text": "Ouyang Minghui"}],
            },
        ),
    }


OUYANG_MINGHUI = {"欧阳明辉", "歐陽明輝", "Ouyang Minghui"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("name=Ouyang Minghui", OUYANG_MINGHUI),
        ("name=OUYANG MINGHUI", OUYANG_MINGHUI),
        ("name=ouyang minghui", OUYANG_MINGHUI),
        ("name=Ouyang  Minghui", OUYANG_MINGHUI),
        ("name=ouyang-minghui", OUYANG_MINGHUI),
        ("name=ouyangminghui", OUYANG_MINGHUI),
        ("name=欧阳明辉", {"欧阳明辉", "歐陽明輝"}),
        ("name=歐陽明輝", {"欧阳明辉", "歐陽明輝"}),
        ("name=欧阳 明辉", {"欧阳明辉", "歐陽明輝"}),
        ("name=oymh", {"欧阳明辉", "歐陽明輝"}),
        # Partial names keep the prefix semantics of every string search.
        ("name=Ouyang Ming", {"欧阳明辉", "歐陽明輝", "Ouyang Minghui", "欧阳明"}),
        ("name=歐陽明", {"欧阳明辉", "歐陽明輝", "欧阳明"}),
        ("family=OUYANG", {"欧阳明辉", "歐陽明輝", "Ouyang Minghui", "欧阳明"}),
        ("family=歐陽", {"欧阳明辉", "歐陽明輝", "欧阳明"}),
        ("given=明輝", {"欧阳明辉", "歐陽明輝", "欧明辉"}),
        ("phonetic=Ouyang Minghui", OUYANG_MINGHUI),
        ("name:contains=yang minghui", OUYANG_MINGHUI),
        # No false friends: a different syllable split or another family name is not a match.
        ("name=Ou Minghui", {"欧明辉"}),
        ("name=Ouyang Minghai", set()),
        ("name=歐明輝", {"欧明辉"}),
    ],
)
def test_a_name_is_found_however_it_is_written(
    client: TestClient, people: dict[str, str], query: str, expected: set[str]
) -> None:
    assert found(client, query) == {people[name] for name in expected}


def test_a_value_of_separators_only_does_not_match_every_name(
    client: TestClient, people: dict[str, str]
) -> None:
    assert found(client, "name=-") == set()
    assert found(client, "name=·") == set()


def test_exact_match_stays_exact(client: TestClient, people: dict[str, str]) -> None:
    assert found(client, "name:exact=歐陽明輝") == {people["歐陽明輝"]}
    assert found(client, "name:exact=Ouyang Minghui") == {people["Ouyang Minghui"]}
    assert found(client, "name:exact=ouyang minghui") == set()
