"""Round trip: every resource in the corpus reads back exactly as it was written.

The corpus (`tests/api/corpus/*.json`, one hand-written resource per file, named
`{resourceType}-{id}.json`) covers the resource types a regional platform stores, written with
hanzi, extensions (also on primitives, `_birthDate`), contained resources with `#` references,
decimals whose written precision matters (1.50 is not 1.5, 1e2 is not 100) and dates at every
precision and offset. The only change the server may make is to add `meta.versionId` and
`meta.lastUpdated` (the corpus's citizen IDs pass GB 11643; a failing one would be flagged,
ADR 0027).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kangtong.fhir.model import ResourceValidator, StructureModel

CORPUS_DIR = Path(__file__).parent / "corpus"
CORPUS_FILES = sorted(CORPUS_DIR.glob("*.json"))


class Number(str):
    """A JSON number kept as written, so that `1.50` and `1.5` differ (and differ from "1.50")."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Number) and str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = str.__hash__


def exact_json(raw: bytes | str) -> Any:
    """Parse JSON keeping every number's text and every object's key order."""
    return json.loads(raw, parse_float=Number, parse_int=Number)


def compact(value: Any) -> bytes:
    """Serialise as the server does: no whitespace, UTF-8 hanzi, numbers as written."""
    return _compact(value).encode()


def _compact(value: Any) -> str:
    if isinstance(value, Number):
        return str(value)
    if isinstance(value, dict):
        items = (f"{json.dumps(k, ensure_ascii=False)}:{_compact(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_compact(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def as_stored(written: dict[str, Any], version_id: str, last_updated: str) -> dict[str, Any]:
    """`written` with the two meta elements the server adds (appended to an existing meta)."""
    stored = dict(written)
    meta = dict(written.get("meta", {}))
    meta["versionId"] = version_id
    meta["lastUpdated"] = last_updated
    stored["meta"] = meta
    return stored


def corpus() -> list[tuple[str, bytes, dict[str, Any]]]:
    return [(path.stem, path.read_bytes(), exact_json(path.read_bytes())) for path in CORPUS_FILES]


def assert_reads_back(raw_response: bytes, written: dict[str, Any]) -> None:
    read = exact_json(raw_response)
    meta = read.get("meta", {})
    assert isinstance(meta.get("versionId"), str), meta
    assert isinstance(meta.get("lastUpdated"), str), meta
    expected = as_stored(written, meta["versionId"], meta["lastUpdated"])
    assert read == expected
    assert raw_response == compact(expected)


def test_the_corpus_is_broad_and_valid_fhir() -> None:
    validator = ResourceValidator(StructureModel.load())
    types = set()
    for name, _raw, resource in corpus():
        assert name == f"{resource['resourceType']}-{resource['id']}"
        plain = json.loads(CORPUS_DIR.joinpath(f"{name}.json").read_bytes())
        assert validator.validate(plain) == [], name
        types.add(resource["resourceType"])
    assert len(types) >= 40


def test_corpus_keeps_decimals_that_a_float_would_rewrite() -> None:
    written = b"".join(raw for _name, raw, _resource in corpus())
    for literal in (b"1.50", b"0.10", b"100.00", b"1e2", b"3.1400", b"152.0", b"72.50"):
        assert literal in written, literal
    assert exact_json(b"1.50") != exact_json(b"1.5")
    assert exact_json(b"1.50") != "1.50"


def test_every_resource_reads_back_as_written(
    client: TestClient, subtests: pytest.Subtests
) -> None:
    for name, raw, written in corpus():
        with subtests.test(name):
            path = f"/fhir/{written['resourceType']}/{written['id']}"
            created = client.put(path, content=raw)
            assert created.status_code == 201, created.text
            assert_reads_back(created.content, written)
            read = client.get(path)
            assert read.status_code == 200, read.text
            assert_reads_back(read.content, written)
            version = exact_json(read.content)["meta"]["versionId"]
            assert read.headers["etag"] == f'W/"{version}"'


def test_transaction_of_the_whole_corpus_reads_back_the_same(client: TestClient) -> None:
    # urn:uuid fullUrls: an entry's absolute URL would (rightly) turn absolute references to it,
    # such as org-yy-chc's partOf, into relative ones.
    entries = [
        {
            "fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}",
            "resource": r,
            "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
        }
        for name, _raw, r in corpus()
    ]
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    response = client.post("/fhir", content=compact(bundle))
    assert response.status_code == 200, response.text
    statuses = [e["response"]["status"] for e in response.json()["entry"]]
    assert all(s.startswith("201") for s in statuses), statuses
    for _name, _raw, written in corpus():
        read = client.get(f"/fhir/{written['resourceType']}/{written['id']}")
        assert read.status_code == 200, read.text
        assert_reads_back(read.content, written)
