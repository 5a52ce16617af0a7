"""`GET /fhir/metadata` declares how to authenticate and every operation the server serves.

The operations are found on the routers, so the test walks the app's routes on its own and
checks each `$name` it finds is declared where a client looks for it — a new operation that
the statement missed fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kangtong.core.canonical import BASE
from kangtong.core.config import Settings
from kangtong.fhir.operations.everything import SUPPORTED as EVERYTHING_TYPES
from kangtong.platform import Platform, build_platform
from kangtong.store.database import Database
from kangtong.web.app import create_app
from tests.api.test_access_routes import _routes

SMART = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
HL7 = "http://hl7.org/fhir/OperationDefinition/"
# One route in an entry's documentation: "GET, POST [base]/ValueSet/$expand".
ROUTE = re.compile(r"([A-Z]+(?:, [A-Z]+)*) \[base\]([^;\s]+)")


def rest(client: TestClient) -> dict[str, Any]:
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    statement: dict[str, Any] = response.json()
    return statement["rest"][0]  # type: ignore[no-any-return]


def operations_of(rest_entry: dict[str, Any]) -> dict[str | None, dict[str, dict[str, str]]]:
    """Declared operations by resource type (None: `rest.operation`), then by name."""
    declared = {None: {o["name"]: o for o in rest_entry.get("operation", [])}}
    for resource in rest_entry["resource"]:
        declared[resource["type"]] = {o["name"]: o for o in resource.get("operation", [])}
    return declared  # type: ignore[return-value]


def oauth_uris(rest_entry: dict[str, Any]) -> dict[str, str]:
    extension = next(e for e in rest_entry["security"]["extension"] if e["url"] == SMART)
    return {e["url"]: e["valueUri"] for e in extension["extension"]}


def served_operation_routes(platform: Platform) -> list[tuple[str, str]]:
    """(method, path) of every route with a segment starting with `$`."""
    routes = set(_routes(create_app(platform).routes))
    return sorted((m, p) for m, p in routes if any(s.startswith("$") for s in p.split("/")))


# -- security ----------------------------------------------------------------------------------
def test_security_declares_smart_on_fhir(anonymous: TestClient) -> None:
    security = rest(anonymous)["security"]
    codings = [c for service in security["service"] for c in service["coding"]]
    assert {
        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
        "code": "SMART-on-FHIR",
    } in codings
    assert security["cors"] is False  # no origin is listed by default


def test_the_oauth_uris_are_those_smart_discovery_publishes(anonymous: TestClient) -> None:
    uris = oauth_uris(rest(anonymous))
    discovery = anonymous.get("/.well-known/smart-configuration").json()
    assert uris["token"] == discovery["token_endpoint"] == "http://kangtong.test/oauth2/token"
    assert uris["revoke"] == discovery["revocation_endpoint"]
    # No authorization endpoint exists, so neither document names one.
    assert ("authorize" in uris) == ("authorization_endpoint" in discovery) == False  # noqa: E712


def test_the_oauth_uris_lead_to_the_endpoints(anonymous: TestClient) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    for name, uri in oauth_uris(rest(anonymous)).items():
        response = anonymous.post(uri.removeprefix("http://kangtong.test"), headers=form)
        assert response.status_code in (400, 401), (name, response.status_code)
        assert "error" in response.json()  # the OAuth2 error shape, not a 404


@pytest.fixture
def cors_client(database_url: str, database: Database, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, base_url="https://fhir.region.example/fhir",
                        security_key_dir=str(tmp_path / "keys"),
                        cors_origins=["https://app.region.example"],
                        allowed_hosts=["fhir.region.example"])  # fmt: skip
    platform = build_platform(settings, database=database)
    with TestClient(create_app(platform), base_url="https://fhir.region.example") as client:
        yield client
    platform.events.stop()
    platform.security.audit_sink.close()


def test_cors_and_the_uris_follow_the_configuration(cors_client: TestClient) -> None:
    rest_entry = rest(cors_client)
    assert rest_entry["security"]["cors"] is True
    assert oauth_uris(rest_entry)["token"] == "https://fhir.region.example/oauth2/token"


# -- operations --------------------------------------------------------------------------------
def test_every_operation_the_routes_serve_is_declared(
    anonymous: TestClient, platform: Platform
) -> None:
    declared = operations_of(rest(anonymous))
    routes = served_operation_routes(platform)
    assert len(routes) > 20  # the FHIR core, terminology, MPI and registry operations
    for method, path in routes:
        assert path.startswith("/fhir/"), path  # operations live under the FHIR base
        segments = path.removeprefix("/fhir/").split("/")
        name = next(s for s in segments if s.startswith("$"))[1:]
        target = segments[0]
        if target in declared:  # a resource type
            places = [target]
        elif target.startswith("{"):  # any type: rest level, or the types that define it
            places = [t for t, ops in declared.items() if name in ops]
        else:  # a path of kangtong's own
            places = [None]
        assert places, f"{method} {path} is not declared"
        for place in places:
            entry = declared[place].get(name)
            assert entry is not None, f"{method} {path} is not declared on {place or 'rest'}"
            shown = path.removeprefix("/fhir").replace("{res_type}", place or "{res_type}")
            documented = ROUTE.findall(entry["documentation"])
            assert any(p == shown and method in m for m, p in documented), (method, path, entry)


def test_nothing_is_declared_that_is_not_served(anonymous: TestClient, platform: Platform) -> None:
    served = {(m, p.removeprefix("/fhir")) for m, p in served_operation_routes(platform)}
    for place, operations in operations_of(rest(anonymous)).items():
        for name, entry in operations.items():
            for methods, path in ROUTE.findall(entry["documentation"]):
                generic = re.sub(r"^/[A-Z][A-Za-z]+/", "/{res_type}/", path)
                for method in methods.split(", "):
                    assert {(method, path), (method, generic)} & served, (place, name, path)


@pytest.mark.parametrize(
    ("resource_type", "name", "definition"),
    [
        ("Patient", "match", HL7 + "Patient-match"),
        ("Patient", "ihe-pix", "https://profiles.ihe.net/ITI/PIXm/OperationDefinition/IHE.PIXm.pix"),
        ("Patient", "everything", HL7 + "Patient-everything"),
        ("Encounter", "everything", HL7 + "Encounter-everything"),
        ("ValueSet", "expand", HL7 + "ValueSet-expand"),
        ("ValueSet", "validate-code", HL7 + "ValueSet-validate-code"),
        ("CodeSystem", "lookup", HL7 + "CodeSystem-lookup"),
        ("CodeSystem", "validate-code", HL7 + "CodeSystem-validate-code"),
        ("ConceptMap", "translate", HL7 + "ConceptMap-translate"),
        (None, "validate", HL7 + "Resource-validate"),
    ],
)  # fmt: skip
def test_standard_operations_name_their_official_definition(
    anonymous: TestClient, resource_type: str | None, name: str, definition: str
) -> None:
    assert operations_of(rest(anonymous))[resource_type][name]["definition"] == definition


def test_kangtongs_own_operations_are_defined_under_the_canonical_base(
    anonymous: TestClient,
) -> None:
    declared = operations_of(rest(anonymous))
    assert declared["Person"]["merge"]["definition"] == f"{BASE}/OperationDefinition/Person-merge"
    assert declared["Organization"]["deactivate"]["definition"].startswith(BASE + "/")
    assert declared[None]["accept"]["definition"] == (
        f"{BASE}/OperationDefinition/mpi-reviews-accept"
    )
    standard = ("http://hl7.org/", "https://profiles.ihe.net/", BASE + "/")
    assert all(
        op["definition"].startswith(standard) for ops in declared.values() for op in ops.values()
    )


def test_everything_is_declared_on_the_types_it_serves(anonymous: TestClient) -> None:
    declared = operations_of(rest(anonymous))
    assert {t for t, ops in declared.items() if "everything" in ops} == EVERYTHING_TYPES
    assert "lookup" not in declared[None]  # terminology is declared on its types only
