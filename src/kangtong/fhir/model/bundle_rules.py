"""Bundle integrity as the official FHIR validator checks it, beyond the Bundle's structure.

- A `fullUrl` is absolute: a URL, or `urn:uuid:` / `urn:oid:` (Bundle.entry.fullUrl: "Absolute
  URL server address or URI for UUID/OID"); a relative one resolves to nothing.
- bdl-7: "FullUrl must be unique in a bundle, or else entries with the same fullUrl must have
  different meta.versionId (except in history bundles)".
- bdl-8: "fullUrl cannot be a version specific reference".
- Documents (R4 §3.3.1): "Resources referenced by the Composition … SHALL be included in the
  bundle" — every literal reference in a document resolves to exactly one entry, by the
  resolution rules of R4 §2.36.4 (absolute references match a fullUrl; relative ones are read
  against the RESTful base of the referring entry's fullUrl, or else match Type/id).

The rules read raw JSON and report; callers decide whether a problem refuses a whole Bundle
(transaction, stored Bundle) or one entry (batch).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kangtong.fhir.model.issues import ValidationIssue

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:").match
_UUID_URN = re.compile(
    r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE
).fullmatch
_OID_URN = re.compile(r"urn:oid:[0-2](\.(0|[1-9][0-9]*))+").fullmatch
# A RESTful URL: [base]/Type/id, optionally /_history/version (R4 §2.3.0.1).
_RESTFUL = re.compile(
    r"(?P<base>(?:https?://\S+?))/(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})"
    r"(?:/_history/(?P<version>[A-Za-z0-9\-.]{1,64}))?"
).fullmatch
_RELATIVE = re.compile(
    r"(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})"
    r"(?:/_history/(?P<version>[A-Za-z0-9\-.]{1,64}))?"
).fullmatch


def full_url_problem(full_url: Any) -> str | None:
    """What is wrong with one entry's fullUrl on its own (None: nothing)."""
    if type(full_url) is not str:
        return "fullUrl must be a string"
    if not _SCHEME(full_url):
        return f"fullUrl '{full_url}' is relative; it must be an absolute URL or a urn:uuid:"
    if full_url.lower().startswith("urn:uuid:") and not _UUID_URN(full_url):
        return f"fullUrl '{full_url}' is not a valid urn:uuid:"
    if full_url.lower().startswith("urn:oid:") and not _OID_URN(full_url):
        return f"fullUrl '{full_url}' is not a valid urn:oid:"
    if "/_history/" in full_url:
        return f"fullUrl '{full_url}' is version specific (bdl-8)"
    return None


def full_url_problems(entries: list[Any], *, history: bool = False) -> dict[int, str]:
    """Position → problem, for every entry whose fullUrl is malformed or repeated (bdl-7)."""
    problems: dict[int, str] = {}
    first_seen: dict[tuple[str, Any], int] = {}
    for position, entry in enumerate(entries):
        if type(entry) is not dict or "fullUrl" not in entry:
            continue  # a fullUrl may be absent (POST without references to it)
        full_url = entry["fullUrl"]
        problem = full_url_problem(full_url)
        if problem is not None:
            problems[position] = problem
            continue
        key = (full_url, _version_id(entry))
        if key in first_seen and not history:
            repeated = f"fullUrl '{full_url}' appears more than once (bdl-7)"
            problems[position] = repeated
            problems.setdefault(first_seen[key], repeated)
        first_seen.setdefault(key, position)
    return problems


def bundle_issues(bundle: dict[str, Any]) -> list[ValidationIssue]:
    """Integrity issues of a Bundle resource (assumed structurally valid)."""
    entries = bundle.get("entry")
    if type(entries) is not list:
        return []
    issues = [
        ValidationIssue("error", "invariant", f"Bundle.entry[{position}].fullUrl", problem)
        for position, problem in sorted(
            full_url_problems(entries, history=bundle.get("type") == "history").items()
        )
    ]
    if bundle.get("type") == "document":
        issues.extend(document_reference_issues(entries))
    return issues


def document_reference_issues(entries: list[Any]) -> list[ValidationIssue]:
    """A reference in a document that does not resolve to exactly one of its entries."""
    index = _EntryIndex(entries)  # built once: each reference is then a lookup, not a scan
    issues: list[ValidationIssue] = []
    for position, entry in enumerate(entries):
        resource = entry.get("resource") if type(entry) is dict else None
        if type(resource) is not dict:
            continue
        for reference in _literal_references(resource):
            matches = len(index.resolve(reference, entry.get("fullUrl")))
            if matches != 1:
                found = "no entry" if not matches else f"{matches} entries"
                message = f"the reference '{reference}' resolves to {found} of the document"
                path = f"Bundle.entry[{position}].resource"
                issues.append(ValidationIssue("error", "invariant", path, message))
    return issues


class _EntryIndex:
    """A document's entries by fullUrl and by Type/id, so resolving costs no scan."""

    def __init__(self, entries: list[Any]) -> None:
        self.versions: list[Any] = []
        self.by_url: dict[str, list[int]] = {}
        self.by_type_id: dict[tuple[str, str], list[int]] = {}
        for position, entry in enumerate(entries):
            is_entry = type(entry) is dict
            self.versions.append(_version_id(entry) if is_entry else None)
            if not is_entry:
                continue
            if type(full_url := entry.get("fullUrl")) is str:
                self.by_url.setdefault(full_url, []).append(position)
            resource = entry.get("resource")
            if type(resource) is dict and _is_text(
                resource.get("resourceType"), resource.get("id")
            ):
                key = (resource["resourceType"], resource["id"])
                self.by_type_id.setdefault(key, []).append(position)

    def resolve(self, reference: str, referrer_url: Any) -> list[int]:
        """Positions of the entries `reference` names (R4 §2.36.4)."""
        if _SCHEME(reference):
            restful = _RESTFUL(reference)
            if restful and restful["version"]:
                return self._of_version(
                    self.by_url.get(reference.partition("/_history/")[0], []),
                    restful["version"],
                )
            return self.by_url.get(reference, [])
        relative = _RELATIVE(reference)
        if relative is None:
            return []
        referrer = _RESTFUL(referrer_url) if type(referrer_url) is str else None
        if referrer is not None:
            absolute = f"{referrer['base']}/{relative['type']}/{relative['id']}"
            found = self.by_url.get(absolute, [])
        else:
            found = self.by_type_id.get((relative["type"], relative["id"]), [])
        return self._of_version(found, relative["version"])

    def _of_version(self, positions: list[int], version: str | None) -> list[int]:
        if version is None:
            return positions
        return [p for p in positions if self.versions[p] == version]


def _is_text(*values: Any) -> bool:
    return all(type(value) is str for value in values)


def _version_id(entry: dict[str, Any]) -> Any:
    resource = entry.get("resource")
    meta = resource.get("meta") if type(resource) is dict else None
    return meta.get("versionId") if type(meta) is dict else None


def _literal_references(node: Any) -> Iterator[str]:
    """Every `reference` string below `node`, except local ones (`#id`, contained)."""
    pending = [node]
    while pending:
        current = pending.pop()
        if type(current) is dict:
            for key, value in current.items():
                if key == "reference" and type(value) is str:
                    if not value.startswith("#"):
                        yield value
                elif type(value) in (dict, list):
                    pending.append(value)
        elif type(current) is list:
            pending.extend(item for item in current if type(item) in (dict, list))
