"""Reading FHIR requests: bodies, Prefer, If-Match, the caller's context."""

from __future__ import annotations

from fastapi import Request

from kangtong.core.errors import Invalid
from kangtong.core.jsonutil import JsonObject, parse_fhir_json
from kangtong.fhir.access import AccessContext


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
    """Until authentication lands, callers are anonymous; an institution may name itself."""
    org = request.headers.get("x-kangtong-organization")
    district = request.headers.get("x-kangtong-district")
    return AccessContext(principal="anonymous", organization=org, district=district)


def base_url(request: Request, configured: str) -> str:
    if configured:
        return configured.rstrip("/")
    return str(request.base_url).rstrip("/") + "/fhir"


def query_pairs(request: Request) -> list[tuple[str, str]]:
    return list(request.query_params.multi_items())
