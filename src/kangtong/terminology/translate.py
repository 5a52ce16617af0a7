"""`ConceptMap/$translate`: stored ConceptMaps indexed both ways (source → target, and reverse).

E.g. GB/T 2261.1 性别 `1` → administrative-gender `male`. With `reverse=true` a map is read from
target to source and the equivalence turned round (wider ↔ narrower, subsumes ↔ specializes).
"""

from __future__ import annotations

from dataclasses import dataclass

from kangtong.core.jsonutil import JsonObject
from kangtong.terminology.code_system_index import StoredVersion
from kangtong.terminology.parameters import parameters, parts, value

NO_MATCH = frozenset({"unmatched", "disjoint"})
REVERSED = {"wider": "narrower", "narrower": "wider", "subsumes": "specializes"}
REVERSED["specializes"] = "subsumes"


@dataclass(frozen=True, slots=True)
class Mapping:
    """One element→target of a ConceptMap group, as seen from the side being translated."""

    system: str
    version: str | None
    code: str
    display: str
    equivalence: str
    comment: str | None
    map_url: str


@dataclass(frozen=True)
class TranslateRequest:
    system: str
    code: str
    target_system: str | None = None
    source_value_set: str | None = None
    target_value_set: str | None = None
    reverse: bool = False


class ConceptMapIndex:
    def __init__(self, resource: JsonObject, stored: StoredVersion) -> None:
        self.stored = stored
        self.url = str(resource.get("url", ""))
        self.version: str | None = resource.get("version")
        self.source = resource.get("sourceUri") or resource.get("sourceCanonical")
        self.target = resource.get("targetUri") or resource.get("targetCanonical")
        self.forward: dict[tuple[str, str], list[Mapping]] = {}
        self.backward: dict[tuple[str, str], list[Mapping]] = {}
        for group in resource.get("group") or []:
            self._add_group(group)

    def _add_group(self, group: JsonObject) -> None:
        source, target = str(group.get("source", "")), str(group.get("target", ""))
        for element in group.get("element") or []:
            code = str(element.get("code", ""))
            for item in element.get("target") or []:
                equivalence = str(item.get("equivalence", "equivalent"))
                forward = Mapping(
                    target,
                    group.get("targetVersion"),
                    str(item.get("code", "")),
                    str(item.get("display") or ""),
                    equivalence,
                    item.get("comment"),
                    self.url,
                )
                self.forward.setdefault((source, code), []).append(forward)
                if forward.code:
                    backward = Mapping(
                        source,
                        group.get("sourceVersion"),
                        code,
                        str(element.get("display") or ""),
                        REVERSED.get(equivalence, equivalence),
                        item.get("comment"),
                        self.url,
                    )
                    self.backward.setdefault((target, forward.code), []).append(backward)

    def applies(self, request: TranslateRequest) -> bool:
        """Whether the map is about the value sets the request names (source/target)."""
        source, target = (
            (self.target, self.source) if request.reverse else (self.source, self.target)
        )
        if request.source_value_set and source != request.source_value_set:
            return False
        return not (request.target_value_set and target != request.target_value_set)

    def translate(self, request: TranslateRequest) -> list[Mapping]:
        table = self.backward if request.reverse else self.forward
        found = table.get((request.system, request.code), [])
        if request.target_system:
            found = [m for m in found if m.system == request.target_system]
        return found


def translation(matches: list[Mapping]) -> JsonObject:
    """$translate output: result, message, and one `match` per mapping found."""
    good = [m for m in matches if m.equivalence not in NO_MATCH]
    message = None if good else "No mapping found for the code"
    return parameters(
        value("result", "valueBoolean", bool(good)),
        value("message", "valueString", message),
        *(_match(m) for m in matches),
    )


def _match(mapping: Mapping) -> JsonObject:
    coding: JsonObject = {"system": mapping.system, "code": mapping.code}
    if mapping.version:
        coding["version"] = mapping.version
    if mapping.display:
        coding["display"] = mapping.display
    return parts(
        "match",
        value("equivalence", "valueCode", mapping.equivalence),
        value("concept", "valueCoding", coding if mapping.code else None),
        value("source", "valueUri", mapping.map_url),
    )
