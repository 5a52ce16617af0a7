"""Search edge cases over the round-trip corpus: every parameter type, sorting, includes, paging.

The corpus (`tests/api/corpus/`) is loaded once per database for the whole module, since these
tests only read; each database gets a store of its own (a fresh SQLite file, a PostgreSQL schema
of its own), so the function-scoped fixtures of other tests never see or wipe it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from kangtong.core.config import Settings
from kangtong.fhir.search.params.date import date_range
from kangtong.platform import build_platform
from kangtong.store.database import open_database
from kangtong.store.migrate import upgrade
from kangtong.web.app import create_app
from tests.api.conftest import token_for

CORPUS_DIR = Path(__file__).parent / "corpus"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _store_url(kind: str, request: pytest.FixtureRequest, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'corpus.db'}"
        return
    base: str = request.getfixturevalue("pg_schema_url")
    server, _, _ = base.partition("options=")
    schema = f"kt_corpus_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.rstrip("?&"))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{server}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    urls = _store_url(request.param, request, tmp_path_factory.mktemp("corpus"))
    url = next(urls)
    db = open_database(url)
    upgrade(db)
    keys = tmp_path_factory.mktemp("keys")
    settings = Settings(
        database_url=url, base_url="http://kangtong.test/fhir", security_key_dir=str(keys)
    )
    platform = build_platform(settings, database=db)
    with TestClient(create_app(platform), base_url="http://kangtong.test") as test_client:
        test_client.headers["content-type"] = "application/fhir+json"
        test_client.headers["authorization"] = f"Bearer {token_for(platform, 'system')}"
        _load_corpus(test_client)
        yield test_client
    platform.close()
    next(urls, None)


def _load_corpus(client: TestClient) -> None:
    entries = []
    for path in sorted(CORPUS_DIR.glob("*.json")):
        resource = orjson.loads(path.read_bytes())
        entries.append(
            {
                "fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, path.stem)}",
                "resource": resource,
                "request": {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"},
            }
        )
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    response = client.post("/fhir", content=orjson.dumps(bundle))
    assert response.status_code == 200, response.text


def search(client: TestClient, query: str) -> dict[str, Any]:
    response = client.get(f"/fhir/{query}")
    assert response.status_code == 200, response.text
    bundle: dict[str, Any] = response.json()
    return bundle


def matches(client: TestClient, query: str) -> list[str]:
    """Ids of the matches, in the order the server returned them."""
    return [
        e["resource"]["id"]
        for e in search(client, query).get("entry", [])
        if e["search"]["mode"] == "match"
    ]


def ids(client: TestClient, query: str) -> set[str]:
    found = matches(client, query)
    assert len(found) == len(set(found)), found
    return set(found)


def included(client: TestClient, query: str) -> set[str]:
    return {
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in search(client, query).get("entry", [])
        if e["search"]["mode"] == "include"
    }


# -- string --------------------------------------------------------------------------------
def test_string_search_on_hanzi_names_and_addresses(client: TestClient) -> None:
    assert ids(client, "Patient?name=王") == {"pat-wang"}
    assert ids(client, "Patient?name=王伟") == {"pat-wang"}  # family + given, no space
    assert ids(client, "Patient?name=小伟") == {"pat-wang"}  # a second HumanName
    assert ids(client, "Patient?name:contains=伟") == {"pat-wang"}
    assert ids(client, "Patient?name:exact=王伟") == {"pat-wang"}
    assert ids(client, "Patient?name:exact=王伟伟") == set()
    assert ids(client, "Patient?family:exact=王") == {"pat-wang"}
    assert ids(client, "Patient?name=赵") == set()  # 赵秀英 is a contact, not a name
    assert ids(client, "RelatedPerson?name=赵秀英") == {"rp-zhao"}
    assert ids(client, "Patient?address=云岩") == {"pat-wang"}
    assert ids(client, "Patient?address-city=贵阳") == {"pat-wang", "pat-li"}
    assert ids(client, "Patient?address=贵州省贵阳市") == {"pat-wang"}  # Address.text
    assert ids(client, "Organization?name=贵阳市") == {"org-gy-hc", "org-gy-hosp"}
    assert ids(client, "Practitioner?name=zhang") == {"prac-zhang"}  # case-insensitive


# -- token ---------------------------------------------------------------------------------
def test_token_search_on_identifier_codeable_concept_boolean_and_code(client: TestClient) -> None:
    citizen = "urn:oid:2.16.156.10011.1.3"
    assert ids(client, f"Patient?identifier={citizen}|110101199003070011") == {"pat-wang"}
    assert ids(client, "Patient?identifier=http://gyfyy.test/mrn|MRN-000123") == {"pat-wang"}
    assert ids(client, "Patient?identifier=MRN-000123") == {"pat-wang"}
    assert ids(client, f"Patient?identifier={citizen}|MRN-000123") == set()
    icd10 = "http://hl7.org/fhir/sid/icd-10"
    assert ids(client, f"Condition?code={icd10}|I10") == {"cond-htn"}
    assert ids(client, f"FamilyMemberHistory?code={icd10}|I10") == {"fmh-1"}
    assert ids(client, "Condition?code=E11.9") == {"cond-dm"}
    assert ids(client, "Patient?active=false") == {"pat-chen"}
    assert ids(client, "Patient?active=true") == {"pat-wang", "pat-li"}
    assert ids(client, "Patient?gender=other") == {"pat-chen"}
    assert ids(client, "Patient?gender:not=male") == {"pat-li", "pat-chen"}
    assert ids(client, "Observation?code:text=体温") == {"obs-temp"}
    assert ids(client, "Observation?status=amended,preliminary") == {"obs-hba1c", "obs-note"}
    assert ids(client, "AllergyIntolerance?criticality=high") == {"ai-1"}


# -- reference -----------------------------------------------------------------------------
def test_reference_search_on_relative_and_absolute_urls(client: TestClient) -> None:
    assert ids(client, "Observation?subject=Patient/pat-chen") == {"obs-fever", "obs-temp"}
    assert ids(client, "Observation?patient=pat-chen") == {"obs-fever", "obs-temp"}
    assert ids(client, "DiagnosticReport?result=Observation/obs-glucose") == {"dr-1"}
    # An absolute URL on this server's base is the same resource as the relative reference.
    assert ids(client, "Organization?partof=Organization/org-gy-hc") == {
        "org-gy-hosp",
        "org-yy-chc",
    }
    absolute = quote("http://kangtong.test/fhir/Organization/org-gy-hc", safe="")
    assert ids(client, f"Organization?partof={absolute}") == {"org-gy-hosp", "org-yy-chc"}
    foreign = quote("http://pacs.gyfyy.test/fhir/Endpoint/wado", safe="")
    assert ids(client, f"ImagingStudy?endpoint={foreign}") == {"img-1"}
    assert ids(client, "Encounter?subject:Patient=pat-wang") == {"enc-1"}


def test_a_reference_to_a_contained_resource_does_not_match_a_stored_one(
    client: TestClient,
) -> None:
    # DiagnosticReport dr-1 refers to "#tg", contained in itself, not to Observation/tg.
    assert ids(client, "DiagnosticReport?result=Observation/tg") == set()
    assert ids(client, "DiagnosticReport?result=tg") == set()


def test_a_contained_reference_is_not_missing(client: TestClient) -> None:
    assert ids(client, "MedicationRequest?medication:missing=true") == set()


def test_canonical_reference_with_its_version(client: TestClient) -> None:
    canonical = quote("http://kangtong.test/fhir/Questionnaire/htn-followup|2026.1", safe="")
    assert ids(client, f"QuestionnaireResponse?questionnaire={canonical}") == {"qr-1"}


def test_canonical_reference_without_its_version(client: TestClient) -> None:
    canonical = quote("http://kangtong.test/fhir/Questionnaire/htn-followup", safe="")
    assert ids(client, f"QuestionnaireResponse?questionnaire={canonical}") == {"qr-1"}


# -- uri, number, quantity, composite --------------------------------------------------------
def test_uri_search_exact_and_below(client: TestClient) -> None:
    url = "http://kangtong.test/fhir/Questionnaire/htn-followup"
    assert ids(client, f"Questionnaire?url={quote(url, safe='')}") == {"q-1"}
    assert ids(client, "Questionnaire?url=http://kangtong.test/fhir") == set()
    assert ids(client, "Questionnaire?url:below=http://kangtong.test/fhir") == {"q-1"}


def test_number_search_uses_the_precision_of_the_search_value(client: TestClient) -> None:
    assert ids(client, "RiskAssessment?probability=0.10") == {"ra-1"}
    assert ids(client, "RiskAssessment?probability=0.1") == {"ra-1"}
    assert ids(client, "RiskAssessment?probability=0.100") == {"ra-1"}
    assert ids(client, "RiskAssessment?probability=0.11") == set()
    assert ids(client, "RiskAssessment?probability=gt0.2") == {"ra-2"}
    assert ids(client, "RiskAssessment?probability=le0.35") == {"ra-1", "ra-2"}
    assert ids(client, "RiskAssessment?probability=0") == {"ra-1", "ra-2"}  # [-0.5, 0.5]


def test_quantity_search_on_quantities_and_ranges(client: TestClient) -> None:
    ucum = "http://unitsofmeasure.org"
    assert ids(client, f"Observation?value-quantity=7.10|{ucum}|mmol/L") == {"obs-glucose"}
    assert ids(client, "Observation?value-quantity=ge38") == {"obs-temp"}
    assert ids(client, "Observation?value-quantity=lt7||%25") == {"obs-hba1c"}
    assert ids(client, "Observation?component-value-quantity=gt150") == {"obs-bp"}
    # Condition cond-htn has onsetRange 25–29 a; cond-dm onsetAge 38.5 a.
    assert ids(client, "Condition?onset-age=ap27") == {"cond-htn"}
    assert ids(client, f"Condition?onset-age=27|{ucum}|a") == set()  # 25–29 is not inside 27
    assert ids(client, "Condition?onset-age=gt30") == {"cond-dm"}
    assert ids(client, "Condition?onset-age=lt26") == {"cond-htn"}
    assert ids(client, "Questionnaire?context-quantity=gt100") == {"q-1"}  # Range 35–120
    assert ids(client, "Questionnaire?context-quantity=lt30") == set()
    assert ids(client, "Encounter?length=65|http://unitsofmeasure.org|min") == {"enc-1"}


def test_composite_search(client: TestClient) -> None:
    assert ids(client, "Observation?code-value-quantity=http://loinc.org|2345-7$ge7") == {
        "obs-glucose"
    }
    systolic = "Observation?component-code-value-quantity=http://loinc.org|8480-6$gt150"
    assert ids(client, systolic) == {"obs-bp"}
    diastolic = "Observation?component-code-value-quantity=http://loinc.org|8462-4$gt150"
    assert ids(client, diastolic) == set()
    concept = "http://loinc.org|72166-2$http://snomed.info/sct|8517006"
    assert ids(client, f"Observation?code-value-concept={concept}") == {"obs-smoking"}
    whole = "舌红，苔薄黄，脉弦数"
    assert ids(client, f"Observation?code-value-string=tongue${whole}") == {"obs-note"}
    fever = "Observation?code-value-date=http://snomed.info/sct|386661006$"
    assert ids(client, fever + "ge2024-12-21") == {"obs-fever"}  # valuePeriod ends 12-21
    assert ids(client, fever + "lt2024-12-18") == set()  # … and starts 12-18 20:00


def test_a_string_component_of_a_composite_matches_by_prefix(client: TestClient) -> None:
    assert ids(client, "Observation?code-value-string=tongue$舌红") == {"obs-note"}


# -- dates ---------------------------------------------------------------------------------
def test_date_search_on_period_timing_and_instant(client: TestClient) -> None:
    assert ids(client, "Encounter?date=2026-03-01") == {"enc-1"}
    assert ids(client, "Encounter?date=2026-02-28") == set()
    assert ids(client, "Encounter?date=lt2026-03-01T08:10:00%2B08:00") == {"enc-1"}
    # Timing: an event at 07:30 on 02-01 and boundsPeriod 02-01 … 02-03.
    assert ids(client, "ServiceRequest?occurrence=2026-02-01T07:30:00%2B08:00") == {"sr-1"}
    assert ids(client, "ServiceRequest?occurrence=ge2026-02-03") == {"sr-1"}
    assert ids(client, "ServiceRequest?occurrence=gt2026-02-03") == set()
    assert ids(client, "CarePlan?activity-date=2026-07-01") == {"cp-1"}
    # An instant with milliseconds, found by the same moment written in UTC.
    assert ids(client, "AuditEvent?date=2026-03-01T01:30:01Z") == {"ae-1"}
    assert ids(client, "AuditEvent?date=2026-03-01T01:30:02Z") == set()
    assert ids(client, "Provenance?recorded=2026-03-01") == {"prov-1"}
    # 21:30 at UTC−5 on 12-19 is 10:30 on 12-20 in Shanghai.
    assert ids(client, "Observation?date=2024-12-20&code=8310-5") == {"obs-temp"}
    assert ids(client, "Observation?date=2024-12-19&code=8310-5") == set()


BIRTH_DATES = {"pat-wang": "1990-03-07", "pat-li": "1985-02", "pat-chen": "1962"}
MODEL = {
    "eq": lambda v, s: v[0] >= s[0] and v[1] <= s[1],
    "ne": lambda v, s: not (v[0] >= s[0] and v[1] <= s[1]),
    "gt": lambda v, s: v[1] > s[1],
    "lt": lambda v, s: v[0] < s[0],
    "ge": lambda v, s: v[1] >= s[0],
    "le": lambda v, s: v[0] <= s[1],
    "sa": lambda v, s: v[0] > s[1],
    "eb": lambda v, s: v[1] < s[0],
}


@pytest.mark.parametrize("value", ["1985", "1985-02-14", "1962-12-31", "1990-03", "1990-03-07"])
def test_birthdate_prefixes_follow_the_range_model(client: TestClient, value: str) -> None:
    search_range = date_range(value, SHANGHAI)
    for prefix, model in MODEL.items():
        expected = {
            pid
            for pid, birth in BIRTH_DATES.items()
            if model(date_range(birth, SHANGHAI), search_range)
        }
        assert ids(client, f"Patient?birthdate={prefix}{value}") == expected, prefix


# -- sorting -------------------------------------------------------------------------------
def test_sort_by_date_both_ways(client: TestClient) -> None:
    assert matches(client, "Patient?_sort=birthdate") == ["pat-chen", "pat-li", "pat-wang"]
    assert matches(client, "Patient?_sort=-birthdate") == ["pat-wang", "pat-li", "pat-chen"]


def test_sort_by_number_quantity_token_reference_and_string(client: TestClient) -> None:
    assert matches(client, "RiskAssessment?_sort=-probability") == ["ra-2", "ra-1"]
    by_value = matches(client, "Observation?_sort=value-quantity&value-quantity:missing=false")
    assert by_value == ["obs-hba1c", "obs-glucose", "obs-temp"]
    by_status = matches(client, "Observation?_sort=status")
    assert by_status[0] == "obs-hba1c"  # amended < final < preliminary
    assert by_status[-1] == "obs-note"
    assert matches(client, "Observation?_sort=subject&code=8310-5,2345-7,72166-2") == [
        "obs-temp",  # Patient/pat-chen
        "obs-glucose",  # Patient/pat-li
        "obs-smoking",  # Patient/pat-wang
    ]
    assert matches(client, "Organization?_sort=identifier") == [
        "org-gy-hc",  # 12520100…
        "org-gy-hosp",  # 52520100…
        "org-yy-chc",  # 52520102…
    ]
    assert matches(client, "Questionnaire?_sort=url") == ["q-1"]


def test_sort_by_string_is_the_same_on_every_database(client: TestClient) -> None:
    # Pinyin order (chen < li < wang), not code-point order (李 U+674E < 王 U+738B < 陈 U+9648).
    assert matches(client, "Patient?_sort=family") == ["pat-chen", "pat-li", "pat-wang"]
    assert matches(client, "Patient?_sort=-family") == ["pat-wang", "pat-li", "pat-chen"]


def test_sort_by_id_and_last_updated(client: TestClient) -> None:
    assert matches(client, "Patient?_sort=_id") == ["pat-chen", "pat-li", "pat-wang"]
    assert matches(client, "Patient?_sort=-_id") == ["pat-wang", "pat-li", "pat-chen"]
    assert len(matches(client, "Observation?_sort=-_lastUpdated")) == 7


# -- includes and reverse chains -----------------------------------------------------------
def test_include_iterate_follows_included_resources(client: TestClient) -> None:
    query = (
        "MedicationDispense?_id=md-1&_include=MedicationDispense:prescription"
        "&_include:iterate=MedicationRequest:subject"
    )
    assert matches(client, query) == ["md-1"]
    assert included(client, query) == {"MedicationRequest/mr-1", "Patient/pat-wang"}
    once = "MedicationDispense?_id=md-1&_include=MedicationDispense:prescription"
    assert included(client, once + "&_include=MedicationRequest:subject") == {
        "MedicationRequest/mr-1"
    }


def test_revinclude_and_revinclude_iterate(client: TestClient) -> None:
    query = "Patient?_id=pat-li&_revinclude=Observation:subject"
    assert included(client, query) == {"Observation/obs-glucose", "Observation/obs-hba1c"}
    deeper = query + "&_revinclude:iterate=DiagnosticReport:result"
    assert included(client, deeper) == {
        "Observation/obs-glucose",
        "Observation/obs-hba1c",
        "DiagnosticReport/dr-1",
    }


def test_has_and_nested_has(client: TestClient) -> None:
    assert ids(client, "Patient?_has:Observation:subject:code=http://loinc.org|8310-5") == {
        "pat-chen"
    }
    nested = "Patient?_has:Observation:subject:_has:DiagnosticReport:result:status=final"
    assert ids(client, nested) == {"pat-li"}
    assert ids(client, "Practitioner?_has:PractitionerRole:practitioner:specialty=394579002") == {
        "prac-zhang"
    }


def test_id_not_excludes_that_id(client: TestClient) -> None:
    assert ids(client, "Patient?_id:not=pat-wang") == {"pat-li", "pat-chen"}


# -- result shaping ------------------------------------------------------------------------
def test_elements_keeps_only_the_named_elements(client: TestClient) -> None:
    bundle = search(client, "Patient?_id=pat-wang&_elements=name,birthDate")
    patient = bundle["entry"][0]["resource"]
    assert set(patient) - {"meta", "_birthDate"} == {"resourceType", "id", "name", "birthDate"}
    assert any(tag.get("code") == "SUBSETTED" for tag in patient["meta"].get("tag", []))


def test_summary_true_leaves_out_non_summary_elements(client: TestClient) -> None:
    patient = search(client, "Patient?_id=pat-wang&_summary=true")["entry"][0]["resource"]
    assert patient["name"][0]["text"] == "王伟"
    assert patient["birthDate"] == "1990-03-07"
    for element in ("contact", "maritalStatus", "communication", "text"):
        assert element not in patient, element
    assert any(tag.get("code") == "SUBSETTED" for tag in patient["meta"].get("tag", []))


# -- paging --------------------------------------------------------------------------------
def all_pages(client: TestClient, query: str) -> tuple[list[str], int]:
    bundle = search(client, query)
    total = bundle["total"]
    found: list[str] = []
    for _ in range(100):
        found += [e["resource"]["id"] for e in bundle.get("entry", [])]
        next_link = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        if not next_link:
            return found, total
        response = client.get(next_link[0].removeprefix("http://kangtong.test"))
        assert response.status_code == 200, response.text
        bundle = response.json()
    raise AssertionError(f"more than 100 pages for {query}")


@pytest.mark.parametrize(
    "query",
    [
        "Observation?_count=1",
        "Observation?_count=1&_sort=status",  # many ties, broken by storage order
        "Observation?_count=1&_sort=-date",
        "Observation?_count=1&_sort=value-quantity",  # most have no valueQuantity
        "Patient?_count=1&_sort=-_lastUpdated",
        "Practitioner?_count=1&_sort=name",
    ],
)
def test_paging_one_by_one_never_repeats_or_skips(client: TestClient, query: str) -> None:
    res_type = query.partition("?")[0]
    everything = ids(client, f"{res_type}?_count=100")
    found, total = all_pages(client, query)
    assert len(found) == len(set(found)), found
    assert set(found) == everything
    assert total == len(everything)
