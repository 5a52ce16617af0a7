"""De-identified export over HTTP: request → approve (another person) → download once.

- `POST /export/requests` — body `{"query": "Patient?…", "purpose": "…", "k": 5, "birth": "year"}`
- `GET /export/requests/{id}` — the request's state (requester or approvers)
- `POST /export/requests/{id}/approve` — answers the one-time download token (shown once)
- `GET /export/requests/{id}/download` — header `X-Export-Token`; NDJSON; a second time: 410

Callers authenticate with a bearer access token (`Authorization: Bearer …`).
"""

from __future__ import annotations

import base64
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from kangtong.core.errors import Forbidden, Invalid
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.security.export.workflow import APPROVER_ROLES, NewExport
from kangtong.security.oauth_errors import OAuthError
from kangtong.store.export_requests import ExportRequestRow
from kangtong.web.requests import RawBody

router = APIRouter(prefix="/export")
NDJSON = "application/fhir+ndjson"


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def bearer_caller(request: Request) -> AccessContext:
    """The caller named by a valid bearer token; 401 otherwise. (Swap for the shared one.)"""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        raise HTTPException(401, "A bearer access token is required")
    try:
        claims = _platform(request).security.tokens.verify(header[7:].strip())
    except OAuthError as exc:
        raise HTTPException(401, exc.description) from exc
    return claims.context()


def _shown(row: ExportRequestRow) -> dict[str, Any]:
    return {
        "id": row.id, "status": row.status, "query": row.query, "purpose": row.purpose,
        "k": row.k, "birth": row.birth, "requester": row.requester, "approver": row.approver,
        "exported": row.exported, "withheld": row.suppressed,
    }  # fmt: skip


def _body(raw: bytes) -> dict[str, Any]:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Invalid("The body is not JSON") from exc
    if not isinstance(body, dict):
        raise Invalid("The body is a JSON object")
    return body


@router.post("/requests")
def create_request(
    request: Request, raw: RawBody, caller: AccessContext = Depends(bearer_caller)
) -> JSONResponse:
    body = _body(raw)
    try:
        new = NewExport(str(body["query"]), str(body["purpose"]), int(body.get("k", 5)),
                        body.get("birth", "year"))  # fmt: skip
    except (KeyError, TypeError, ValueError) as exc:
        raise Invalid("query and purpose are required; k is a number") from exc
    row = _platform(request).exports.request(caller, new)
    return JSONResponse(_shown(row), status_code=201)


@router.get("/requests/{request_id}")
def show_request(
    request: Request, request_id: str, caller: AccessContext = Depends(bearer_caller)
) -> JSONResponse:
    row = _platform(request).exports.get(request_id)
    if caller.principal != row.requester and not APPROVER_ROLES & caller.roles:
        raise Forbidden("Only the requester and approvers see an export request")
    return JSONResponse(_shown(row))


@router.post("/requests/{request_id}/approve")
def approve_request(
    request: Request, request_id: str, caller: AccessContext = Depends(bearer_caller)
) -> JSONResponse:
    approval = _platform(request).exports.approve(caller, request_id)
    body = _shown(approval.request) | {"download_token": approval.download_token}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.get("/requests/{request_id}/download")
def download(
    request: Request, request_id: str, caller: AccessContext = Depends(bearer_caller)
) -> Response:
    token = request.headers.get("x-export-token", "")
    done = _platform(request).exports.download(caller, request_id, token)
    headers = {
        "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="export-{request_id}.ndjson"',
        "X-Kangtong-Exported": str(done.result.exported),
        "X-Kangtong-Withheld": str(done.result.withheld_records),
        # The SM2-signed manifest (what `kangtong export download` writes to FILE.sig.json).
        "X-Kangtong-Signature": base64.urlsafe_b64encode(done.signature).decode("ascii"),
    }
    return Response(done.result.ndjson, media_type=NDJSON, headers=headers)
