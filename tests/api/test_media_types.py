"""The FHIR API speaks JSON: other bodies are 415, answers no JSON can satisfy are 406.

Either way the client gets an OperationOutcome in JSON that says what to send instead, and
nothing runs: no resource is stored, no audit record is written. The web UI's forms and OAuth's
token endpoint are outside `/fhir` and keep taking forms.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import orjson
import pytest
from fastapi.testclient import TestClient
from httpx import Response

from kangtong.core.ids.gb32100 import make_credit_code
from kangtong.platform import Platform
from kangtong.security.accounts import NewAccount
from kangtong.security.clients import NewClient
from kangtong.store.audit_log import AuditLogStore
from kangtong.web.app import create_app
from tests.api.conftest import token_for
from tests.api.fixtures import patient

PATIENT = orjson.dumps(patient())
XML_PATIENT = b'<Patient xmlns="http://hl7.org/fhir"><gender value="male"/></Patient>'
PASSWORD = "Kangtong-2026-安全"


@pytest.fixture
def bare(platform: Platform) -> Iterator[TestClient]:
    """A client with a token that sends no Content-Type unless a test gives one."""
    with TestClient(create_app(platform), base_url="http://kangtong.test") as test_client:
        test_client.headers["authorization"] = f"Bearer {token_for(platform, 'system')}"
        yield test_client


def audit_rows(platform: Platform) -> int:
    assert platform.security.audit_sink.writer.flush()
    with platform.db.read() as conn:
        return len(list(AuditLogStore().rows(conn)))


def stored(client: TestClient) -> int:
    return int(client.get("/fhir/_history").json()["total"])


def refusal(response: Response, status: int) -> str:
    """The diagnostics of a refusal, after checking it is a JSON OperationOutcome."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    issue = response.json()["issue"][0]
    assert (response.json()["resourceType"], issue["code"]) == ("OperationOutcome", "not-supported")
    return str(issue["diagnostics"])


# -- 415: the body ----------------------------------------------------------------------------
def test_an_xml_body_is_415_saying_json_only_and_nothing_is_stored_or_audited(
    bare: TestClient, platform: Platform
) -> None:
    before = audit_rows(platform)
    response = bare.post(
        "/fhir/Patient", content=XML_PATIENT, headers={"content-type": "application/fhir+xml"}
    )
    message = refusal(response, 415)
    assert "JSON only" in message and "application/fhir+json" in message
    assert audit_rows(platform) == before
    assert stored(bare) == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/fhir/Patient"),
        ("PUT", "/fhir/Patient/p1"),
        ("PUT", "/fhir/Patient?identifier=x"),
        ("POST", "/fhir"),
        ("POST", "/fhir/Patient/$validate"),
        ("POST", "/fhir/Patient/$match"),
        ("POST", "/fhir/ValueSet/$expand"),
    ],
)
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
     "application/xml", "application/octet-stream"],
)  # fmt: skip
def test_a_fhir_body_in_another_format_is_415(
    bare: TestClient, method: str, path: str, content_type: str
) -> None:
    response = bare.request(method, path, content=PATIENT, headers={"content-type": content_type})
    message = refusal(response, 415)
    assert "Content-Type: application/fhir+json" in message
    assert content_type.split(";")[0] in message or "XML" in message


def test_a_body_without_a_content_type_is_415_not_guessed(
    bare: TestClient, platform: Platform
) -> None:
    before = audit_rows(platform)
    message = refusal(bare.post("/fhir/Patient", content=PATIENT), 415)
    assert "no Content-Type" in message
    put = bare.put("/fhir/Patient/p1", content=orjson.dumps(patient() | {"id": "p1"}))
    refusal(put, 415)
    assert audit_rows(platform) == before
    assert bare.get("/fhir/Patient/p1").status_code == 404


def test_a_request_without_a_body_needs_no_content_type(bare: TestClient) -> None:
    """An operation that takes no body ($validate says what is missing: 400, not 415)."""
    response = bare.post("/fhir/Patient/$validate")
    assert response.status_code == 400
    assert "no body" in response.json()["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    "content_type",
    ["application/fhir+json", "application/fhir+json; charset=utf-8", "application/json",
     "Application/JSON; charset=UTF-8", "application/json+fhir", "application/fhir+json;fhirVersion=4.0"],
)  # fmt: skip
def test_json_in_utf_8_is_read(bare: TestClient, content_type: str) -> None:
    response = bare.post("/fhir/Patient", content=PATIENT, headers={"content-type": content_type})
    assert response.status_code == 201, response.text


def test_json_in_another_charset_is_415(bare: TestClient) -> None:
    response = bare.post(
        "/fhir/Patient",
        content=orjson.dumps(patient()).decode().encode("gbk"),
        headers={"content-type": "application/fhir+json; charset=GBK"},
    )
    assert "UTF-8" in refusal(response, 415)
    assert stored(bare) == 0


def test_patch_takes_only_a_json_patch_and_says_so(bare: TestClient) -> None:
    created = bare.post(
        "/fhir/Patient", content=PATIENT, headers={"content-type": "application/fhir+json"}
    )
    path = created.headers["location"].split("/_history")[0].removeprefix("http://kangtong.test")
    operations = orjson.dumps([{"op": "replace", "path": "/gender", "value": "female"}])
    for content_type in ("application/fhir+json", "application/json", "text/plain"):
        response = bare.patch(path, content=operations, headers={"content-type": content_type})
        assert "application/json-patch+json" in refusal(response, 415)
        assert response.headers["accept-patch"] == "application/json-patch+json"
    assert bare.get(path).json()["gender"] == "male"
    patched = bare.patch(
        path, content=operations, headers={"content-type": "application/json-patch+json"}
    )
    assert patched.status_code == 200 and patched.json()["gender"] == "female"


def test_search_by_post_takes_a_form(bare: TestClient) -> None:
    bare.post("/fhir/Patient", content=PATIENT, headers={"content-type": "application/fhir+json"})
    form = {"content-type": "application/x-www-form-urlencoded"}
    found = bare.post("/fhir/Patient/_search", content=b"gender=male", headers=form)
    assert (found.status_code, found.json()["total"]) == (200, 1)
    as_json = bare.post(
        "/fhir/Patient/_search",
        content=b'{"gender":"male"}',
        headers={"content-type": "application/json"},
    )
    assert "application/x-www-form-urlencoded" in refusal(as_json, 415)


def test_an_operation_that_takes_no_body_does_not_run_on_an_xml_one(
    bare: TestClient, platform: Platform
) -> None:
    """$deactivate would ignore any body: an XML one is refused before it runs."""
    uscc = make_credit_code("12", "520102", "42950012")
    org = {"resourceType": "Organization", "name": "乙医院",
           "identifier": [{"system": "urn:oid:2.16.156.10011.1.2", "value": uscc}]}  # fmt: skip
    created = bare.post(
        "/fhir/Organization",
        content=orjson.dumps(org),
        headers={"content-type": "application/json"},
    )
    org_id = created.json()["id"]
    response = bare.post(
        f"/fhir/Organization/{org_id}/$deactivate",
        content=b'<Parameters xmlns="http://hl7.org/fhir"/>',
        headers={"content-type": "application/fhir+xml"},
    )
    refusal(response, 415)
    assert bare.get(f"/fhir/Organization/{org_id}").json().get("active", True) is True


# -- 406: the answer --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "accept",
    ["application/fhir+xml", "application/xml", "text/html", "text/xml, application/xml;q=0.5",
     "application/fhir+json;q=0", "*/*;q=0", "image/*"],
)  # fmt: skip
def test_an_accept_header_that_admits_no_json_is_406_in_json(
    client: TestClient, accept: str
) -> None:
    message = refusal(client.get("/fhir/Patient", headers={"accept": accept}), 406)
    assert "JSON only" in message and "Accept: application/fhir+json" in message


@pytest.mark.parametrize(
    "accept",
    ["*/*", "application/*", "application/fhir+json", "application/json",
     "application/fhir+json;q=0.9, application/fhir+xml", "application/fhir+xml, */*;q=0.1",
     "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",  # a browser
     "application/fhir+json; fhirVersion=4.0; charset=utf-8", ""],
)  # fmt: skip
def test_an_accept_header_that_admits_json_is_answered(client: TestClient, accept: str) -> None:
    response = client.get("/fhir/Patient", headers={"accept": accept})
    assert response.status_code == 200, response.text


def test_without_accept_the_answer_is_json(client: TestClient) -> None:
    client.headers.pop("accept", None)
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")


@pytest.mark.parametrize(
    "query", ["_format=xml", "_format=application/fhir%2Bxml", "_format=text/html", "_format=ttl"]
)
def test_format_other_than_json_is_406_whatever_accept_says(client: TestClient, query: str) -> None:
    response = client.get(f"/fhir/Patient?{query}", headers={"accept": "application/fhir+json"})
    refusal(response, 406)


@pytest.mark.parametrize(
    "query",
    ["_format=json", "_format=application/fhir%2Bjson", "_format=application/fhir+json",
     "_format=application/json"],
)  # fmt: skip
def test_format_json_is_answered_and_overrides_accept(client: TestClient, query: str) -> None:
    """`_format=application/fhir+json` unencoded arrives as `fhir json`, and is still JSON."""
    response = client.get(f"/fhir/Patient?{query}", headers={"accept": "application/fhir+xml"})
    assert response.status_code == 200, response.text


def test_a_write_whose_answer_cannot_be_json_changes_nothing(
    client: TestClient, platform: Platform
) -> None:
    before = audit_rows(platform)
    response = client.post("/fhir/Patient", content=PATIENT, headers={"accept": "application/xml"})
    refusal(response, 406)
    assert audit_rows(platform) == before
    assert stored(client) == 0


def test_the_capability_statement_is_negotiated_like_the_rest(anonymous: TestClient) -> None:
    refusal(anonymous.get("/fhir/metadata", headers={"accept": "application/fhir+xml"}), 406)
    assert anonymous.get("/fhir/metadata?_format=json").status_code == 200


# -- outside /fhir: forms keep working --------------------------------------------------------
def test_oauth_token_requests_are_still_forms(anonymous: TestClient, platform: Platform) -> None:
    secret = platform.security.clients.register(
        NewClient("his-1", "org-hosp", "HIS", "client_secret_post", ("system/*.cruds",))  # type: ignore[arg-type]
    )
    response = anonymous.post(
        "/oauth2/token",
        content=f"grant_type=client_credentials&client_id=his-1&client_secret={secret}",
        headers={"content-type": "application/x-www-form-urlencoded", "accept": "text/html"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "Bearer"


def test_the_web_login_form_still_logs_in(platform: Platform) -> None:
    platform.security.accounts.create(NewAccount("lina", PASSWORD, ("nurse",)))
    with TestClient(create_app(platform), base_url="http://kangtong.test") as browser:
        page = browser.get("/login", headers={"accept": "text/html"})
        assert page.status_code == 200
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf is not None
        response = browser.post(
            "/login",
            data={"csrf_token": csrf.group(1), "username": "lina", "password": PASSWORD},
            headers={"accept": "text/html"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert browser.get("/me", headers={"accept": "text/html"}).status_code == 200


def test_the_health_check_answers_any_accept(anonymous: TestClient) -> None:
    assert anonymous.get("/healthz", headers={"accept": "text/html"}).status_code == 200
