"""Write rules: the port through which modules add business rules to the one write path.

A module (the registries first) declares rules for some resource types; the resource service
runs them on every write of those types, whatever the source — REST, a bundle entry, a batch,
`kangtong load` — so a rule cannot be bypassed by choosing another door.

A rule has two moments:
- `check(resource)`: the resource alone (e.g. a USCC's check character), in the validate step,
  before the write lock; errors reject with 422 and name the element's path.
- `check_stored(res_id, resource, lookup)`: against the store as this transaction leaves it —
  its own staged writes included — just before commit (e.g. "no other institution holds this
  USCC"). First every value the transaction `claims` is locked, so concurrent writers that claim
  the same value take turns and the later one sees the earlier one's commit. Issues with code
  `duplicate` reject with 409, others with 422.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol

from sqlalchemy import Connection

from kangtong.core.errors import Conflict, Issue, KangtongError, Unprocessable
from kangtong.core.jsonutil import JsonObject, parse_fhir_json
from kangtong.fhir.lookup import FoundResource, PlatformSearch
from kangtong.fhir.results import StoredResource
from kangtong.store.locks import hold_until_commit

__all__ = ["FoundResource", "RuleLookup", "StoreLookup", "WriteRule", "WriteRules"]


class RuleLookup(Protocol):
    """Read-only search inside the writing transaction (what it is about to commit included)."""

    def search(
        self, res_type: str, params: Sequence[tuple[str, str]], *, at_most: int = 10
    ) -> list[FoundResource]:
        """Current resources of `res_type` matching FHIR search `params` (deleted ones excluded)."""
        ...

    def type_fingerprint(self, res_type: str) -> tuple[int, int]:
        """A value that changes whenever any resource of `res_type` is written or deleted.

        Lets a rule keep what it derived from, say, a catalogue ConceptMap across transactions
        and re-read it only when it changed: one index probe instead of a search per write.
        """
        ...


class WriteRule(Protocol):
    @property
    def resource_types(self) -> frozenset[str]:
        """The resource types this rule looks at; others never reach it."""
        ...

    def check(self, resource: JsonObject) -> Sequence[Issue]:
        """Problems with the resource on its own (no database)."""
        ...

    def claims(self, resource: JsonObject) -> Sequence[str]:
        """Names of the values this resource claims exclusively, e.g. `uscc|12520102…`."""
        ...

    def check_stored(
        self, res_id: str, resource: JsonObject, lookup: RuleLookup
    ) -> Sequence[Issue]:
        """Problems against the stored state, seen from inside the writing transaction."""
        ...


class StoreLookup:
    """`RuleLookup` on the connection of a write transaction; takes no row locks."""

    def __init__(self, search: PlatformSearch, conn: Connection) -> None:
        self._search = search
        self._conn = conn

    def search(
        self, res_type: str, params: Sequence[tuple[str, str]], *, at_most: int = 10
    ) -> list[FoundResource]:
        return self._search.search_in(self._conn, res_type, params, at_most)

    def type_fingerprint(self, res_type: str) -> tuple[int, int]:
        return self._search.type_fingerprint(self._conn, res_type)


class WriteRules:
    """The rules wired into one resource service, by resource type."""

    def __init__(self, rules: Iterable[WriteRule] = ()) -> None:
        self._by_type: dict[str, list[WriteRule]] = {}
        for rule in rules:
            for res_type in rule.resource_types:
                self._by_type.setdefault(res_type, []).append(rule)

    def __bool__(self) -> bool:
        return bool(self._by_type)

    def check(self, res_type: str, resource: JsonObject) -> None:
        """Raise `Unprocessable` when a rule finds an error in the resource alone."""
        for rule in self._by_type.get(res_type, ()):
            _raise_errors(rule.check(resource), prefix="")

    def enforce(
        self, search: PlatformSearch, conn: Connection, written: Iterable[StoredResource]
    ) -> None:
        """Run the stored-state checks on everything a transaction wrote (deletes excluded)."""
        ruled = [
            (stored, parse_fhir_json(stored.content))
            for stored in written
            if stored.content is not None and stored.res_type in self._by_type
        ]
        if not ruled:
            return
        claims = [
            name
            for stored, resource in ruled
            for rule in self._by_type[stored.res_type]
            for name in rule.claims(resource)
        ]
        hold_until_commit(conn, claims)
        lookup = StoreLookup(search, conn)
        for stored, resource in ruled:
            for rule in self._by_type[stored.res_type]:
                issues = rule.check_stored(stored.res_id, resource, lookup)
                _raise_errors(issues, prefix=f"{stored.res_type}/{stored.res_id}: ")

    def rule_types(self) -> Mapping[str, int]:
        """How many rules look at each resource type (for docs and diagnostics)."""
        return {res_type: len(rules) for res_type, rules in self._by_type.items()}


def _raise_errors(issues: Sequence[Issue], *, prefix: str) -> None:
    errors = [i for i in issues if i.severity in ("error", "fatal")]
    if not errors:
        return
    errors = [replace(i, diagnostics=prefix + i.diagnostics) for i in errors]
    first = errors[0]
    message = first.diagnostics + (f" (at {first.expression})" if first.expression else "")
    kind: type[KangtongError] = (
        Conflict if any(i.code == "duplicate" for i in errors) else Unprocessable
    )
    raise kind(message, errors)
