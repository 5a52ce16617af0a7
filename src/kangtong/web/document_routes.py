"""`GET /fhir/Encounter/{id}/$document-cda?type=C0053`: an Encounter assembled as a CDA document.

The data is gathered through the resource service with the caller's AccessContext, so the
operation is exactly as permitted as reading the patient's record (a clinician without a care
relationship gets 403) and every read it makes is audited.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from kangtong.core.errors import Invalid
from kangtong.documents.assembly import (
    AssemblyOptions,
    assemble,
    template_for,
)
from kangtong.documents.assembly.gather import gather_record
from kangtong.platform import Platform
from kangtong.web.media_types import CDA
from kangtong.web.requests import access_context

router = APIRouter(prefix="/fhir")


@router.get("/Encounter/{res_id}/$document-cda")
def document_cda(request: Request, res_id: str) -> Response:
    """The CDA document of `type` (C0002, C0007, C0053, WST483-10) for the Encounter."""
    type_code = request.query_params.get("type", "").strip()
    if not type_code:
        raise Invalid("$document-cda needs type= (the document type, e.g. C0053)")
    template = template_for(type_code)  # an unknown type is a 400 before anything is read
    platform: Platform = request.app.state.platform
    record = gather_record(platform.service, access_context(request), res_id)
    options = AssemblyOptions(
        document_root=platform.settings.document_oid, classify=platform.classify
    )
    document = assemble(record, template.type_code, options, template.version)
    return Response(document, media_type=f"{CDA}; charset=utf-8")
