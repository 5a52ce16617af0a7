"""Reading FHIR requests: bodies, Prefer, If-Match, the caller's context."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Request
from starlette.datastructures import FormData

from kangtong.core.errors import Forbidden, Invalid, UnsupportedMediaType
from kangtong.core.jsonutil import JsonObject, parse_fhir_json
from kangtong.fhir.access import AccessContext
from kangtong.fhir.etags import etag_version
from kangtong.fhir.model.json_shape import JsonLimits, check_json_shape
from kangtong.security.smart_config import origin_of
from kangtong.security.tokens import TokenClaims
from kangtong.web.media_types import JSON_MEDIA_TYPES, media_type_of

# v3 PurposeOfUse codes a caller may state (treatment, emergency, public health, …).
PURPOSES_OF_USE = frozenset(
    {"TREAT", "ETREAT", "HOPERAT", "PUBHLTH", "HRESCH", "HPAYMT", "PATRQT", "FAMRQT", "BTG"}
)


async def read_body(request: Request) -> bytes:
    """The whole body, read on the event loop (the `BodyLimit` middleware caps its size)."""
    return await request.body()


async def read_form(request: Request) -> FormData:
    return await request.form()


# Route parameters: the body is awaited before the route runs, so routes can be plain `def`
# and do their parsing, database and hashing work in the threadpool, off the event loop.
RawBody = Annotated[bytes, Depends(read_body)]
FormBody = Annotated[FormData, Depends(read_form)]


def json_body(request: Request, raw: bytes) -> JsonObject:
    """The body as one JSON object within the configured depth and array limits.

    A client that says it sends anything but JSON is told so (415); under `/fhir` the
    `FhirFormats` middleware has refused such a request already, this covers the other routes.
    """
    media_type = media_type_of(request.headers.get("content-type", "")).name
    if media_type and media_type not in JSON_MEDIA_TYPES:
        raise UnsupportedMediaType(
            f"The body must be FHIR JSON (Content-Type: application/fhir+json), not {media_type}"
        )
    if not raw.strip():
        raise Invalid("The request has no body")
    document = parse_fhir_json(raw, what="request body")
    check_json_shape(document, json_limits(request))
    return document


def parameters_body(request: Request, raw: bytes) -> JsonObject:
    """A body for an operation: any resource, and a Parameters one with a list of parameters."""
    body = json_body(request, raw)
    if body.get("resourceType") == "Parameters":
        parameters = body.get("parameter", [])
        if type(parameters) is not list or not all(type(p) is dict for p in parameters):
            raise Invalid("Parameters.parameter must be an array of parameters (JSON objects)")
    return body


def json_limits(request: Request) -> JsonLimits:
    settings = request.app.state.platform.settings
    return JsonLimits(settings.max_json_depth, settings.max_array_items)


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
    version = etag_version(value)
    if version is None:
        raise Invalid(f"If-Match '{value}' is not an ETag like W/\"3\"")
    return version


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


def server_origin(request: Request, configured_base: str) -> str:
    """Where the OAuth2 endpoints are: the configured base URL's origin, else the request's."""
    if configured_base:
        return origin_of(configured_base)
    return str(request.base_url).rstrip("/")


def query_pairs(request: Request) -> list[tuple[str, str]]:
    return list(request.query_params.multi_items())
