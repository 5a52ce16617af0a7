"""The FHIR API speaks JSON only: other bodies are refused with 415, other answers with 406.

A middleware rather than checks in each route, so an operation added later (or one that takes
no body and would have ignored an XML one) is covered as well, and nothing runs — no read, no
write, no audit record — for a request in a format kangtong does not speak.

Under `/fhir` only; the web UI's forms and OAuth's `/oauth2/token` keep their own rules.

- A POST, PUT or PATCH that declares a Content-Type must declare JSON (`application/fhir+json`,
  `application/json`), in UTF-8; PATCH takes `application/json-patch+json`, and
  `POST …/_search` a form (`application/x-www-form-urlencoded`), as FHIR R4 defines them.
- A body without a Content-Type is refused too: guessing the format of a health record is not
  safe, and saying `Content-Type: application/fhir+json` costs the client one header. A request
  without a body (`Content-Length: 0` or none, e.g. `$deactivate`) needs no Content-Type.
- `_format` (FHIR's override of `Accept`) must name JSON; without it, `Accept` must admit a
  JSON type at a weight above zero (`*/*` and `application/*` do; a missing `Accept` does).
  The 406 itself is an OperationOutcome in JSON: an error needs some format.
- An operation that answers with a document (`DOCUMENT_OPERATIONS`, e.g. `$document-cda`)
  answers in the document's format: its `Accept` must admit that (errors stay JSON).
"""

from __future__ import annotations

from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from kangtong.core.errors import KangtongError, NotAcceptable, UnsupportedMediaType
from kangtong.web.errors import error_response
from kangtong.web.media_types import (
    CDA,
    FORM,
    JSON_MEDIA_TYPES,
    JSON_PATCH,
    accepts_cda,
    accepts_json,
    format_name,
    is_json_format,
    is_utf8,
    is_xml,
    media_type_of,
)

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# The last path segment of operations whose answer is a CDA document, not FHIR JSON.
DOCUMENT_OPERATIONS = frozenset({"$document-cda"})
JSON_ONLY = "kangtong reads and writes FHIR JSON only"


def is_fhir_path(path: str) -> bool:
    return path == "/fhir" or path.startswith("/fhir/")


class FhirFormats:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_fhir_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        refusal = format_refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        patch = scope["method"] == "PATCH" and isinstance(refusal, UnsupportedMediaType)
        headers = {"Accept-Patch": JSON_PATCH} if patch else None  # RFC 5789 §2.2
        await error_response(refusal, headers)(scope, receive, send)


def format_refusal(scope: Scope) -> KangtongError | None:
    """Why the request's formats are refused (415 before 406: the body comes first), or None."""
    headers = Headers(scope=scope)
    if scope["method"] in BODY_METHODS:
        refusal = body_refusal(scope["method"], scope["path"], headers)
        if refusal is not None:
            return refusal
    if scope["path"].rstrip("/").rpartition("/")[2] in DOCUMENT_OPERATIONS:
        if accepts_cda(headers.get("accept", "")):
            return None
        return NotAcceptable(f"This operation answers with a CDA document ({CDA}) only")
    formats = QueryParams(scope["query_string"]).getlist("_format")
    if formats:
        return next((_format_refusal(f) for f in formats if not is_json_format(f)), None)
    accept = headers.get("accept", "")
    if not accepts_json(accept):
        return NotAcceptable(
            f"{JSON_ONLY}; the Accept header admits none of "
            f"{', '.join(sorted(JSON_MEDIA_TYPES))} (send Accept: application/fhir+json)"
        )
    return None


def body_refusal(method: str, path: str, headers: Headers) -> UnsupportedMediaType | None:
    """415 for a body in another format than the one this kind of request takes."""
    wanted = _wanted(method, path)
    declared = headers.get("content-type", "")
    if not declared.strip():
        if not _has_body(headers):
            return None
        return UnsupportedMediaType(f"The request has a body but no Content-Type; {wanted}")
    media_type = media_type_of(declared)
    if media_type.name not in _accepted(method, path):
        if is_xml(media_type.name):
            return UnsupportedMediaType(f"{JSON_ONLY}, not XML; {wanted}")
        return UnsupportedMediaType(f"{wanted[0].upper()}{wanted[1:]}, not {media_type.name[:80]}")
    if not is_utf8(media_type.charset):
        charset = (media_type.charset or "")[:40]
        return UnsupportedMediaType(
            f"Bodies are read as UTF-8 (FHIR JSON is UTF-8), not charset={charset}"
        )
    return None


def _format_refusal(value: str) -> NotAcceptable:
    name = format_name(value)
    xml = "XML is not supported; " if is_xml(name) else ""
    return NotAcceptable(
        f"{JSON_ONLY}: {xml}_format={name[:80]} cannot be answered "
        "(use _format=json or leave it out)"
    )


def _has_body(headers: Headers) -> bool:
    length = headers.get("content-length")
    return "transfer-encoding" in headers or (length is not None and length.strip() != "0")


def _is_search(path: str) -> bool:
    return path.rstrip("/").rpartition("/")[2] == "_search"


def _accepted(method: str, path: str) -> frozenset[str]:
    if method == "PATCH":
        return frozenset({JSON_PATCH})
    if _is_search(path):
        return frozenset({FORM})
    return JSON_MEDIA_TYPES


def _wanted(method: str, path: str) -> str:
    """What to send instead, as a sentence a client developer can act on."""
    if method == "PATCH":
        return f"a PATCH takes a JSON Patch (Content-Type: {JSON_PATCH})"
    if _is_search(path):
        return f"a search by POST takes a form (Content-Type: {FORM})"
    return "the body must be FHIR JSON (Content-Type: application/fhir+json)"
