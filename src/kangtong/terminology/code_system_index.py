"""An in-memory index of one stored CodeSystem version: codes, hierarchy, properties, text.

Built from the stored resource when first needed and dropped when the stored version changes
(see `resolver.py`); every terminology operation reads these indexes, never the JSON.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from kangtong.core.errors import Invalid, NotSupported
from kangtong.core.jsonutil import JsonObject
from kangtong.terminology.concepts import Concept, concepts_of
from kangtong.terminology.ranking import Listed, Ranking, Restriction
from kangtong.terminology.text_index import TextIndex

# The hierarchy filters of ValueSet.compose.include.filter.op (FHIR R4 filter-operator).
HIERARCHY_OPS = frozenset({"is-a", "descendent-of", "is-not-a", "generalizes"})


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """Which stored resource an index was built from: enough to tell when it is stale."""

    res_id: str
    version: int


class CodeSystemIndex:
    def __init__(self, resource: JsonObject, stored: StoredVersion) -> None:
        self.stored = stored
        self.url = str(resource.get("url", ""))
        self.version: str | None = resource.get("version")
        self.name = str(resource.get("title") or resource.get("name") or self.url)
        self.content = str(resource.get("content", "complete"))
        self.property_types = {
            str(p.get("code")): str(p.get("type")) for p in resource.get("property") or []
        }
        self.concepts: list[Concept] = list(concepts_of(resource))
        self.position = {c.code: i for i, c in enumerate(self.concepts)}
        children: dict[str, list[str]] = {}
        for concept in self.concepts:
            for parent in concept.parents:
                children.setdefault(parent, []).append(concept.code)
        self.children = children

    def __len__(self) -> int:
        return len(self.concepts)

    def get(self, code: str) -> Concept | None:
        number = self.position.get(code)
        return None if number is None else self.concepts[number]

    @cached_property
    def text(self) -> TextIndex:
        """Built on the first text filter only: pinyin for 30,000 displays takes a few seconds."""
        return TextIndex(
            [(c.code, [c.display, *(d.value for d in c.designations)]) for c in self.concepts]
        )

    @cached_property
    def _inactive(self) -> frozenset[int]:
        """Numbers of the concepts `activeOnly` leaves out."""
        return frozenset(n for n, c in enumerate(self.concepts) if not c.active)

    @cached_property
    def _inactive_places(self) -> frozenset[int]:
        places = self.text.places
        return frozenset(places[n] for n in self._inactive)

    # -- hierarchy ---------------------------------------------------------------------------
    def descendants(self, code: str) -> set[str]:
        found: set[str] = set()
        pending = list(self.children.get(code, ()))
        while pending:
            child = pending.pop()
            if child not in found:
                found.add(child)
                pending.extend(self.children.get(child, ()))
        return found

    def ancestors(self, code: str) -> set[str]:
        found: set[str] = set()
        concept = self.get(code)
        pending = list(concept.parents) if concept else []
        while pending:
            parent = pending.pop()
            if parent not in found:
                found.add(parent)
                above = self.get(parent)
                pending.extend(above.parents if above else ())
        return found

    def subsumes(self, ancestor: str, code: str) -> bool:
        return code == ancestor or ancestor in self.ancestors(code)

    # -- ValueSet.compose.include.filter ------------------------------------------------------
    def filter_codes(self, prop: str, op: str, value: str) -> set[str]:
        """The codes a compose filter selects (FHIR R4 filter operators)."""
        if op in HIERARCHY_OPS:
            return self._hierarchy(op, value)
        if op == "exists":
            wanted = value == "true"
            return {c.code for c in self.concepts if bool(self._values(c, prop)) == wanted}
        if op == "regex":
            pattern = _regex(value)
            return {
                c.code
                for c in self.concepts
                if any(pattern.fullmatch(v) for v in self._values(c, prop))
            }
        if op in ("=", "in", "not-in"):
            accepted = {value} if op == "=" else {v.strip() for v in value.split(",")}
            chosen = {c.code for c in self.concepts if accepted.intersection(self._values(c, prop))}
            return chosen if op != "not-in" else set(self.position) - chosen
        raise NotSupported(f"The filter operator '{op}' is not supported")

    def _hierarchy(self, op: str, code: str) -> set[str]:
        if code not in self.position:
            return set()
        if op == "is-a":
            return {code} | self.descendants(code)
        if op == "descendent-of":
            return self.descendants(code)
        if op == "generalizes":
            return {code} | self.ancestors(code)
        return set(self.position) - ({code} | self.descendants(code))

    def _values(self, concept: Concept, prop: str) -> list[str]:
        if prop in ("code", "concept"):
            return [concept.code]
        if prop == "display":
            return [concept.display]
        if prop == "parent":
            return list(concept.parents)
        if prop == "child":
            return list(self.children.get(concept.code, ()))
        return [p.as_text() for p in concept.properties if p.code == prop]

    # -- text ---------------------------------------------------------------------------------
    def matching(
        self, query: str, among: Iterable[str] | None = None, active_only: bool = False
    ) -> Ranking:
        """The concepts `query` finds, best first; `among` restricts the codes, `active_only`
        leaves inactive concepts out. Counted and paged without ordering every match."""
        text = self.text
        allowed = None
        if among is not None:
            allowed = {text.places[self.position[c]] for c in among if c in self.position}
        denied = self._inactive_places if active_only else frozenset()
        return text.ranked(query, Restriction(allowed, denied))

    def in_order(self, codes: Sequence[str] | None = None, active_only: bool = False) -> Ranking:
        """`codes` (or every code) unranked, in the code system's own order."""
        numbers = (
            range(len(self.concepts))
            if codes is None
            else sorted(self.position[c] for c in codes if c in self.position)
        )
        return Listed(numbers, Restriction(None, self._inactive if active_only else frozenset()))

    def codes_in_order(self, codes: Sequence[str] | None = None) -> list[str]:
        """`codes` (or all) in the code system's own order."""
        if codes is None:
            return [c.code for c in self.concepts]
        return sorted((c for c in codes if c in self.position), key=self.position.__getitem__)


def _regex(value: str) -> re.Pattern[str]:
    try:
        return re.compile(value)
    except re.error as exc:
        raise Invalid(f"The filter regex '{value}' is not valid: {exc}") from exc
