"""Expand the simple FHIR R4 value sets that required bindings on ``code`` elements point to.

Only two shapes are expanded, which covers the required bindings of the core resources:
an include of a whole code system whose content is ``complete``, and an include that lists its
concepts. Includes of other value sets are followed. Filters (``is-a`` …), code systems that are
not in the package (BCP 13 mime types, ISO 4217 currencies) and fragments are not expanded; the
caller records those value sets as unexpanded.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from kangtong.fhir.model.definitions import JsonObject, read_bundle_resources


class UnexpandableValueSetError(Exception):
    """The value set uses a construct this expander does not implement (the message says which)."""


class ValueSetExpander:
    """Expands value sets from the terminology bundles of the definitions package."""

    def __init__(self, resources: Iterable[JsonObject]) -> None:
        self._value_sets: dict[str, JsonObject] = {}
        self._code_systems: dict[str, JsonObject] = {}
        for resource in resources:
            if resource.get("resourceType") == "ValueSet":
                self._value_sets[resource["url"]] = resource
            elif resource.get("resourceType") == "CodeSystem":
                self._code_systems[resource["url"]] = resource

    @classmethod
    def from_directory(cls, directory: Path) -> ValueSetExpander:
        files = ("valuesets.json", "v3-codesystems.json")
        return cls(r for name in files for r in read_bundle_resources(directory / name))

    def expand(self, canonical: str) -> frozenset[str]:
        """All codes of the value set ``canonical`` (a ``|version`` suffix is ignored)."""
        return self._expand(canonical.split("|")[0], frozenset())

    def _expand(self, url: str, visiting: frozenset[str]) -> frozenset[str]:
        value_set = self._value_sets.get(url)
        if value_set is None:
            raise UnexpandableValueSetError(f"value set {url} is not in the definitions package")
        if url in visiting:
            raise UnexpandableValueSetError(f"value set {url} includes itself")
        compose = value_set.get("compose", {})
        codes: set[str] = set()
        for include in compose.get("include", []):
            codes |= self._include(include, visiting | {url})
        for exclude in compose.get("exclude", []):
            codes -= self._include(exclude, visiting | {url})
        return frozenset(codes)

    def _include(self, include: JsonObject, visiting: frozenset[str]) -> set[str]:
        if "filter" in include:
            raise UnexpandableValueSetError(f"include of {include.get('system')} uses a filter")
        codes: set[str] | None = None
        if "concept" in include:
            codes = {concept["code"] for concept in include["concept"]}
        elif "system" in include:
            codes = set(self._whole_code_system(include["system"]))
        for value_set_url in include.get("valueSet", []):
            nested = self._expand(value_set_url.split("|")[0], visiting)
            codes = set(nested) if codes is None else codes & nested
        return codes or set()

    def _whole_code_system(self, url: str) -> Iterator[str]:
        code_system = self._code_systems.get(url)
        if code_system is None:
            raise UnexpandableValueSetError(f"code system {url} is not in the definitions package")
        if code_system.get("content") != "complete":
            content = code_system.get("content")
            raise UnexpandableValueSetError(f"code system {url} has content {content!r}")
        return _walk_concepts(code_system.get("concept", []))


def _walk_concepts(concepts: list[Any]) -> Iterator[str]:
    for concept in concepts:
        yield concept["code"]
        yield from _walk_concepts(concept.get("concept", []))
