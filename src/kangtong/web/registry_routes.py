"""Registry operations over FHIR REST (the CRUD itself is the generic FHIR API, rules included).

- `POST /fhir/Organization/{id}/$deactivate` — 注销: active=false in a new version.
- `GET /fhir/Practitioner/{id}/$privileges?organization=…&date=…` — what the practitioner may
  do at the institution on that day, as Parameters.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from kangtong.core.errors import Invalid
from kangtong.platform import Platform
from kangtong.registry.privileges import PrivilegeSet
from kangtong.web import responses
from kangtong.web.requests import access_context

router = APIRouter(prefix="/fhir")


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


@router.post("/Organization/{res_id}/$deactivate")
def deactivate_organization(request: Request, res_id: str) -> Response:
    platform = _platform(request)
    ctx = access_context(request)
    platform.registries.organizations.deactivate(ctx, res_id)
    stored = platform.service.read(ctx, "Organization", res_id)
    return responses.fhir_response(stored.content, 200, responses.resource_headers(stored, ""))


@router.get("/Practitioner/{res_id}/$privileges")
def practitioner_privileges(request: Request, res_id: str) -> Response:
    platform = _platform(request)
    organization = request.query_params.get("organization", "").rpartition("/")[2]
    if not organization:
        raise Invalid("$privileges needs organization=Organization/{id}")
    raw_date = request.query_params.get("date")
    try:
        day = dt.date.fromisoformat(raw_date) if raw_date else platform.registries.today()
    except ValueError:
        raise Invalid(f"date '{raw_date}' is not YYYY-MM-DD") from None
    privileges = platform.registries.privileges.privileges_of(
        access_context(request), res_id, organization, day
    )
    return responses.fhir_response(privileges_parameters(privileges))


def privileges_parameters(privileges: PrivilegeSet) -> dict[str, Any]:
    """A PrivilegeSet as FHIR Parameters (names follow the Python API)."""
    parameters: list[dict[str, Any]] = [
        {
            "name": "practitioner",
            "valueReference": {"reference": f"Practitioner/{privileges.practitioner_id}"},
        },
        {
            "name": "organization",
            "valueReference": {"reference": f"Organization/{privileges.organization_id}"},
        },
        {"name": "date", "valueDate": privileges.at.isoformat()},
        {"name": "may_prescribe", "valueBoolean": privileges.may_prescribe},
        {"name": "may_prescribe_narcotics", "valueBoolean": privileges.may_prescribe_narcotics},
    ]
    if privileges.surgery_level is not None:
        parameters.append({"name": "surgery_level", "valueInteger": privileges.surgery_level})
    if privileges.antibiotic_grade is not None:
        parameters.append({"name": "antibiotic_grade", "valueCode": privileges.antibiotic_grade})
    for right in sorted(privileges.document_rights, key=lambda r: (r.right, r.document_type or "")):
        part = [{"name": "right", "valueCode": right.right}]
        if right.document_type:
            part.append({"name": "document_type", "valueCode": right.document_type})
        parameters.append({"name": "document_right", "part": part})
    return {"resourceType": "Parameters", "parameter": parameters}
