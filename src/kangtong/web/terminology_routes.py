"""Terminology operations over HTTP: thin handlers around `TerminologyService` (docs/terminology.md).

GET carries the parameters in the query string; POST a Parameters resource (query parameters
of a POST are added to it). `$expand` answers with the ValueSet itself, the others with
Parameters.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from starlette.responses import Response

from kangtong.core.jsonutil import JsonObject
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.terminology.parameters import OperationInput
from kangtong.terminology.service import TerminologyService
from kangtong.web import responses
from kangtong.web.requests import RawBody, access_context, parameters_body, query_pairs

router = APIRouter(prefix="/fhir")

Operation = Callable[[TerminologyService, AccessContext, OperationInput], JsonObject]


def _terminology(request: Request) -> TerminologyService:
    platform: Platform = request.app.state.platform
    return platform.terminology


def _answer(request: Request, given: OperationInput, operation: Operation) -> Response:
    result = operation(_terminology(request), access_context(request), given)
    return responses.fhir_response(result)


def _posted(request: Request, raw: bytes) -> OperationInput:
    body = OperationInput.from_parameters(parameters_body(request, raw))
    return OperationInput.from_query(query_pairs(request)).merged(body)


def _get(request: Request, operation: Operation) -> Response:
    return _answer(request, OperationInput.from_query(query_pairs(request)), operation)


def _post(request: Request, raw: bytes, operation: Operation) -> Response:
    return _answer(request, _posted(request, raw), operation)


def _lookup(t: TerminologyService, ctx: AccessContext, given: OperationInput) -> JsonObject:
    return t.lookup(ctx, given)


def _expand(res_id: str | None) -> Operation:
    return lambda t, ctx, given: t.expand(ctx, given, res_id)


def _validate(res_id: str | None) -> Operation:
    return lambda t, ctx, given: t.validate_code(ctx, given, res_id)


def _validate_in_code_system(res_id: str | None) -> Operation:
    return lambda t, ctx, given: t.validate_in_code_system(ctx, given, res_id)


def _translate(res_id: str | None) -> Operation:
    return lambda t, ctx, given: t.translate(ctx, given, res_id)


@router.get("/CodeSystem/$lookup")
def lookup_get(request: Request) -> Response:
    return _get(request, _lookup)


@router.post("/CodeSystem/$lookup")
def lookup_post(request: Request, raw: RawBody) -> Response:
    return _post(request, raw, _lookup)


@router.get("/CodeSystem/$validate-code")
def code_system_validate_get(request: Request) -> Response:
    return _get(request, _validate_in_code_system(None))


@router.post("/CodeSystem/$validate-code")
def code_system_validate_post(request: Request, raw: RawBody) -> Response:
    return _post(request, raw, _validate_in_code_system(None))


@router.get("/CodeSystem/{res_id}/$validate-code")
def code_system_instance_validate_get(request: Request, res_id: str) -> Response:
    return _get(request, _validate_in_code_system(res_id))


@router.post("/CodeSystem/{res_id}/$validate-code")
def code_system_instance_validate_post(request: Request, res_id: str, raw: RawBody) -> Response:
    return _post(request, raw, _validate_in_code_system(res_id))


@router.get("/ValueSet/$expand")
def expand_get(request: Request) -> Response:
    return _get(request, _expand(None))


@router.post("/ValueSet/$expand")
def expand_post(request: Request, raw: RawBody) -> Response:
    return _post(request, raw, _expand(None))


@router.get("/ValueSet/{res_id}/$expand")
def expand_instance_get(request: Request, res_id: str) -> Response:
    return _get(request, _expand(res_id))


@router.post("/ValueSet/{res_id}/$expand")
def expand_instance_post(request: Request, res_id: str, raw: RawBody) -> Response:
    return _post(request, raw, _expand(res_id))


@router.get("/ValueSet/$validate-code")
def validate_get(request: Request) -> Response:
    return _get(request, _validate(None))


@router.post("/ValueSet/$validate-code")
def validate_post(request: Request, raw: RawBody) -> Response:
    return _post(request, raw, _validate(None))


@router.get("/ValueSet/{res_id}/$validate-code")
def validate_instance_get(request: Request, res_id: str) -> Response:
    return _get(request, _validate(res_id))


@router.post("/ValueSet/{res_id}/$validate-code")
def validate_instance_post(request: Request, res_id: str, raw: RawBody) -> Response:
    return _post(request, raw, _validate(res_id))


@router.get("/ConceptMap/$translate")
def translate_get(request: Request) -> Response:
    return _get(request, _translate(None))


@router.post("/ConceptMap/$translate")
def translate_post(request: Request, raw: RawBody) -> Response:
    return _post(request, raw, _translate(None))


@router.get("/ConceptMap/{res_id}/$translate")
def translate_instance_get(request: Request, res_id: str) -> Response:
    return _get(request, _translate(res_id))


@router.post("/ConceptMap/{res_id}/$translate")
def translate_instance_post(request: Request, res_id: str, raw: RawBody) -> Response:
    return _post(request, raw, _translate(res_id))
