"""Break-glass (紧急授权) and security alerts over HTTP.

- `POST /security/break-glass` — a clinician or nurse states a reason and gets a grant for
  one patient, for a limited time (audited at once as a Security Alert);
- `GET /security/break-glass?since=…` — the institution admin's report of the grants opened
  by callers of their organisation, with the stated reasons, for review;
- `GET /security/alerts?since=…` — the institution admin's security alerts about their
  organisation (a clinician registering a patient never seen there), for review.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from kangtong.core.errors import Forbidden, Gone, Invalid, NotFound
from kangtong.fhir.access import AccessContext, AuditEntry
from kangtong.platform import Platform
from kangtong.security.alerts import SecurityAlerts
from kangtong.security.ports import BreakGlassGrant
from kangtong.security.roles import Role
from kangtong.web.requests import RawBody, access_context, json_body

router = APIRouter(prefix="/security")
DEFAULT_MINUTES = 60
REPORT_DAYS = 30


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def _shown(grant: BreakGlassGrant) -> dict[str, Any]:
    return {
        "id": grant.id,
        "principal": grant.principal,
        "patient": f"Patient/{grant.patient}",
        "reason": grant.reason,
        "granted": grant.granted.isoformat(),
        "expires": grant.expires.isoformat(),
    }


@router.post("/break-glass")
def open_break_glass(request: Request, raw: RawBody) -> JSONResponse:
    platform = _platform(request)
    ctx = access_context(request)
    body = json_body(request, raw)
    patient = str(body.get("patient", "")).removeprefix("Patient/")
    minutes = body.get("minutes", DEFAULT_MINUTES)
    grants = platform.security.break_glass
    if not patient or not isinstance(minutes, int):
        grants.refuse(ctx, None, "malformed-request")
        raise Invalid('Send {"patient": "Patient/…", "reason": "…", "minutes": 60}')
    try:
        platform.service.read(_lookup(), "Patient", patient)  # the patient must exist
    except (NotFound, Gone):
        grants.refuse(ctx, None, "unknown-patient")
        raise
    grant = grants.open(ctx, patient, str(body.get("reason", "")), minutes)
    shown = _shown(grant)
    shown.pop("reason")
    return JSONResponse(shown, status_code=201)


@router.get("/break-glass")
def break_glass_report(request: Request) -> JSONResponse:
    platform = _platform(request)
    ctx = access_context(request)
    if Role.INSTITUTION_ADMIN not in ctx.roles or not ctx.organization:
        raise Forbidden("The break-glass report is for the institution admin of an organisation")
    since = _since(request, platform)
    reported = platform.security.break_glass.reported(ctx.organization, since)
    platform.security.audit_sink.record(ctx, AuditEntry("operation", None, None, "success"))
    return JSONResponse(
        {"organization": ctx.organization, "since": since.isoformat(),
         "grants": [_shown(r.grant) for r in reported]}
    )  # fmt: skip


@router.get("/alerts")
def security_alerts(request: Request) -> JSONResponse:
    platform = _platform(request)
    ctx = access_context(request)
    if Role.INSTITUTION_ADMIN not in ctx.roles or not ctx.organization:
        raise Forbidden("Security alerts are for the institution admin of an organisation")
    since = _since(request, platform)
    alerts = SecurityAlerts(platform.db).for_organization(ctx.organization, since)
    platform.security.audit_sink.record(ctx, AuditEntry("operation", None, None, "success"))
    shown = [
        {"recorded": a.recorded, "kind": a.kind, "principal": a.principal, "patient": patient}
        for a in alerts
        for patient in a.patients
    ]
    return JSONResponse(
        {"organization": ctx.organization, "since": since.isoformat(), "alerts": shown}
    )


def _since(request: Request, platform: Platform) -> datetime:
    value = request.query_params.get("since")
    if value is None:
        return platform.security.tokens.clock.now() - timedelta(days=REPORT_DAYS)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Invalid(f"since '{value}' is not an instant like 2026-01-01T00:00:00Z") from exc
    if moment.tzinfo is None:
        raise Invalid("since needs a time zone")
    return moment


def _lookup() -> AccessContext:
    return AccessContext.system("break-glass")
