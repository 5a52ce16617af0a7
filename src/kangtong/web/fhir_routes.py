"""The FHIR REST API under /fhir: thin handlers that parse HTTP and call the resource service."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from kangtong.core.errors import Invalid, Issue, MethodNotAllowed, UnsupportedMediaType
from kangtong.core.jsonutil import parse_fhir_json
from kangtong.fhir import subsetting
from kangtong.fhir.bundle_entries import json_patch
from kangtong.fhir.capability import capability_statement
from kangtong.fhir.etags import version_number
from kangtong.fhir.operations import everything as everything_op
from kangtong.fhir.operations import validate as validate_op
from kangtong.fhir.outcome import information, outcome_of
from kangtong.fhir.results import WriteOutcome
from kangtong.fhir.search.parser import whole_number
from kangtong.platform import Platform
from kangtong.security.smart_config import capability_security
from kangtong.web import responses
from kangtong.web.media_types import JSON_PATCH, media_type_of
from kangtong.web.requests import (
    FormBody,
    RawBody,
    access_context,
    base_url,
    if_match_version,
    json_body,
    json_limits,
    parameters_body,
    prefer,
    query_pairs,
    server_origin,
)

router = APIRouter(prefix="/fhir")
READ_SUMMARY_MODES = frozenset({"true", "false", "text", "data"})


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def _base(request: Request) -> str:
    return base_url(request, _platform(request).settings.base_url)


def _write_response(request: Request, outcome: WriteOutcome) -> Response:
    stored = outcome.resource
    headers = responses.resource_headers(stored, _base(request), location=True)
    headers.update(responses.warning_headers(outcome.warnings))
    wanted = prefer(request, "return") or "representation"
    if wanted == "minimal":
        return Response(status_code=outcome.status, headers=headers)
    if wanted == "OperationOutcome":
        message = f"{stored.res_type}/{stored.res_id} stored as version {stored.version}"
        body = outcome_of([Issue("information", "informational", message), *outcome.warnings])
        return responses.fhir_response(body, outcome.status, headers)
    return responses.fhir_response(stored.content, outcome.status, headers)


@router.get("/metadata")
def metadata(request: Request) -> Response:
    base = _base(request)
    cache: dict[str, bytes] = request.app.state.capability_cache
    if base not in cache:
        platform = _platform(request)
        origin = server_origin(request, platform.settings.base_url)
        statement = capability_statement(
            platform.registry,
            sorted(platform.model.resource_types),
            base,
            operations=request.app.state.fhir_operations,
            security=capability_security(origin, cors=bool(platform.settings.cors_origins)),
        )
        cache[base] = orjson.dumps(statement)
    return responses.fhir_response(cache[base])


@router.post("")
def transaction_or_batch(request: Request, raw: RawBody) -> Response:
    platform = _platform(request)
    bundle = json_body(request, raw)
    result = platform.bundles.process(access_context(request), bundle)
    return responses.fhir_response(result)


@router.get("")
def search_system(request: Request) -> Response:
    return _search(request, None)


@router.get("/_history")
def history_system(request: Request) -> Response:
    return _history(request, None, None)


@router.get("/{res_type}")
def search_type(request: Request, res_type: str) -> Response:
    return _search(request, res_type)


@router.post("/{res_type}/_search")
def search_post(request: Request, res_type: str, form: FormBody) -> Response:
    params = query_pairs(request) + [(k, str(v)) for k, v in form.multi_items()]
    return _search(request, res_type, params)


def _search(
    request: Request, res_type: str | None, params: list[tuple[str, str]] | None = None
) -> Response:
    platform = _platform(request)
    pairs = params if params is not None else query_pairs(request)
    if res_type is None:
        _check_types(platform, pairs)
    strict = prefer(request, "handling") == "strict"
    result = platform.service.search(access_context(request), res_type, pairs, strict=strict)
    path = f"/{res_type}" if res_type else ""
    body = responses.searchset(result, _base(request), path, pairs, platform.model)
    return responses.fhir_response(body)


def _check_types(platform: Platform, pairs: list[tuple[str, str]]) -> None:
    """`_type` of a system search names resource types only."""
    for name, value in pairs:
        for res_type in value.split(",") if name == "_type" else ():
            if res_type and res_type not in platform.model.resource_types:
                raise Invalid(f"_type '{res_type}' is not a FHIR R4 resource type")


@router.get("/{res_type}/_history")
def history_type(request: Request, res_type: str) -> Response:
    return _history(request, res_type, None)


@router.get("/{res_type}/{res_id}/_history")
def history_instance(request: Request, res_type: str, res_id: str) -> Response:
    return _history(request, res_type, res_id)


def _history(request: Request, res_type: str | None, res_id: str | None) -> Response:
    platform = _platform(request)
    params = query_pairs(request)
    values = dict(params)
    count = min(
        whole_number("_count", values.get("_count") or str(platform.settings.default_page_size)),
        platform.settings.max_page_size,
    )
    offset = whole_number("_offset", values.get("_offset") or "0")
    since = values.get("_since")
    since_us = _instant_us(since) if since else None
    result = platform.service.history(
        access_context(request), res_type, res_id, since_us=since_us, count=count, offset=offset
    )
    path = "/" + "/".join(p for p in (res_type, res_id) if p) + "/_history"
    return responses.fhir_response(
        responses.history_bundle(result, _base(request), path.replace("//", "/"), params)
    )


def _instant_us(value: str) -> int:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Invalid(f"_since '{value}' is not an instant like 2026-01-01T00:00:00Z") from exc
    if moment.tzinfo is None:
        raise Invalid("_since needs a time zone")
    return int(moment.timestamp() * 1_000_000)


@router.post("/{res_type}")
def create(request: Request, res_type: str, raw: RawBody) -> Response:
    platform = _platform(request)
    platform.service.require_type(res_type)
    resource = json_body(request, raw)
    if resource.get("resourceType") != res_type:
        raise Invalid(f"POST /{res_type} received a {resource.get('resourceType')}")
    if not isinstance(resource.get("id", ""), str):
        raise Invalid("Resource.id must be a string")
    resource.pop("id", None)  # the server assigns ids on create
    outcome = platform.service.create(
        access_context(request), resource, if_none_exist=request.headers.get("if-none-exist")
    )
    return _write_response(request, outcome)


@router.put("/{res_type}")
def conditional_update(request: Request, res_type: str, raw: RawBody) -> Response:
    platform = _platform(request)
    platform.service.require_type(res_type)
    query = urlencode(query_pairs(request))
    if not query:
        raise MethodNotAllowed("PUT on a type needs search criteria (conditional update)")
    resource = json_body(request, raw)
    outcome = platform.service.conditional_update(
        access_context(request), res_type, query, resource
    )
    return _write_response(request, outcome)


@router.delete("/{res_type}")
def conditional_delete(request: Request, res_type: str) -> Response:
    platform = _platform(request)
    platform.service.require_type(res_type)
    query = urlencode(query_pairs(request))
    if not query:
        raise MethodNotAllowed("DELETE on a type needs search criteria (conditional delete)")
    platform.service.conditional_delete(access_context(request), res_type, query)
    return Response(status_code=204)


@router.api_route("/{res_type}/$validate", methods=["POST"])
def validate_type(request: Request, res_type: str, raw: RawBody) -> Response:
    platform = _platform(request)
    platform.service.require_type(res_type)
    body = parameters_body(request, raw)
    return responses.fhir_response(validate_op.validate(platform.service, res_type, body))


@router.api_route("/{res_type}/{res_id}/$validate", methods=["POST"])
def validate_instance(request: Request, res_type: str, res_id: str, raw: RawBody) -> Response:
    return validate_type(request, res_type, raw)


@router.get("/{res_type}/{res_id}/$everything")
def everything(request: Request, res_type: str, res_id: str) -> Response:
    platform = _platform(request)
    result = everything_op.everything(platform.service, access_context(request), res_type, res_id)
    body = responses.searchset(
        result, _base(request), f"/{res_type}/{res_id}/$everything", [], platform.model
    )
    return responses.fhir_response(body)


@router.get("/{res_type}/{res_id}")
def read(request: Request, res_type: str, res_id: str) -> Response:
    platform = _platform(request)
    stored = platform.service.read(access_context(request), res_type, res_id)
    headers = responses.resource_headers(stored, _base(request))
    if request.headers.get("if-none-match") == stored.etag:
        return Response(status_code=304, headers=headers)
    summary = request.query_params.get("_summary")
    if summary is not None and summary not in READ_SUMMARY_MODES:
        raise Invalid(f"_summary on a read takes one of {', '.join(sorted(READ_SUMMARY_MODES))}")
    elements = request.query_params.get("_elements")
    body: bytes | dict[str, Any] | None = stored.content
    if (summary or elements) and stored.content is not None:
        resource = parse_fhir_json(stored.content)
        if elements:
            body = subsetting.keep_elements(resource, [e.strip() for e in elements.split(",")])
        elif summary:
            body = subsetting.summary(resource, summary, platform.model.summary_elements(res_type))
    return responses.fhir_response(body, 200, headers)


@router.get("/{res_type}/{res_id}/_history/{version}")
def vread(request: Request, res_type: str, res_id: str, version: str) -> Response:
    number = version_number(version)
    if number is None:
        raise Invalid(f"'{version}' is not a version number")
    platform = _platform(request)
    stored = platform.service.vread(access_context(request), res_type, res_id, number)
    headers = responses.resource_headers(stored, _base(request))
    if stored.content is None:
        return responses.fhir_response(
            information(f"{res_type}/{res_id} was deleted in version {version}"), 410, headers
        )
    return responses.fhir_response(stored.content, 200, headers)


@router.put("/{res_type}/{res_id}")
def update(request: Request, res_type: str, res_id: str, raw: RawBody) -> Response:
    platform = _platform(request)
    platform.service.require_type(res_type)
    resource = json_body(request, raw)
    outcome = platform.service.update(
        access_context(request), res_type, res_id, resource, if_match=if_match_version(request)
    )
    return _write_response(request, outcome)


@router.patch("/{res_type}/{res_id}")
def patch(request: Request, res_type: str, res_id: str, raw: RawBody) -> Response:
    platform = _platform(request)
    platform.service.require_type(res_type)
    if media_type_of(request.headers.get("content-type", "")).name != JSON_PATCH:
        raise UnsupportedMediaType(
            "PATCH takes a JSON Patch (Content-Type: application/json-patch+json)"
        )
    operations = json_patch(raw, json_limits(request))
    outcome = platform.service.patch(
        access_context(request), res_type, res_id, operations, if_match=if_match_version(request)
    )
    return _write_response(request, outcome)


@router.delete("/{res_type}/{res_id}")
def delete(request: Request, res_type: str, res_id: str) -> Response:
    platform = _platform(request)
    platform.service.require_type(res_type)
    outcome = platform.service.delete(access_context(request), res_type, res_id)
    headers = {"ETag": outcome.resource.etag} if outcome else {}
    return Response(status_code=204, headers=headers)
