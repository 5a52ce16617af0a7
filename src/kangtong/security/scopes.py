"""SMART on FHIR scopes: v2 (`patient/Observation.rs?category=…`) and v1 (`user/*.read`).

A resource scope is ``context/type.permissions[?query]``: context is patient, user or system;
type is a resource type or ``*``; v2 permissions are a non-empty ordered subset of ``cruds``,
v1 permissions are ``read`` (= rs), ``write`` (= cud) or ``*`` (= cruds). Other scopes
(openid, fhirUser, launch/patient, offline_access …) are kept as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode

from kangtong.core.errors import Invalid

Context = Literal["patient", "user", "system"]
PERMISSION_ORDER = "cruds"
V1_PERMISSIONS = {"read": "rs", "write": "cud", "*": "cruds"}
# Which permission letter each interaction needs.
ACTION_LETTER = {
    "create": "c",
    "read": "r",
    "vread": "r",
    "history": "r",
    "operation": "r",
    "export": "r",
    "publish": "r",
    "aggregate": "s",
    "update": "u",
    "patch": "u",
    "delete": "d",
    "search": "s",
}
_RESOURCE_SCOPE = re.compile(
    r"^(?P<context>patient|user|system)/(?P<type>\*|[A-Z][A-Za-z]*)"
    r"\.(?P<perms>[a-z]+|\*)(?:\?(?P<query>.+))?$"
)


class ScopeSyntaxError(Invalid):
    """A scope that names a resource context but is not well formed."""


@dataclass(frozen=True)
class ResourceScope:
    context: Context
    resource_type: str  # a type, or "*"
    permissions: frozenset[str]  # letters of "cruds"
    constraints: tuple[tuple[str, str], ...] = ()  # v2 granular query, e.g. (("category", "…"),)

    def covers(self, letter: str, resource_type: str | None) -> bool:
        type_ok = self.resource_type == "*" or self.resource_type == resource_type
        return letter in self.permissions and type_ok

    def text(self) -> str:
        """The v2 form of this scope."""
        perms = "".join(p for p in PERMISSION_ORDER if p in self.permissions)
        query = f"?{urlencode(self.constraints)}" if self.constraints else ""
        return f"{self.context}/{self.resource_type}.{perms}{query}"


def parse_scope(text: str) -> ResourceScope | None:
    """The resource scope `text` describes, or None for a scope that is not about resources."""
    if "/" not in text or text.startswith("launch/"):
        return None
    match = _RESOURCE_SCOPE.match(text)
    if match is None:
        raise ScopeSyntaxError(f"Malformed SMART scope {text!r}")
    perms = match["perms"]
    letters = V1_PERMISSIONS.get(perms, perms)
    if not _is_ordered_subset(letters):
        raise ScopeSyntaxError(f"Scope {text!r}: permissions must be an ordered subset of cruds")
    constraints = tuple(parse_qsl(match["query"], strict_parsing=True)) if match["query"] else ()
    context: Context = match["context"]  # type: ignore[assignment]
    return ResourceScope(context, match["type"], frozenset(letters), constraints)


def _is_ordered_subset(letters: str) -> bool:
    if not letters or len(set(letters)) != len(letters):
        return False
    positions = [PERMISSION_ORDER.find(c) for c in letters]
    return -1 not in positions and positions == sorted(positions)


@dataclass(frozen=True)
class ScopeSet:
    """The resource scopes a token carries, and the rest (openid, offline_access …)."""

    resource: tuple[ResourceScope, ...]
    other: frozenset[str]

    @classmethod
    def parse(cls, scopes: Iterable[str]) -> ScopeSet:
        if isinstance(scopes, frozenset):
            return _parsed(scopes)  # a token's scopes: parsed once, not on every request
        return cls._parse(scopes)

    @classmethod
    def _parse(cls, scopes: Iterable[str]) -> ScopeSet:
        resource, other = [], set()
        for text in scopes:
            parsed = parse_scope(text)
            if parsed is None:
                other.add(text)
            else:
                resource.append(parsed)
        return cls(tuple(resource), frozenset(other))

    def matching(self, action: str, resource_type: str | None) -> list[ResourceScope]:
        """The scopes that permit `action` on `resource_type` (before granular constraints)."""
        letter = ACTION_LETTER.get(action)
        if letter is None:
            return []
        return [s for s in self.resource if s.covers(letter, resource_type)]


@lru_cache(maxsize=256)
def _parsed(scopes: frozenset[str]) -> ScopeSet:
    return ScopeSet._parse(scopes)


def constraints_hold(scope: ResourceScope, resource: Mapping[str, Any]) -> bool:
    """SMART v2 granular scopes: every `param=system|code` must match a coding of the resource.

    The SMART spec requires support for `category` (Observation, Condition, DocumentReference);
    `code` and `type` are matched the same way; any other parameter fails closed.
    """
    for name, wanted in scope.constraints:
        if name not in ("category", "code", "type"):
            return False
        if not any(_coding_matches(c, wanted) for c in _codings(resource.get(name))):
            return False
    return True


def _codings(element: Any) -> list[Mapping[str, Any]]:
    concepts = element if isinstance(element, list) else [element] if element else []
    return [
        c for concept in concepts if isinstance(concept, Mapping) for c in concept.get("coding", [])
    ]


def _coding_matches(coding: Mapping[str, Any], wanted: str) -> bool:
    system, _, code = wanted.rpartition("|")
    if "|" in wanted and system and coding.get("system") != system:
        return False
    return bool(coding.get("code") == code)


def narrow(requested: Iterable[str], allowed: Iterable[str]) -> list[str]:
    """The requested scopes that `allowed` grants (a requested scope must be within one allowed).

    Resource scopes are granted when an allowed scope of the same context covers the type and
    every permission and has no more constraints; other scopes must be allowed literally.
    """
    allowed_set = ScopeSet.parse(allowed)
    granted = []
    for text in requested:
        scope = parse_scope(text)
        if scope is None:
            if text in allowed_set.other:
                granted.append(text)
        elif any(_within(scope, a) for a in allowed_set.resource):
            granted.append(text)
    return granted


def _within(scope: ResourceScope, allowed: ResourceScope) -> bool:
    return (
        scope.context == allowed.context
        and allowed.resource_type in ("*", scope.resource_type)
        and scope.permissions <= allowed.permissions
        and set(allowed.constraints) <= set(scope.constraints)
    )
