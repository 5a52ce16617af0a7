"""OAuth2 and SMART discovery endpoints.

- `POST /oauth2/token` — client_credentials, password (+ TOTP `otp`), refresh_token grants
- `POST /oauth2/revoke` — RFC 7009 revocation of a refresh token (its grant) or an access token
- `GET /.well-known/smart-configuration` (also under `/fhir`) — SMART App Launch 2.x discovery
- `GET /.well-known/jwks.json` — the public keys that verify kangtong's access tokens

Errors here use the OAuth2 JSON shape (RFC 6749 §5.2), not OperationOutcome: OAuth clients
read `error`.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qsl, unquote

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from kangtong.platform import Platform
from kangtong.security.clients import ClientCredentials
from kangtong.security.oauth import TokenRequest
from kangtong.security.oauth_errors import OAuthError, invalid_client, invalid_request
from kangtong.security.smart_config import (
    JWKS_PATH,
    REVOKE_PATH,
    TOKEN_PATH,
    smart_configuration,
)
from kangtong.web.bearer import client_address
from kangtong.web.requests import RawBody, server_origin

router = APIRouter()
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
FAILED_LOGIN = frozenset({"invalid_grant", "invalid_client"})


def _platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


def _form(request: Request, raw: bytes) -> dict[str, str]:
    """The x-www-form-urlencoded body; a parameter sent twice is an error (RFC 6749 §3.2)."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise invalid_request("The body must be application/x-www-form-urlencoded")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise invalid_request("The body is not UTF-8") from exc
    pairs = parse_qsl(text, keep_blank_values=True)
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise invalid_request(f"Parameter {name} is repeated")
        form[name] = value
    return form


def _credentials(request: Request, form: dict[str, str]) -> ClientCredentials:
    basic = None
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise invalid_client("Malformed Basic credentials") from exc
        client_id, _, secret = decoded.partition(":")
        basic = (unquote(client_id), unquote(secret))  # RFC 6749 §2.3.1: form-encoded
    return ClientCredentials(
        basic=basic,
        client_id=form.get("client_id"),
        client_secret=form.get("client_secret"),
        assertion_type=form.get("client_assertion_type"),
        assertion=form.get("client_assertion"),
        token_endpoint=str(request.url.replace(query="")),
    )


def _oauth_error(exc: OAuthError) -> JSONResponse:
    headers = dict(NO_STORE)
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="kangtong"'
    return JSONResponse(exc.body(), status_code=exc.status, headers=headers)


@router.post(TOKEN_PATH)
def token(request: Request, raw: RawBody) -> Response:
    platform = _platform(request)
    limiter = platform.security.refusal_limits
    address = client_address(request.scope)
    retry = limiter.retry_after("login", address)
    if retry is not None:  # before any password hashing: a flood costs no Argon2id
        return _slow_down(retry)
    try:
        form = _form(request, raw)
        grant = TokenRequest(
            grant_type=form.get("grant_type", ""),
            scope=form.get("scope", ""),
            username=form.get("username"),
            password=form.get("password"),
            otp=form.get("otp"),
            refresh_token=form.get("refresh_token"),
        )
        issued = platform.security.oauth.token(grant, _credentials(request, form))
    except OAuthError as exc:
        if exc.error in FAILED_LOGIN:
            retry = limiter.refused("login", address)
            if retry is not None:
                return _slow_down(retry)
        return _oauth_error(exc)
    return JSONResponse(issued.body(), headers=NO_STORE)


def _slow_down(retry_after: int) -> JSONResponse:
    """429 with Retry-After in the OAuth2 error shape (RFC 6749 §5.2 has no code for it)."""
    body = {
        "error": "invalid_request",
        "error_description": f"Too many failed logins from this address; retry after {retry_after} s",
    }
    return JSONResponse(
        body, status_code=429, headers={**NO_STORE, "Retry-After": str(retry_after)}
    )


@router.post(REVOKE_PATH)
def revoke(request: Request, raw: RawBody) -> Response:
    platform = _platform(request)
    try:
        form = _form(request, raw)
        if "token" not in form:
            raise invalid_request("token is required")
        platform.security.oauth.revoke(
            form["token"], _credentials(request, form), form.get("token_type_hint")
        )
    except OAuthError as exc:
        return _oauth_error(exc)
    return Response(status_code=200, headers=NO_STORE)


@router.get("/.well-known/smart-configuration")
@router.get("/fhir/.well-known/smart-configuration")
def smart_discovery(request: Request) -> JSONResponse:
    platform = _platform(request)
    origin = server_origin(request, platform.settings.base_url)
    return JSONResponse(smart_configuration(origin, platform.security.issuer))


@router.get(JWKS_PATH)
def jwks(request: Request) -> JSONResponse:
    return JSONResponse(_platform(request).security.tokens.jwks())
