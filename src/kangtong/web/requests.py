"""Reading FHIR requests: bodies, Prefer, If-Match, the caller's context."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import unquote

from fastapi import Request

from kangtong.core.errors import Forbidden, Invalid
from kangtong.core.jsonutil import JsonObject, parse_fhir_json
from kangtong.fhir.access import AccessContext
from kangtong.security.tokens import TokenClaims

# v3 PurposeOfUse codes a caller may state (treatment, emergency, public health, …).
PURPOSES_OF_USE = frozenset(
    {"TREAT", "ETREAT", "HOPERAT", "PUBHLTH", "HRESCH", "HPAYMT", "PATRQT", "FAMRQT", "BTG"}
)


async def json_body(request: Request) -> JsonObject:
    raw = await request.body()
    if not raw:
        raise Invalid("The request has no body")
    return parse_fhir_json(raw, what="request body")


def prefer(request: Request, name: str) -> str | None:
    for part in request.headers.get("prefer", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key.strip() == name:
            return value.strip().strip('"')
    return None


def if_match_version(request: Request) -> int | None:
    value = request.headers.get("if-match")
    if not value:
        return None
    digits = value.strip().removeprefix("W/").strip('"')
    if not digits.isdigit():
        raise Invalid(f"If-Match '{value}' is not an ETag like W/\"3\"")
    return int(digits)


def access_context(request: Request) -> AccessContext:
    """The caller, from the access token the authentication middleware verified.

    Organisation, district, roles and scopes come from the token only. A caller may state a
    purpose of use (`X-Purpose-Of-Use`, v3 PurposeOfUse) and a break-glass reason
    (`X-Break-Glass-Reason`); the reason opens nothing by itself — the decision honours it
    only while the caller holds a grant for the patient (`POST /security/break-glass`).
    """
    claims: TokenClaims | None = getattr(request.state, "claims", None)
    if claims is None:
        raise Forbidden("This endpoint needs an access token")
    purpose = request.headers.get("x-purpose-of-use")
    if purpose is not None and purpose not in PURPOSES_OF_USE:
        raise Invalid(f"X-Purpose-Of-Use must be one of {', '.join(sorted(PURPOSES_OF_USE))}")
    reason = request.headers.get("x-break-glass-reason")
    return replace(
        claims.context(),
        purpose=purpose,
        break_glass_reason=unquote(reason).strip() or None if reason else None,
        patient=claims.patient,
    )


def base_url(request: Request, configured: str) -> str:
    if configured:
        return configured.rstrip("/")
    return str(request.base_url).rstrip("/") + "/fhir"


def query_pairs(request: Request) -> list[tuple[str, str]]:
    return list(request.query_params.multi_items())
