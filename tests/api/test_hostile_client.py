"""A hostile client: every malformed request is a 4xx with an OperationOutcome, and stores nothing.

The table below is what a careless or hostile client sends: numbers that are not numbers, values
beyond 64 bits, control characters, broken JSON, the wrong type at every level of a Bundle,
references that resolve to nothing, bodies too large or too deep. It runs on SQLite and on
PostgreSQL (where a NUL byte or an out-of-range integer reaches the driver as an error of its own).
A batch is either refused as a whole (a 4xx, e.g. `"entry": 5`) or answered 200 with a
batch-response in which every entry is a 4xx with an OperationOutcome.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from kangtong.core.config import Settings
from kangtong.platform import Platform, build_platform
from kangtong.store.database import open_database
from kangtong.store.migrate import upgrade
from kangtong.web.app import create_app
from tests.api.conftest import token_for
from tests.api.fixtures import glucose, patient
from tests.conftest import _truncate

HUGE = "99999999999999999999"  # beyond 64 bits
SUPERSCRIPT_TWO = "%C2%B2"  # "²": str.isdigit() says yes, int() says no
ARABIC_THREE = "%D9%A3"  # "٣"
FULLWIDTH_ONE = "%EF%BC%91"  # "１"
NUL = "%00"
FHIR_JSON = {"content-type": "application/fhir+json"}
JSON_PATCH = {"content-type": "application/json-patch+json"}


@dataclass(frozen=True)
class Hostile:
    label: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str | bytes] = field(default_factory=dict)
    batch: bool = False  # a batch: 200, and every entry of the batch-response is 4xx


def js(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson writes at most 254 levels; a hostile client writes more
        return json.dumps(value, ensure_ascii=False).encode()


def get(label: str, path: str, **headers: str) -> Hostile:
    return Hostile(label, "GET", path, headers=headers)


def post(
    label: str, path: str, body: bytes, headers: dict[str, str | bytes] | None = None
) -> Hostile:
    return Hostile(label, "POST", path, body, headers if headers is not None else FHIR_JSON)


def put(label: str, path: str, body: bytes, **headers: str | bytes) -> Hostile:
    return Hostile(label, "PUT", path, body, {**FHIR_JSON, **headers})


def patch(label: str, body: bytes, content_type: str = "application/json-patch+json") -> Hostile:
    return Hostile(label, "PATCH", "/fhir/Patient/p1", body, {"content-type": content_type})


def bundle(kind: str, *entries: Any) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def entry(resource: Any, method: str = "POST", url: str | None = None, **extra: Any) -> Any:
    request = {"method": method, "url": url or _type_of(resource)}
    request.update(extra.pop("request", {}))
    return {"resource": resource, "request": request, **extra}


def _type_of(resource: Any) -> str:
    return resource.get("resourceType", "Patient") if isinstance(resource, dict) else "Patient"


def transaction(label: str, *entries: Any) -> Hostile:
    return post(label, "/fhir", js(bundle("transaction", *entries)))


def batch(label: str, *entries: Any) -> Hostile:
    return Hostile(label, "POST", "/fhir", js(bundle("batch", *entries)), FHIR_JSON, batch=True)


def binary_patch(data: str) -> dict[str, Any]:
    return {"resourceType": "Binary", "contentType": "application/json-patch+json", "data": data}


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def deep_extension(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"url": "http://example.org/leaf", "valueString": "x"}
    for _ in range(depth):
        node = {"url": "http://example.org/nest", "extension": [node]}
    return node


def with_control(character: str) -> dict[str, Any]:
    return patient(family="王" + character)


def raw_patient(fragment: str) -> bytes:
    """A Patient whose JSON text carries `fragment` verbatim (numbers orjson cannot write)."""
    return ('{"resourceType":"Patient","gender":"male",' + fragment + "}").encode()


def raw_observation(value: str) -> bytes:
    body = glucose("Patient/p1", 1.0)
    text = js(body).decode().replace('"value":1.0', f'"value":{value}')
    return text.encode()


URN = "urn:uuid:0f4a5d3c-0000-4000-8000-00000000000"
MANY = ",".join(f"v{i}" for i in range(101))
IDS = ",".join(f"v{i}" for i in range(1001))

QUERIES = [
    get("history _count not a number", "/fhir/_history?_count=abc"),
    get("history _count a fraction", "/fhir/_history?_count=1.5"),
    get("history _count negative", "/fhir/_history?_count=-1"),
    get("history _count superscript two", f"/fhir/_history?_count={SUPERSCRIPT_TWO}"),
    get("history _count beyond 64 bits", f"/fhir/_history?_count={HUGE}"),
    get("history _offset not a number", "/fhir/_history?_offset=abc"),
    get("history _offset beyond 64 bits", f"/fhir/_history?_offset={HUGE}"),
    get("history _since not an instant", "/fhir/_history?_since=yesterday"),
    get("history _since 30 February", "/fhir/_history?_since=2026-02-30T00:00:00Z"),
    get("history _since year 99999", "/fhir/_history?_since=99999-01-01T00:00:00Z"),
    get("history _since with NUL", f"/fhir/_history?_since={NUL}"),
    get("type history _count not a number", "/fhir/Patient/_history?_count=abc"),
    get("instance history _offset not a number", "/fhir/Patient/p1/_history?_offset=abc"),
    get("instance history _count 1e3", "/fhir/Patient/p1/_history?_count=1e3"),
    get("vread superscript two", f"/fhir/Patient/p1/_history/{SUPERSCRIPT_TWO}"),
    get("vread arabic-indic three", f"/fhir/Patient/p1/_history/{ARABIC_THREE}"),
    get("vread fullwidth one", f"/fhir/Patient/p1/_history/{FULLWIDTH_ONE}"),
    get("vread beyond 64 bits", f"/fhir/Patient/p1/_history/{HUGE}"),
    get("vread negative", "/fhir/Patient/p1/_history/-1"),
    get("read id with NUL", f"/fhir/Patient/p1{NUL}"),
    get("read id of 5000 characters", "/fhir/Patient/" + "a" * 5000),
    get("read unknown type", "/fhir/NotAType/p1"),
    get("read _summary unknown", "/fhir/Patient/p1?_summary=bogus"),
    get("read id with a slash", "/fhir/Patient/p1%2Fx"),
    get("search _count not a number", "/fhir/Patient?_count=abc"),
    get("search _count a fraction", "/fhir/Patient?_count=1.5"),
    get("search _count beyond 64 bits", f"/fhir/Patient?_count={HUGE}"),
    get("search _count fullwidth", f"/fhir/Patient?_count={FULLWIDTH_ONE}"),
    get("search _offset beyond 64 bits", f"/fhir/Patient?_offset={HUGE}"),
    get("search _offset negative", "/fhir/Patient?_offset=-1"),
    get("system search _count not a number", "/fhir?_count=abc"),
    get("system search _offset beyond 64 bits", f"/fhir?_offset={HUGE}&_type=Patient"),
    get("system search unknown _type", "/fhir?_type=NotAType"),
    get("quantity 1e400", "/fhir/Observation?value-quantity=1e400"),
    get("quantity gt1e400", "/fhir/Observation?value-quantity=gt1e400"),
    get("quantity -1e400", "/fhir/Observation?value-quantity=-1e400"),
    get("quantity NaN", "/fhir/Observation?value-quantity=NaN"),
    get("quantity Infinity", "/fhir/Observation?value-quantity=Infinity"),
    get("quantity not a number", "/fhir/Observation?value-quantity=abc"),
    get("quantity with four parts", "/fhir/Observation?value-quantity=5|a|b|c"),
    get("quantity with a modifier", "/fhir/Observation?value-quantity:exact=5"),
    get("quantity exponent beyond range", "/fhir/Observation?value-quantity=1e99999999999"),
    get("number 1e400", "/fhir/RiskAssessment?probability=1e400"),
    get("date month 99", "/fhir/Observation?date=ge2026-99-99"),
    get("date not a date", "/fhir/Observation?date=notadate"),
    get("date beyond 64 bits", f"/fhir/Patient?birthdate={HUGE}"),
    get("date year 0", "/fhir/Patient?birthdate=0000-01-01"),
    get("_lastUpdated year 99999", "/fhir/Patient?_lastUpdated=gt99999-01-01"),
    get("_lastUpdated modifier", "/fhir/Patient?_lastUpdated:missing=true"),
    get("1,001 ids", f"/fhir/Patient?_id={IDS}"),
    get("101 names", f"/fhir/Patient?name={MANY}"),
    get("501 names", "/fhir/Patient?name=" + ",".join(["x"] * 501)),
    get("101 identifiers", f"/fhir/Patient?identifier={MANY}"),
    get("101 dates", "/fhir/Patient?birthdate=" + ",".join(["2000-01-01"] * 101)),
    get("101 _type values", "/fhir?_type=" + ",".join(["Patient"] * 101)),
    get("101 sort keys", "/fhir/Patient?_sort=" + ",".join(["name"] * 101)),
    get("31 criteria", "/fhir/Patient?" + "&".join(["name=x"] * 31)),
    get("501 repeated parameters", "/fhir/Patient?" + "&".join(["name=x"] * 501)),
    get("101 result parameters", "/fhir/Patient?" + "&".join(["_elements=id"] * 101)),
    get("_sort unknown", "/fhir/Patient?_sort=nonsense"),
    get("_include malformed", "/fhir/Patient?_include=nonsense"),
    get("_include *", "/fhir/Patient?_include=*"),
    get("_summary unknown", "/fhir/Patient?_summary=bogus"),
    get("_total unknown", "/fhir/Patient?_total=bogus"),
    get(":missing not a boolean", "/fhir/Patient?name:missing=maybe"),
    get("unknown modifier", "/fhir/Patient?gender:bogus=male"),
    get("_has malformed", "/fhir/Patient?_has:Observation=x"),
    get("_has on a non-reference", "/fhir/Patient?_has:Observation:code:code=x"),
    get("chain on a string", "/fhir/Observation?code.name=x"),
    get("chain five deep", "/fhir/Observation?" + "subject.organization." * 3 + "partof.name=x"),
    get("name with NUL", f"/fhir/Patient?name={NUL}"),
    get("identifier with NUL", f"/fhir/Patient?identifier=a|b{NUL}"),
    get("_id with NUL", f"/fhir/Patient?_id=p1{NUL}"),
    get("token with NUL system", f"/fhir/Patient?gender={NUL}|male"),
    get("reference with NUL", f"/fhir/Observation?subject=Patient/p{NUL}"),
    get("string parameter with a control character", "/fhir/Patient?family=%01"),
    get("strict unknown parameter", "/fhir/Patient?bogus=1", prefer="handling=strict"),
    get("$expand count not a number", "/fhir/ValueSet/$expand?url=http://x&count=abc"),
    get("$expand offset beyond 64 bits", f"/fhir/ValueSet/$expand?url=http://x&offset={HUGE}"),
    get("$lookup with NUL", f"/fhir/CodeSystem/$lookup?system=http://x{NUL}&code=a{NUL}"),
    get("$ihe-pix with NUL", f"/fhir/Patient/$ihe-pix?sourceIdentifier=urn:x|{NUL}"),
    get("$ihe-pix malformed", "/fhir/Patient/$ihe-pix?sourceIdentifier=garbage"),
    get("reviews status unknown", "/fhir/mpi/reviews?status=bogus"),
    get("break-glass report since garbage", "/security/break-glass?since=garbage"),
    get("break-glass report since NUL", f"/security/break-glass?since={NUL}"),
]

HEADERS = [
    put("If-Match beyond 64 bits", "/fhir/Patient/p1", js(patient() | {"id": "p1"}),
        **{"if-match": f'W/"{HUGE}"'}),
    put("If-Match superscript two", "/fhir/Patient/p1", js(patient() | {"id": "p1"}),
        **{"if-match": 'W/"²"'.encode("latin-1")}),
    put("If-Match garbage", "/fhir/Patient/p1", js(patient() | {"id": "p1"}),
        **{"if-match": "garbage"}),
    post("If-None-Exist with NUL", "/fhir/Patient", js(patient()),
         {**FHIR_JSON, "if-none-exist": "name=%00"}),
    post("If-None-Exist _count not a number", "/fhir/Patient", js(patient()),
         {**FHIR_JSON, "if-none-exist": "identifier=x&_count=abc"}),
    post("If-None-Exist quantity 1e400", "/fhir/Observation", js(glucose("Patient/p1", 1)),
         {**FHIR_JSON, "if-none-exist": "value-quantity=1e400"}),
    post("X-Purpose-Of-Use unknown", "/fhir/Patient", js(patient()),
         {**FHIR_JSON, "x-purpose-of-use": "BOGUS"}),
]  # fmt: skip

BODIES = [
    post("broken JSON", "/fhir/Patient", b"{"),
    post("empty body", "/fhir/Patient", b""),
    post("whitespace body", "/fhir/Patient", b"   "),
    post("JSON array", "/fhir/Patient", b"[]"),
    post("JSON string", "/fhir/Patient", b'"Patient"'),
    post("JSON null", "/fhir/Patient", b"null"),
    post("JSON number beyond 64 bits", "/fhir/Patient", HUGE.encode()),
    post("no resourceType", "/fhir/Patient", b"{}"),
    post("resourceType a number", "/fhir/Patient", b'{"resourceType":5}'),
    post("resourceType of another type", "/fhir/Patient", js(glucose("Patient/p1", 1))),
    post("unknown type", "/fhir/NotAType", b'{"resourceType":"NotAType"}'),
    post("id a number", "/fhir/Observation", js(glucose("Patient/p1", 1) | {"id": 5})),
    post("NUL in a string", "/fhir/Patient", js(with_control("\x00"))),
    post("SOH in a string", "/fhir/Patient", js(with_control("\x01"))),
    post("BEL in a string", "/fhir/Patient", js(with_control("\x07"))),
    post("US in a string", "/fhir/Patient", js(with_control("\x1f"))),
    post("NUL in a code", "/fhir/Patient", js(patient() | {"gender": "male\x00"})),
    post("NUL in a date", "/fhir/Patient", js(patient() | {"birthDate": "1990-01-01\x00"})),
    post("NUL in an identifier", "/fhir/Patient",
         js(patient() | {"identifier": [{"system": "urn:x", "value": "1\x00"}]})),
    post("NUL in a uri", "/fhir/Patient",
         js(patient() | {"identifier": [{"system": "urn:x\x00", "value": "1"}]})),
    post("NUL in a markdown", "/fhir/Observation",
         js(glucose("Patient/p1", 1) | {"note": [{"text": "a\x00b"}]})),
    post("NUL in an extension url", "/fhir/Patient",
         js(patient() | {"extension": [{"url": "http://x\x00", "valueString": "a"}]})),
    post("NUL in narrative", "/fhir/Patient", js(patient() | {"text": {
        "status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">\x00</div>'}})),
    post("NUL in a key", "/fhir/Patient", js(patient() | {"gen\x00der": "male"})),
    post("NUL in a reference", "/fhir/Observation", js(glucose("Patient/p\x001", 1))),
    post("lone surrogate", "/fhir/Patient", raw_patient('"name":[{"family":"\\ud800"}]')),
    post("invalid UTF-8", "/fhir/Patient", raw_patient('"name":[{"family":"') + b'\xff"}]}'),
    post("overlong UTF-8", "/fhir/Patient", raw_patient('"name":[{"family":"') + b'\xc0\xaf"}]}'),
    post("Latin-1 body", "/fhir/Patient", '{"resourceType":"Patient","name":[{"family":"Mü'
         .encode("latin-1") + b'"}]}'),
    post("integer beyond 64 bits", "/fhir/Patient", raw_patient(f'"multipleBirthInteger":{HUGE}')),
    post("integer beyond 32 bits", "/fhir/Patient", raw_patient('"multipleBirthInteger":4294967296')),
    post("integer a fraction", "/fhir/Patient", raw_patient('"multipleBirthInteger":1.5')),
    post("integer 1e400", "/fhir/Patient", raw_patient('"multipleBirthInteger":1e400')),
    post("decimal 1e400", "/fhir/Observation", raw_observation("1e400")),
    post("decimal -1e400", "/fhir/Observation", raw_observation("-1e400")),
    post("decimal NaN", "/fhir/Observation", raw_observation("NaN")),
    post("decimal Infinity", "/fhir/Observation", raw_observation("Infinity")),
    post("decimal a string", "/fhir/Observation", raw_observation('"5.4"')),
    post("decimal of 400 digits", "/fhir/Observation", raw_observation("1" * 400)),
    post("boolean a string", "/fhir/Patient", js(patient() | {"active": "true"})),
    post("array where one is due", "/fhir/Patient", js(patient() | {"gender": ["male"]})),
    post("object where an array is due", "/fhir/Patient", js(patient() | {"name": {"family": "王"}})),
    post("empty array", "/fhir/Patient", js(patient() | {"name": []})),
    post("null value", "/fhir/Patient", js(patient() | {"gender": None})),
    post("contained a string", "/fhir/Patient", js(patient() | {"contained": ["x"]})),
    post("contained without type", "/fhir/Patient", js(patient() | {"contained": [{}]})),
    post("_birthDate a number", "/fhir/Patient", js(patient() | {"_birthDate": 5})),
    post("extension url a number", "/fhir/Patient", js(patient() | {"extension": [{"url": 5}]})),
    post("extensions 200 deep", "/fhir/Patient", js(patient() | {"extension": [deep_extension(200)]})),
    post("extensions 60 deep", "/fhir/Patient", js(patient() | {"extension": [deep_extension(60)]})),
    post("arrays 5000 deep", "/fhir/Patient", b'{"resourceType":"Patient","x":'
         + b"[" * 5000 + b"]" * 5000 + b"}"),
    post("arrays 5000 deep with a decimal", "/fhir/Patient", b'{"resourceType":"Patient",'
         b'"y":1.50,"x":' + b"[" * 5000 + b"]" * 5000 + b"}"),
    post("objects 900 deep", "/fhir/Patient", b'{"resourceType":"Patient","x":'
         + b'{"a":' * 900 + b"1" + b"}" * 900 + b"}"),
    post("100,001 given names", "/fhir/Patient", js(patient() | {"name": [
        {"family": "王", "given": ["伟"] * 100_001}]})),
    post("22 MB string", "/fhir/Patient", js(patient() | {"name": [{"family": "王" * 7_500_000}]})),
    post("XML body", "/fhir/Patient", b'<Patient xmlns="http://hl7.org/fhir"/>',
         {"content-type": "application/fhir+xml"}),
    post("text/plain JSON", "/fhir/Patient", js(patient()), {"content-type": "text/plain"}),
    post("form body", "/fhir/Patient", b"resourceType=Patient",
         {"content-type": "application/x-www-form-urlencoded"}),
    post("multipart body", "/fhir/Patient", b"--x\r\n\r\n--x--",
         {"content-type": "multipart/form-data; boundary=x"}),
    post("Binary with bad base64", "/fhir/Binary",
         js({"resourceType": "Binary", "contentType": "text/plain", "data": "!!!"})),
    post("Binary base64 of wrong length", "/fhir/Binary",
         js({"resourceType": "Binary", "contentType": "text/plain", "data": "abc"})),
    put("PUT with another id", "/fhir/Patient/p1", js(patient() | {"id": "p2"})),
    put("PUT without a body", "/fhir/Patient/p1", b""),
    put("PUT of a string", "/fhir/Patient/p1", b'"x"'),
    put("PUT with NUL", "/fhir/Patient/p1", js(with_control("\x00") | {"id": "p1"})),
    put("PUT to an id with NUL", f"/fhir/Patient/p{NUL}", js(patient() | {"id": "p\x00"})),
    put("PUT to an id of 65 characters", "/fhir/Patient/" + "a" * 65,
        js(patient() | {"id": "a" * 65})),
    put("PUT to an id with a space", "/fhir/Patient/a%20b", js(patient() | {"id": "a b"})),
    put("PUT of another type", "/fhir/Patient/p1", js(glucose("Patient/p1", 1) | {"id": "p1"})),
    put("conditional PUT with NUL criteria", f"/fhir/Patient?name={NUL}", js(patient())),
    put("conditional PUT _count not a number", "/fhir/Patient?name=x&_count=abc", js(patient())),
    Hostile("conditional PUT without criteria", "PUT", "/fhir/Patient", js(patient()), FHIR_JSON),
    Hostile("conditional DELETE with NUL", "DELETE", f"/fhir/Patient?name={NUL}"),
    Hostile("conditional DELETE quantity 1e400", "DELETE", "/fhir/Observation?value-quantity=1e400"),
    Hostile("DELETE id with NUL", "DELETE", f"/fhir/Patient/p{NUL}"),
    Hostile("DELETE unknown type", "DELETE", "/fhir/NotAType/p1"),
    patch("patch not JSON", b"{"),
    patch("patch an object", b"{}"),
    patch("patch of numbers", b"[5]"),
    patch("patch op unknown", js([{"op": "bogus", "path": "/gender"}])),
    patch("patch op missing", js([{"path": "/gender", "value": "female"}])),
    patch("patch path beyond 64 bits", js([{"op": "replace", "path": f"/name/{HUGE}/family",
                                            "value": "x"}])),
    patch("patch path nowhere", js([{"op": "remove", "path": "/nowhere"}])),
    patch("patch path not a pointer", js([{"op": "replace", "path": "gender", "value": "x"}])),
    patch("patch value with NUL", js([{"op": "replace", "path": "/gender", "value": "\x00"}])),
    patch("patch test fails", js([{"op": "test", "path": "/gender", "value": "female"}])),
    patch("patch to another type", js([{"op": "replace", "path": "/resourceType",
                                        "value": "Observation"}])),
    patch("patch changing the id", js([{"op": "replace", "path": "/id", "value": "p2"}])),
    patch("patch with a JSON content type", js([{"op": "remove", "path": "/gender"}]),
          "application/json"),
    patch("patch 5000 deep", b"[" * 5000 + b"]" * 5000),
]  # fmt: skip

GOOD = patient()
TRANSACTIONS = [
    post("Bundle of another kind", "/fhir", js(bundle("document", entry(GOOD)))),
    post("Bundle without type", "/fhir", js({"resourceType": "Bundle", "entry": []})),
    post("Bundle type a number", "/fhir", js({"resourceType": "Bundle", "type": 5})),
    post("not a Bundle", "/fhir", js(GOOD)),
    post("Bundle as an array", "/fhir", b"[]"),
    post("entry a number", "/fhir", js({"resourceType": "Bundle", "type": "transaction", "entry": 5})),
    post("entry a string", "/fhir", js({"resourceType": "Bundle", "type": "transaction",
                                        "entry": "x"})),
    post("entry an object", "/fhir", js({"resourceType": "Bundle", "type": "transaction",
                                         "entry": {}})),
    transaction("entry item a number", entry(GOOD), 5),
    transaction("entry item null", entry(GOOD), None),
    transaction("entry item an array", entry(GOOD), []),
    transaction("entry item empty", entry(GOOD), {}),
    transaction("resource a string", entry(GOOD), entry("Patient", url="Patient")),
    transaction("resource a number", entry(GOOD), entry(5, url="Patient")),
    transaction("resource an array", entry(GOOD), entry([GOOD], url="Patient")),
    transaction("resource without type", entry(GOOD), entry({"gender": "male"}, url="Patient")),
    transaction("resource of an unknown type", entry({"resourceType": "NotAType"})),
    transaction("resource of another type than the url", entry(GOOD, url="Observation")),
    transaction("request a string", entry(GOOD), {"resource": GOOD, "request": "POST"}),
    transaction("request missing", entry(GOOD), {"resource": GOOD}),
    transaction("method a number", entry(GOOD), entry(GOOD, request={"method": 5})),
    transaction("method an array", entry(GOOD), entry(GOOD, request={"method": ["POST"]})),
    transaction("method unknown", entry(GOOD), entry(GOOD, request={"method": "FOO"})),
    transaction("url a number", entry(GOOD), entry(GOOD, request={"url": 5})),
    transaction("url empty", entry(GOOD), entry(GOOD, request={"url": ""})),
    transaction("url null", entry(GOOD), entry(GOOD, request={"url": None})),
    transaction("ifNoneExist a number", entry(GOOD), entry(GOOD, request={"ifNoneExist": 5})),
    transaction("ifNoneExist an array", entry(GOOD), entry(GOOD, request={"ifNoneExist": []})),
    transaction("ifNoneExist with NUL", entry(GOOD, request={"ifNoneExist": "name=\x00"})),
    transaction("ifNoneExist quantity 1e400",
                entry(glucose("Patient/p1", 1), request={"ifNoneExist": "value-quantity=1e400"})),
    transaction("ifMatch a number", entry(GOOD),
                entry(patient() | {"id": "p1"}, "PUT", "Patient/p1", request={"ifMatch": 5})),
    transaction("ifMatch garbage", entry(GOOD),
                entry(patient() | {"id": "p1"}, "PUT", "Patient/p1", request={"ifMatch": "x"})),
    transaction("ifMatch superscript two", entry(GOOD),
                entry(patient() | {"id": "p1"}, "PUT", "Patient/p1",
                      request={"ifMatch": 'W/"²"'})),
    transaction("PATCH with bad base64", entry(GOOD),
                entry(binary_patch("!!!"), "PATCH", "Patient/p1")),
    transaction("PATCH with base64 of wrong length", entry(GOOD),
                entry(binary_patch("abc"), "PATCH", "Patient/p1")),
    transaction("PATCH with base64 of not JSON", entry(GOOD),
                entry(binary_patch(b64(b"not json")), "PATCH", "Patient/p1")),
    transaction("PATCH with base64 of an object", entry(GOOD),
                entry(binary_patch(b64(b"{}")), "PATCH", "Patient/p1")),
    transaction("PATCH with base64 of invalid UTF-8", entry(GOOD),
                entry(binary_patch(b64(b'["\xff"]')), "PATCH", "Patient/p1")),
    transaction("PATCH with data a number", entry(GOOD),
                entry(binary_patch("x") | {"data": 5}, "PATCH", "Patient/p1")),
    transaction("PATCH with a Parameters body", entry(GOOD),
                entry({"resourceType": "Parameters"}, "PATCH", "Patient/p1")),
    transaction("PATCH of an unknown op", entry(GOOD),
                entry(binary_patch(b64(js([{"op": "bogus"}]))), "PATCH", "Patient/p1")),
    transaction("PUT without an id", entry(GOOD), entry(GOOD, "PUT", "Patient")),
    transaction("PUT with too many parts", entry(GOOD), entry(GOOD, "PUT", "Patient/p1/x")),
    transaction("entry PUT with another id", entry(GOOD), entry(patient() | {"id": "p2"}, "PUT",
                                                          "Patient/p1")),
    transaction("entry PUT to an id with NUL", entry(GOOD), entry(patient() | {"id": "p\x00"}, "PUT",
                                                            "Patient/p\x00")),
    transaction("PUT to an unknown type", entry(GOOD),
                entry({"resourceType": "NotAType", "id": "x"}, "PUT", "NotAType/x")),
    transaction("DELETE without an id", entry(GOOD), {"request": {"method": "DELETE",
                                                                  "url": "Patient"}}),
    transaction("DELETE of an unknown type", entry(GOOD),
                {"request": {"method": "DELETE", "url": "NotAType/x"}}),
    transaction("DELETE with NUL criteria", entry(GOOD),
                {"request": {"method": "DELETE", "url": "Patient?name=\x00"}}),
    transaction("GET with _count not a number", entry(GOOD),
                {"request": {"method": "GET", "url": "Patient?_count=abc"}}),
    transaction("GET with too many parts", entry(GOOD),
                {"request": {"method": "GET", "url": "Patient/p1/_history/x/y"}}),
    transaction("relative fullUrl", entry(GOOD, fullUrl="Patient/new")),
    transaction("fullUrl a number", entry(GOOD, fullUrl=5)),
    transaction("version-specific fullUrl",
                entry(GOOD, fullUrl="http://kangtong.test/fhir/Patient/x/_history/1")),
    transaction("duplicate fullUrl", entry(GOOD, fullUrl=URN + "1"),
                entry(patient("李", "娜"), fullUrl=URN + "1")),
    transaction("unresolved urn:uuid reference", entry(glucose(URN + "9", 5.0))),
    transaction("malformed urn:uuid fullUrl", entry(GOOD, fullUrl="urn:uuid:not-a-uuid")),
    transaction("conditional reference with NUL",
                entry(glucose("Patient?name=\x00", 5.0))),
    transaction("conditional reference quantity 1e400",
                entry(glucose("Observation?value-quantity=1e400", 5.0))),
    transaction("conditional reference matching nothing",
                entry(glucose("Patient?identifier=urn:x|nobody", 5.0))),
    transaction("resource with NUL", entry(GOOD), entry(with_control("\x00"))),
    transaction("resource with extensions 200 deep",
                entry(patient() | {"extension": [deep_extension(200)]})),
    post("transaction of 10,001 entries", "/fhir",
         js(bundle("transaction", *[entry(GOOD)] * 10_001))),
]  # fmt: skip

DOCUMENTS = [
    post("document whose reference resolves to nothing", "/fhir/Bundle", js({
        "resourceType": "Bundle", "type": "document", "timestamp": "2026-03-01T08:00:00+08:00",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": URN + "7"},
        "entry": [
            {"fullUrl": URN + "1", "resource": {
                "resourceType": "Composition", "status": "final",
                "type": {"text": "出院小结"}, "date": "2026-03-01", "title": "出院小结",
                "author": [{"display": "医生"}], "subject": {"reference": URN + "2"}}},
        ]})),
    post("document whose reference resolves to two entries", "/fhir/Bundle", js({
        "resourceType": "Bundle", "type": "document", "timestamp": "2026-03-01T08:00:00+08:00",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": URN + "7"},
        "entry": [
            {"fullUrl": URN + "1", "resource": {
                "resourceType": "Composition", "status": "final",
                "type": {"text": "出院小结"}, "date": "2026-03-01", "title": "出院小结",
                "author": [{"display": "医生"}],
                "subject": {"reference": "http://kangtong.test/fhir/Patient/p9"}}},
            {"fullUrl": "http://kangtong.test/fhir/Patient/p9",
             "resource": {"resourceType": "Patient", "id": "p9"}},
            {"fullUrl": "http://kangtong.test/fhir/Patient/p9",
             "resource": {"resourceType": "Patient", "id": "p9"}},
        ]})),
    post("collection with duplicate fullUrls", "/fhir/Bundle", js({
        "resourceType": "Bundle", "type": "collection",
        "entry": [{"fullUrl": URN + "1", "resource": GOOD}, {"fullUrl": URN + "1", "resource": GOOD}],
    })),
    post("collection with a version-specific fullUrl", "/fhir/Bundle", js({
        "resourceType": "Bundle", "type": "collection",
        "entry": [{"fullUrl": "http://kangtong.test/fhir/Patient/x/_history/2",
                   "resource": GOOD | {"id": "x"}}],
    })),
]  # fmt: skip

BATCHES = [
    batch("batch resource a string", entry("Patient", url="Patient")),
    batch("batch resource a number", entry(5, url="Patient")),
    batch("batch entry item a number", 5),
    batch("batch request missing", {"resource": GOOD}),
    batch("batch method unknown", entry(GOOD, request={"method": "FOO"})),
    batch("batch ifNoneExist a number", entry(GOOD, request={"ifNoneExist": 5})),
    batch("batch ifNoneExist with NUL", entry(GOOD, request={"ifNoneExist": "name=\x00"})),
    batch("batch resource with NUL", entry(with_control("\x00"))),
    batch("batch PATCH with bad base64", entry(binary_patch("!!!"), "PATCH", "Patient/p1")),
    batch("batch PATCH of not JSON", entry(binary_patch(b64(b"x")), "PATCH", "Patient/p1")),
    batch("batch relative fullUrl", entry(GOOD, fullUrl="Patient/new")),
    batch("batch duplicate fullUrl", entry(GOOD, fullUrl=URN + "1"), entry(GOOD, fullUrl=URN + "1")),
    batch("batch unresolved urn:uuid", entry(glucose(URN + "9", 5.0))),
    batch("batch GET _count not a number", {"request": {"method": "GET", "url": "Patient?_count=a"}}),
    batch("batch DELETE with NUL", {"request": {"method": "DELETE", "url": "Patient?name=\x00"}}),
    batch("batch If-Match superscript", entry(patient() | {"id": "p1"}, "PUT", "Patient/p1",
                                              request={"ifMatch": 'W/"²"'})),
    batch("batch extensions 200 deep", entry(patient() | {"extension": [deep_extension(200)]})),
]  # fmt: skip

PARAMETERS = {"content-type": "application/fhir+json"}
OPERATIONS = [
    post("$validate of a string", "/fhir/Patient/$validate", b'"x"'),
    post("$validate with parameter a string", "/fhir/Patient/$validate",
         js({"resourceType": "Parameters", "parameter": "x"})),
    post("$validate with parameter items numbers", "/fhir/Patient/$validate",
         js({"resourceType": "Parameters", "parameter": [5]})),
    post("$validate extensions 200 deep", "/fhir/Patient/$validate",
         js(patient() | {"extension": [deep_extension(200)]})),
    post("$validate arrays 5000 deep", "/fhir/Patient/$validate", b'{"resourceType":"Patient",'
         b'"y":1.50,"x":' + b"[" * 5000 + b"]" * 5000 + b"}"),
    post("$match with parameter a number", "/fhir/Patient/$match",
         js({"resourceType": "Parameters", "parameter": 5})),
    post("$match with parameter items strings", "/fhir/Patient/$match",
         js({"resourceType": "Parameters", "parameter": ["x"]})),
    post("$match with a resource string", "/fhir/Patient/$match",
         js({"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": "x"}]})),
    post("$match count not a number", "/fhir/Patient/$match",
         js({"resourceType": "Parameters", "parameter": [
             {"name": "resource", "resource": GOOD}, {"name": "count", "valueInteger": "x"}]})),
    post("$match count beyond 64 bits", "/fhir/Patient/$match?count=" + HUGE,
         js({"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": GOOD}]})),
    post("$match of a body that is not Parameters", "/fhir/Patient/$match", js(GOOD)),
    post("$mpi-link with a valueReference string", "/fhir/Patient/p1/$mpi-link",
         js({"resourceType": "Parameters", "parameter": [{"name": "person",
                                                          "valueReference": "x"}]})),
    post("$merge with a NUL person", "/fhir/Person/$merge?survivor=Person/a%00&merged=Person/b",
         b""),
    post("$lookup of a string", "/fhir/CodeSystem/$lookup", b'"x"'),
    post("$lookup with parameter a number", "/fhir/CodeSystem/$lookup",
         js({"resourceType": "Parameters", "parameter": 5})),
    post("$expand with count a string", "/fhir/ValueSet/$expand",
         js({"resourceType": "Parameters", "parameter": [
             {"name": "url", "valueUri": "http://x"}, {"name": "count", "valueInteger": "x"}]})),
    post("$validate-code with NUL", "/fhir/ValueSet/$validate-code",
         js({"resourceType": "Parameters", "parameter": [
             {"name": "url", "valueUri": "http://x\x00"}, {"name": "code", "valueCode": "a"}]})),
    Hostile("_search form _count not a number", "POST", "/fhir/Patient/_search", b"_count=abc",
            {"content-type": "application/x-www-form-urlencoded"}),
    Hostile("_search form with NUL", "POST", "/fhir/Patient/_search", b"name=%00",
            {"content-type": "application/x-www-form-urlencoded"}),
    post("break-glass of a string", "/security/break-glass", b'"x"', PARAMETERS),
    post("break-glass patient a number", "/security/break-glass",
         js({"patient": 5, "reason": "x"}), PARAMETERS),
    post("break-glass minutes beyond 64 bits", "/security/break-glass",
         b'{"patient":"Patient/p1","reason":"x","minutes":' + HUGE.encode() + b"}", PARAMETERS),
    post("break-glass patient with NUL", "/security/break-glass",
         js({"patient": "Patient/p\x00", "reason": "x"}), PARAMETERS),
    post("export request of a string", "/export/requests", b'"x"', PARAMETERS),
    post("export request k beyond 64 bits", "/export/requests",
         b'{"query":"Patient","purpose":"x","k":' + HUGE.encode() + b"}", PARAMETERS),
    get("export request id with NUL", f"/export/requests/x{NUL}"),
]  # fmt: skip

TABLE = QUERIES + HEADERS + BODIES + TRANSACTIONS + DOCUMENTS + BATCHES + OPERATIONS


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def hostile(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """One platform per database for the whole table, seeded with Patient/p1."""
    folder = tmp_path_factory.mktemp("hostile")
    url = (
        f"sqlite:///{folder / 'kangtong.db'}"
        if request.param == "sqlite"
        else str(request.getfixturevalue("pg_schema_url"))
    )
    settings = Settings(
        database_url=url,
        base_url="http://kangtong.test/fhir",
        security_key_dir=str(Path(folder) / "keys"),
    )
    database = open_database(url)
    upgrade(database)
    platform: Platform = build_platform(settings, database=database)
    app = create_app(platform)
    with TestClient(app, base_url="http://kangtong.test", raise_server_exceptions=False) as client:
        client.headers["authorization"] = f"Bearer {token_for(platform, 'system')}"
        seeded = client.put(
            "/fhir/Patient/p1", content=js(patient() | {"id": "p1"}), headers=FHIR_JSON
        )
        assert seeded.status_code == 201, seeded.text
        platform.events.drain()  # the master index files p1 now, not during a hostile request
        yield client
    platform.events.stop()
    platform.security.audit_sink.close()
    if database.dialect == "postgresql":
        _truncate(database)
    database.dispose()


def stored_versions(client: TestClient) -> int:
    return int(client.get("/fhir/_history?_summary=count").json()["total"])


def problems_with(case: Hostile, response: Any) -> list[str]:
    """What is wrong with the answer to a hostile request (nothing, for a correct answer)."""
    try:
        body = response.json()
    except ValueError:
        return [f"{response.status_code} without a JSON body: {response.text[:200]!r}"]
    if case.batch and response.status_code == 200:
        if body.get("type") != "batch-response":
            return [f"{response.status_code} instead of a batch-response: {response.text[:300]}"]
        return [
            f"entry {i}: {e.get('response')}"
            for i, e in enumerate(body.get("entry", []))
            if not str(e["response"]["status"]).startswith("4")
            or e["response"].get("outcome", {}).get("resourceType") != "OperationOutcome"
        ]
    found = []
    if not 400 <= response.status_code < 500:
        found.append(f"status {response.status_code}: {response.text[:300]}")
    if not isinstance(body, dict) or body.get("resourceType") != "OperationOutcome":
        found.append(f"not an OperationOutcome: {response.text[:200]}")
    return found


@pytest.mark.parametrize("case", TABLE, ids=[c.label for c in TABLE])
def test_hostile_request_is_refused_with_an_outcome_and_stores_nothing(
    hostile: TestClient, case: Hostile
) -> None:
    before = stored_versions(hostile)
    response = hostile.request(case.method, case.path, content=case.body, headers=case.headers)
    assert problems_with(case, response) == []
    assert stored_versions(hostile) == before


def test_every_hostile_request_has_a_label_of_its_own() -> None:
    assert len(TABLE) == len({c.label for c in TABLE})
