"""The master patient index over FHIR REST (thin: parse, call `platform.mpi`, render).

- `POST /fhir/Patient/$match` — PDQm ITI-119 (Parameters: resource, onlyCertainMatches, count)
- `GET /fhir/Patient/$ihe-pix?sourceIdentifier=system|value&targetSystem=…` — PIXm ITI-83
- `GET /fhir/mpi/reviews?status=open` — the review queue; `POST /fhir/mpi/reviews/{id}/$accept`,
  `POST /fhir/mpi/reviews/{id}/$reject`
- `POST /fhir/Patient/{id}/$mpi-link?person=Person/{pid}`, `POST /fhir/Patient/{id}/$mpi-unlink`
- `POST /fhir/Person/$merge?survivor=Person/{a}&merged=Person/{b}`,
  `POST /fhir/mpi/merges/{id}/$unmerge`
- `POST /fhir/Person/{id}/$open-record?district=…`, `$close-record?reason=death|emigration`,
  `$transfer-record?district=…`; `GET /fhir/Person/{id}/$record-history`

Operation inputs may come as query parameters or as a Parameters body.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from kangtong.core.errors import Invalid
from kangtong.core.jsonutil import JsonObject, parse_fhir_json
from kangtong.fhir.search.parser import whole_number
from kangtong.mpi.ihe import match_bundle, pix_parameters
from kangtong.mpi.person_resource import RecordStatus
from kangtong.platform import Platform
from kangtong.store.mpi_curation import MergeRow, ReviewRow
from kangtong.web import responses
from kangtong.web.requests import RawBody, access_context, base_url, parameters_body

router = APIRouter(prefix="/fhir")


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def _inputs(request: Request, raw: bytes) -> dict[str, Any]:
    """Operation inputs: query parameters, overridden by a Parameters body's values."""
    values: dict[str, Any] = dict(request.query_params)
    if raw.strip():
        body = parameters_body(request, raw)
        if body.get("resourceType") != "Parameters":
            raise Invalid("The body of an operation must be a Parameters resource")
        for parameter in body.get("parameter", []):
            values[str(parameter.get("name", ""))] = _value(parameter)
    return values


def _value(parameter: JsonObject) -> Any:
    if "resource" in parameter:
        return parameter["resource"]
    for key, value in parameter.items():
        if key == "valueReference":
            return value.get("reference") if type(value) is dict else None
        if key.startswith("value"):
            return value
    return None


def _count(value: Any, maximum: int) -> int:
    """PDQm `count`: a whole number of at least 1, read as at most `maximum`."""
    text = str(10 if value is None or value == "" else value)
    if not (text.isascii() and text.isdigit()) or len(text) > 18 or int(text) < 1:
        raise Invalid(f"count must be a whole number of at least 1, not '{text[:40]}'")
    return min(int(text), maximum)


def _id(value: Any, res_type: str, name: str) -> str:
    text = str(value or "").removeprefix(f"{res_type}/")
    if not text or "/" in text:
        raise Invalid(f"{name} must name a {res_type} ({res_type}/{{id}})")
    return text


def _day(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise Invalid(f"date '{value}' is not YYYY-MM-DD") from None


# -- PDQm and PIXm ----------------------------------------------------------------------
@router.post("/Patient/$match")
def match(request: Request, raw: RawBody) -> Response:
    platform = _platform(request)
    ctx = access_context(request)
    inputs = _inputs(request, raw)
    patient = inputs.get("resource")
    if not isinstance(patient, dict) or patient.get("resourceType") != "Patient":
        raise Invalid("$match needs a Patient in the 'resource' parameter")
    count = _count(inputs.get("count"), platform.settings.max_page_size)
    only_certain = str(inputs.get("onlyCertainMatches", "false")).lower() == "true"
    matches = platform.mpi.match(ctx, patient, count=count, only_certain=only_certain)
    persons: dict[str, JsonObject] = {}
    patients: dict[str, JsonObject] = {}
    if matches:
        # The MPI names each person's source Patients, so one search by id fetches the
        # Persons and their Patients together, as the caller may see them (and audited).
        wanted = {("Person", m.person_id) for m in matches}
        wanted |= {("Patient", p) for m in matches for p in m.patients}
        ids = ",".join(sorted({res_id for _, res_id in wanted}))
        found = platform.service.search(
            ctx, None, [("_type", "Person,Patient"), ("_id", ids), ("_count", str(len(wanted)))]
        )
        for entry in found.entries:
            if (entry.res_type, entry.res_id) in wanted:
                target = persons if entry.res_type == "Person" else patients
                target[entry.res_id] = parse_fhir_json(entry.content)
    base = base_url(request, platform.settings.base_url)
    return responses.fhir_response(match_bundle(matches, persons, patients, base))


@router.get("/Patient/$ihe-pix")
def ihe_pix(request: Request) -> Response:
    platform = _platform(request)
    source = request.query_params.get("sourceIdentifier", "")
    system, bar, value = source.partition("|")
    if not bar or not system or not value:
        raise Invalid("sourceIdentifier must be system|value")
    targets = request.query_params.getlist("targetSystem")
    found = platform.mpi.cross_references(access_context(request), system, value)
    return responses.fhir_response(pix_parameters(found, (system, value), targets))


# -- review queue, link / unlink, merge / unmerge ------------------------------------------------
@router.get("/mpi/reviews")
def reviews(request: Request) -> Response:
    query = request.query_params
    platform = _platform(request)
    # The FHIR routes' paging rules: digits only, within 64 bits, `_count` capped (else 400).
    count = whole_number("_count", query.get("_count") or "50")
    rows = platform.mpi.reviews(
        access_context(request),
        query.get("status", "open"),
        min(count, platform.settings.max_page_size),
        whole_number("_offset", query.get("_offset") or "0"),
    )
    return responses.fhir_response(
        {"resourceType": "Parameters", "parameter": [_review(r) for r in rows]}
    )


@router.post("/mpi/reviews/{review_id}/$accept")
def accept_review(request: Request, review_id: str) -> Response:
    row = _platform(request).mpi.curation.accept(access_context(request), review_id)
    return responses.fhir_response({"resourceType": "Parameters", "parameter": [_review(row)]})


@router.post("/mpi/reviews/{review_id}/$reject")
def reject_review(request: Request, review_id: str) -> Response:
    row = _platform(request).mpi.curation.reject(access_context(request), review_id)
    return responses.fhir_response({"resourceType": "Parameters", "parameter": [_review(row)]})


@router.post("/Patient/{res_id}/$mpi-link")
def link_patient(request: Request, res_id: str, raw: RawBody) -> Response:
    inputs = _inputs(request, raw)
    person = _id(inputs.get("person"), "Person", "person")
    _platform(request).mpi.curation.link(access_context(request), res_id, person)
    return _person_parameters(person)


@router.post("/Patient/{res_id}/$mpi-unlink")
def unlink_patient(request: Request, res_id: str) -> Response:
    person = _platform(request).mpi.curation.unlink(access_context(request), res_id)
    return _person_parameters(person)


@router.post("/Person/$merge")
def merge_persons(request: Request, raw: RawBody) -> Response:
    inputs = _inputs(request, raw)
    row = _platform(request).mpi.curation.merge(
        access_context(request),
        _id(inputs.get("survivor"), "Person", "survivor"),
        _id(inputs.get("merged"), "Person", "merged"),
    )
    return responses.fhir_response(_merge(row))


@router.post("/mpi/merges/{merge_id}/$unmerge")
def unmerge(request: Request, merge_id: str) -> Response:
    row = _platform(request).mpi.curation.unmerge(access_context(request), merge_id)
    return responses.fhir_response(_merge(row))


# -- health-record lifecycle (档案管理) ----------------------------------------------------------
@router.post("/Person/{res_id}/$open-record")
def open_record(request: Request, res_id: str, raw: RawBody) -> Response:
    inputs = _inputs(request, raw)
    status = _platform(request).mpi.lifecycle.open(
        access_context(request), res_id, str(inputs.get("district") or ""), _day(inputs.get("date"))
    )
    return responses.fhir_response(_status(status))


@router.post("/Person/{res_id}/$close-record")
def close_record(request: Request, res_id: str, raw: RawBody) -> Response:
    inputs = _inputs(request, raw)
    status = _platform(request).mpi.lifecycle.close(
        access_context(request), res_id, str(inputs.get("reason") or ""), _day(inputs.get("date"))
    )
    return responses.fhir_response(_status(status))


@router.post("/Person/{res_id}/$transfer-record")
def transfer_record(request: Request, res_id: str, raw: RawBody) -> Response:
    inputs = _inputs(request, raw)
    status = _platform(request).mpi.lifecycle.transfer(
        access_context(request), res_id, str(inputs.get("district") or ""), _day(inputs.get("date"))
    )
    return responses.fhir_response(_status(status))


@router.get("/Person/{res_id}/$record-history")
def record_history(request: Request, res_id: str) -> Response:
    events = _platform(request).mpi.lifecycle.history(access_context(request), res_id)
    parameters = [
        {
            "name": "state",
            "part": [
                {"name": "version", "valueInteger": e.version},
                {"name": "recorded", "valueInstant": e.recorded},
                *_status(e.status)["parameter"],
            ],
        }
        for e in events
    ]
    return responses.fhir_response({"resourceType": "Parameters", "parameter": parameters})


# -- rendering --------------------------------------------------------------------------
def _review(row: ReviewRow) -> JsonObject:
    parts: list[JsonObject] = [
        {"name": "id", "valueString": row.id},
        {"name": "patient", "valueReference": {"reference": f"Patient/{row.patient_id}"}},
        {"name": "person", "valueReference": {"reference": f"Person/{row.person_id}"}},
        {"name": "score", "valueDecimal": round(row.score, 2)},
        {"name": "status", "valueCode": row.status},
    ]
    if row.evidence:
        parts.append({"name": "evidence", "valueString": row.evidence})
    return {"name": "review", "part": parts}


def _merge(row: MergeRow) -> JsonObject:
    parameters: list[JsonObject] = [
        {"name": "merge", "valueString": row.id},
        {"name": "survivor", "valueReference": {"reference": f"Person/{row.survivor_id}"}},
        {"name": "merged", "valueReference": {"reference": f"Person/{row.merged_id}"}},
        {"name": "status", "valueCode": row.status},
    ]
    parameters += [
        {"name": "moved", "valueReference": {"reference": f"Patient/{p}"}} for p in row.patients
    ]
    return {"resourceType": "Parameters", "parameter": parameters}


def _person_parameters(person_id: str) -> Response:
    return responses.fhir_response(
        {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "person", "valueReference": {"reference": f"Person/{person_id}"}}
            ],
        }
    )


def _status(status: RecordStatus) -> JsonObject:
    parameters: list[JsonObject] = [{"name": "status", "valueCode": status.status}]
    if status.reason:
        parameters.append({"name": "reason", "valueCode": status.reason})
    if status.date:
        parameters.append({"name": "date", "valueDate": status.date})
    if status.district:
        parameters.append({"name": "district", "valueCode": status.district})
    return {"resourceType": "Parameters", "parameter": parameters}
