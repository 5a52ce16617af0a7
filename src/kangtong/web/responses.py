"""FHIR JSON responses: resources, bundles assembled from stored bytes, OperationOutcomes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from kangtong.core.errors import Issue
from kangtong.core.jsonutil import dump_json, parse_fhir_json
from kangtong.fhir import subsetting
from kangtong.fhir.model import StructureModel
from kangtong.fhir.results import HistoryResult, SearchResult, StoredResource

FHIR_JSON = "application/fhir+json; charset=utf-8"


def fhir_response(
    body: bytes | dict[str, Any] | None, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    content = body if isinstance(body, (bytes, type(None))) else dump_json(body)
    return Response(
        content=content or b"", status_code=status, media_type=FHIR_JSON, headers=headers
    )


# Warnings spelled out in the header; the rest are counted. A header stays far below the 4-8 KB
# a proxy buffers (nginx answers 502 to a longer one), however many warnings a write had.
WARNINGS_IN_HEADER = 3


def warning_headers(warnings: Sequence[Issue]) -> dict[str, str]:
    """RFC 7234 `Warning: 299` (miscellaneous persistent warning) for issues a write was kept
    with, for clients that asked for the resource, not an OperationOutcome. A header carries
    Latin-1 only, so it holds the element and the English half of the diagnostics; beyond
    `WARNINGS_IN_HEADER` it says how many more the OperationOutcome would list."""
    texts = [
        f'299 kangtong "{_latin(issue.expression or "")}: {_english(issue.diagnostics)}"'
        for issue in warnings[:WARNINGS_IN_HEADER]
    ]
    more = len(warnings) - WARNINGS_IN_HEADER
    if more > 0:
        texts.append(
            f'299 kangtong "{more} more warnings: ask with Prefer: return=OperationOutcome"'
        )
    return {"Warning": ", ".join(texts)} if texts else {}


def _english(diagnostics: str) -> str:
    """The English half of a bilingual message: what follows its last non-ASCII character."""
    last_cjk = max((i for i, c in enumerate(diagnostics) if not c.isascii()), default=-1)
    return _latin(diagnostics[last_cjk + 1 :])


def _latin(text: str) -> str:
    """The ASCII part of a text, without quotes or backslashes."""
    ascii_only = "".join(c for c in text if c.isascii() and c not in '"\\')
    return " ".join(ascii_only.split())


def resource_headers(
    stored: StoredResource, base_url: str, *, location: bool = False
) -> dict[str, str]:
    headers = {"ETag": stored.etag, "Last-Modified": _http_date(stored.last_updated)}
    if location:
        headers["Location"] = (
            f"{base_url}/{stored.res_type}/{stored.res_id}/_history/{stored.version}"
        )
    return headers


def _http_date(instant: str) -> str:
    return format_datetime(datetime.fromisoformat(instant), usegmt=True)


def searchset(
    result: SearchResult,
    base_url: str,
    self_path: str,
    params: Sequence[tuple[str, str]],
    model: StructureModel,
) -> bytes:
    """The searchset Bundle, built around the stored JSON without re-serialising it."""
    parts = [
        b'{"resourceType":"Bundle","id":"',
        str(uuid.uuid4()).encode(),
        b'","type":"searchset"',
    ]
    if result.total is not None:
        parts.append(b',"total":' + str(result.total).encode())
    parts.append(b',"link":' + dump_json(_links(result, base_url, self_path, params)))
    entries = [
        _entry(e.content, e.res_type, e.res_id, e.mode, base_url, result, model)
        for e in result.entries
    ]
    if result.ignored:
        outcome = {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": "warning",
                    "code": "not-supported",
                    "diagnostics": f"The search parameter '{name}' is unknown or unsupported and was ignored",
                }
                for name in result.ignored
            ],
        }
        entries.append(b'{"resource":' + dump_json(outcome) + b',"search":{"mode":"outcome"}}')
    if entries:
        parts.append(b',"entry":[' + b",".join(entries) + b"]")
    parts.append(b"}")
    return b"".join(parts)


def _entry(
    content: bytes,
    res_type: str,
    res_id: str,
    mode: str,
    base_url: str,
    result: SearchResult,
    model: StructureModel,
) -> bytes:
    if result.elements:
        content = dump_json(subsetting.keep_elements(parse_fhir_json(content), result.elements))
    elif result.summary in ("true", "text", "data"):
        keys = model.summary_elements(res_type)
        content = dump_json(subsetting.summary(parse_fhir_json(content), result.summary, keys))
    full_url = f"{base_url}/{res_type}/{res_id}".encode()
    return (
        b'{"fullUrl":"'
        + full_url
        + b'","resource":'
        + content
        + b',"search":{"mode":"'
        + mode.encode()
        + b'"}}'
    )


def _links(
    result: SearchResult, base_url: str, self_path: str, params: Sequence[tuple[str, str]]
) -> list[dict[str, str]]:
    kept = [(k, v) for k, v in params if k != "_offset"]

    def url(offset: int) -> str:
        query = urlencode([*kept, ("_offset", str(offset))] if offset else kept)
        return f"{base_url}{self_path}" + (f"?{query}" if query else "")

    links = [{"relation": "self", "url": url(result.offset)}]
    if result.count:
        links.append({"relation": "first", "url": url(0)})
        if result.offset > 0:
            links.append({"relation": "previous", "url": url(max(0, result.offset - result.count))})
        if result.has_more:
            links.append({"relation": "next", "url": url(result.offset + result.count)})
        if result.total is not None and result.total > 0:
            last = ((result.total - 1) // result.count) * result.count
            links.append({"relation": "last", "url": url(last)})
    return links


def history_bundle(
    result: HistoryResult, base_url: str, self_path: str, params: Sequence[tuple[str, str]]
) -> bytes:
    parts = [b'{"resourceType":"Bundle","id":"', str(uuid.uuid4()).encode(), b'","type":"history"']
    if result.total is not None:
        parts.append(b',"total":' + str(result.total).encode())
    search_like = SearchResult(
        [], result.total, result.offset, result.count, has_more=result.has_more
    )
    parts.append(b',"link":' + dump_json(_links(search_like, base_url, self_path, params)))
    entries = []
    for stored, method in zip(result.versions, result.methods, strict=True):
        full_url = f"{base_url}/{stored.res_type}/{stored.res_id}"
        request_url = stored.res_type if method == "POST" else f"{stored.res_type}/{stored.res_id}"
        request = dump_json({"method": "PUT" if method == "PATCH" else method, "url": request_url})
        status = (
            "201 Created"
            if stored.version == 1 and method != "DELETE"
            else ("204 No Content" if method == "DELETE" else "200 OK")
        )
        response = dump_json(
            {"status": status, "etag": stored.etag, "lastModified": stored.last_updated}
        )
        body = b'{"fullUrl":"' + full_url.encode() + b'"'
        if stored.content is not None:
            body += b',"resource":' + stored.content
        entries.append(body + b',"request":' + request + b',"response":' + response + b"}")
    if entries:
        parts.append(b',"entry":[' + b",".join(entries) + b"]")
    parts.append(b"}")
    return b"".join(parts)
