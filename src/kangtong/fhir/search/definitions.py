"""The FHIR R4 SearchParameters kangtong indexes, loaded from the official definitions.

Every standard parameter of every resource type is available (not a hand-picked few). A
parameter's FHIRPath expression is compiled lazily, once per resource type.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Any

import orjson

from kangtong.fhir.fhirpath import (
    CompiledPath,
    FhirPathError,
    TypeModel,
    compile_for_type,
    compile_path,
)
from kangtong.fhir.search.pinyin_params import with_pinyin
from kangtong.fhir.search.shared_rows import ParamView, shared_rows
from kangtong.store.criteria import ParamRef, SharedRows

log = logging.getLogger(__name__)

DEFINITIONS_FILE = "search-parameters-r4.json"
# Parameters answered from the resource table itself, not from an index table.
COLUMN_PARAMS = frozenset({"_id", "_lastUpdated"})
# Defined by FHIR but not implemented: they are reported as unsupported, never silently ignored.
UNSUPPORTED_PARAMS = frozenset({"_text", "_content", "_query", "_list", "_filter", "near"})
# Types without `text`, `contained` … (not DomainResource).
NON_DOMAIN_RESOURCES = frozenset({"Bundle", "Binary", "Parameters"})


def param_key(resource_type: str, code: str) -> int:
    """Stable 31-bit key of a parameter in the index tables (crc32 of `Type.code`)."""
    return zlib.crc32(f"{resource_type}.{code}".encode()) & 0x7FFFFFFF


@dataclass
class Component:
    """One part of a composite parameter: its own type and a path relative to the parent."""

    type: str
    path: CompiledPath
    walker: Any = None  # a member_paths.MemberPathWalker when the path is a plain member path


@dataclass
class SearchParam:
    resource_type: str
    code: str
    type: str
    url: str
    expression: str | None
    targets: tuple[str, ...]
    key: int
    path: CompiledPath | None = None
    components: tuple[Component, ...] = field(default=())
    # Set when the parameter's rows are other parameters' rows (see `shared_rows`).
    shared: SharedRows | None = None

    @property
    def searchable(self) -> bool:
        """Answered from index rows (its own or shared ones)."""
        return self.path is not None and self.code not in COLUMN_PARAMS

    @property
    def indexed(self) -> bool:
        """Rows are extracted for it at write time."""
        return self.searchable and self.shared is None

    @property
    def stored(self) -> ParamRef:
        """Where its rows are: what criteria, sorts and includes look at."""
        return self.shared if self.shared is not None else self.key


class SearchParamRegistry:
    """Search parameters by resource type and code."""

    def __init__(self, definitions: list[dict[str, Any]], type_model: TypeModel | None) -> None:
        self._type_model = type_model
        self._by_url = {d["url"]: d for d in definitions}
        self._by_base: dict[str, list[dict[str, Any]]] = {}
        for definition in definitions:
            for base in definition.get("base", []):
                self._by_base.setdefault(base, []).append(definition)
        self._compiled: dict[str, dict[str, SearchParam]] = {}

    @classmethod
    def load(cls, type_model: TypeModel | None = None) -> SearchParamRegistry:
        raw = resources.files("kangtong.fhir.definitions").joinpath(DEFINITIONS_FILE).read_bytes()
        bundle = orjson.loads(raw)
        return cls([entry["resource"] for entry in bundle["entry"]], type_model)

    @cached_property
    def base_types(self) -> frozenset[str]:
        return frozenset(self._by_base) - {"Resource", "DomainResource"}

    def for_type(self, resource_type: str) -> dict[str, SearchParam]:
        """All parameters that apply to `resource_type`, compiled on first use."""
        found = self._compiled.get(resource_type)
        if found is None:
            found = self._compile_type(resource_type)
            self._compiled[resource_type] = found
        return found

    def get(self, resource_type: str, code: str) -> SearchParam | None:
        return self.for_type(resource_type).get(code)

    def _applicable(self, resource_type: str) -> Iterable[dict[str, Any]]:
        yield from self._by_base.get("Resource", [])
        if resource_type not in NON_DOMAIN_RESOURCES:
            yield from self._by_base.get("DomainResource", [])
        yield from self._by_base.get(resource_type, [])

    def _compile_type(self, resource_type: str) -> dict[str, SearchParam]:
        params: dict[str, SearchParam] = {}
        for definition in self._applicable(resource_type):
            param = self._compile(resource_type, definition)
            params[param.code] = param
        views = {
            code: ParamView(
                code,
                p.key,
                p.type,
                p.path.member_chains(resource_type) if p.searchable and p.path else None,
                tuple((c.type, c.path.expression) for c in p.components),
            )
            for code, p in params.items()
        }

        def same_extraction(a: str, b: str) -> bool:
            return with_pinyin(resource_type, a) == with_pinyin(resource_type, b)

        for code, shared in shared_rows(views, same_extraction).items():
            params[code].shared = shared
        return params

    def _compile(self, resource_type: str, definition: dict[str, Any]) -> SearchParam:
        expression = definition.get("expression")
        path = None
        if expression and definition["code"] not in UNSUPPORTED_PARAMS:
            try:
                path = compile_for_type(expression, resource_type, type_model=self._type_model)
            except FhirPathError:
                log.warning(
                    "search parameter %s cannot be compiled for %s",
                    definition["url"],
                    resource_type,
                )
        components: list[Component] = []
        for component in definition.get("component", []):
            target = self._by_url.get(component["definition"])
            if target is None:
                continue
            compiled = compile_path(component["expression"], type_model=self._type_model)
            components.append(Component(target["type"], compiled))
        return SearchParam(
            resource_type=resource_type,
            code=definition["code"],
            type=definition["type"],
            url=definition["url"],
            expression=expression,
            targets=tuple(definition.get("target", ())),
            key=param_key(resource_type, definition["code"]),
            path=path,
            components=tuple(components),
        )
