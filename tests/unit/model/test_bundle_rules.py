"""Bundle integrity as the official validator checks it: fullUrls (bdl-7, bdl-8) and documents."""

from __future__ import annotations

from typing import Any

import pytest

from kangtong.fhir.model import ResourceValidator
from kangtong.fhir.model.bundle_rules import full_url_problems

UUID_1 = "urn:uuid:0f4a5d3c-0000-4000-8000-000000000001"
UUID_2 = "urn:uuid:0f4a5d3c-0000-4000-8000-000000000002"
BASE = "http://kangtong.example/fhir"


def entry(full_url: str | None = None, version: str | None = None, **resource: Any) -> Any:
    body: dict[str, Any] = {"resourceType": "Patient", **resource}
    if version:
        body["meta"] = {"versionId": version}
    return {"resource": body} | ({"fullUrl": full_url} if full_url else {})


@pytest.mark.parametrize(
    "full_url",
    [UUID_1, "urn:oid:2.16.156.10011.1.3", f"{BASE}/Patient/1", "https://x.example/a/b"],
)
def test_absolute_full_urls_pass(full_url: str) -> None:
    assert full_url_problems([entry(full_url)]) == {}


@pytest.mark.parametrize(
    ("full_url", "problem"),
    [
        ("Patient/1", "relative"),
        ("urn:uuid:not-a-uuid", "not a valid urn:uuid"),
        ("urn:oid:1.2.abc", "not a valid urn:oid"),
        (f"{BASE}/Patient/1/_history/2", "bdl-8"),
        (5, "must be a string"),
    ],
)
def test_malformed_full_urls_are_named(full_url: Any, problem: str) -> None:
    assert problem in full_url_problems([{"fullUrl": full_url}])[0]


def test_an_absent_full_url_is_allowed() -> None:
    assert full_url_problems([entry(), entry()]) == {}


def test_a_repeated_full_url_marks_both_entries() -> None:
    problems = full_url_problems([entry(UUID_1), entry(UUID_2), entry(UUID_1)])
    assert sorted(problems) == [0, 2]
    assert "bdl-7" in problems[2]


def test_the_same_full_url_is_allowed_for_different_versions() -> None:
    assert full_url_problems([entry(UUID_1, "1"), entry(UUID_1, "2")]) == {}
    assert full_url_problems([entry(UUID_1, "1"), entry(UUID_1, "1")]) != {}


def test_a_history_bundle_may_repeat_a_full_url() -> None:
    assert full_url_problems([entry(UUID_1), entry(UUID_1)], history=True) == {}


def document(*entries: Any) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "document",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": UUID_2},
        "timestamp": "2026-03-01T08:00:00+08:00",
        "entry": list(entries),
    }


def composition(subject: str) -> dict[str, Any]:
    return {
        "resourceType": "Composition",
        "status": "final",
        "type": {"text": "出院小结"},
        "date": "2026-03-01",
        "title": "出院小结",
        "author": [{"display": "医生"}],
        "subject": {"reference": subject},
    }


def test_a_document_whose_references_resolve_once_is_valid(validator: ResourceValidator) -> None:
    bundle = document(
        {"fullUrl": f"{BASE}/Composition/c1", "resource": composition("Patient/p1") | {"id": "c1"}},
        {"fullUrl": f"{BASE}/Patient/p1", "resource": {"resourceType": "Patient", "id": "p1"}},
    )
    assert validator.validate(bundle) == []


def test_a_document_resolves_urn_references_and_type_id_under_a_urn(
    validator: ResourceValidator,
) -> None:
    bundle = document(
        {"fullUrl": UUID_1, "resource": composition(UUID_2)},
        {"fullUrl": UUID_2, "resource": {"resourceType": "Patient", "id": "p1"}},
    )
    assert validator.validate(bundle) == []
    by_type_id = document(
        {"fullUrl": UUID_1, "resource": composition("Patient/p1")},
        {"fullUrl": UUID_2, "resource": {"resourceType": "Patient", "id": "p1"}},
    )
    assert validator.validate(by_type_id) == []


@pytest.mark.parametrize(
    ("subject", "found"), [("Patient/nobody", "no entry"), (f"{BASE}/Patient/p9", "2 entries")]
)
def test_a_document_reference_must_resolve_to_exactly_one_entry(
    validator: ResourceValidator, subject: str, found: str
) -> None:
    twin = {"resourceType": "Patient", "id": "p9", "meta": {"versionId": "1"}}
    bundle = document(
        {"fullUrl": f"{BASE}/Composition/c1", "resource": composition(subject) | {"id": "c1"}},
        {"fullUrl": f"{BASE}/Patient/p9", "resource": twin},
        {"fullUrl": f"{BASE}/Patient/p9", "resource": twin | {"meta": {"versionId": "2"}}},
    )
    issues = validator.validate(bundle)
    assert [(i.code, i.path) for i in issues] == [("invariant", "Bundle.entry[0].resource")]
    assert found in issues[0].message


def test_a_collection_is_not_held_to_the_document_rule(validator: ResourceValidator) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": UUID_1, "resource": composition("Patient/elsewhere")}],
    }
    assert validator.validate(bundle) == []
