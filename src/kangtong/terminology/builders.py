"""Small builders of the ValueSet and ConceptMap resources kangtong ships or derives."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kangtong.core.jsonutil import JsonObject
from kangtong.terminology.concepts import CodeSystemContent
from kangtong.terminology.urls import concept_map_url, value_set_url


def all_codes_value_set(content: CodeSystemContent) -> JsonObject:
    """The value set of every code of a code system (CodeSystem.valueSet points at it)."""
    return {
        "resourceType": "ValueSet",
        "id": content.id,
        "url": content.value_set or value_set_url(content.id),
        "name": content.name,
        "title": content.title,
        "status": "active",
        "publisher": content.publisher,
        "compose": {"include": [{"system": content.url}]},
    }


@dataclass(frozen=True)
class MapEntry:
    source_code: str
    source_display: str
    target_code: str
    target_display: str
    equivalence: str = "equivalent"
    comment: str | None = None


def concept_map(
    name: str,
    title: str,
    source: tuple[str, str],
    target: tuple[str, str],
    entries: Sequence[MapEntry],
) -> JsonObject:
    """A one-group ConceptMap; `source`/`target` are (value set URL, code system URL)."""
    elements = []
    for entry in entries:
        target_item: JsonObject = {"code": entry.target_code, "equivalence": entry.equivalence}
        if entry.target_display:
            target_item["display"] = entry.target_display
        if entry.comment:
            target_item["comment"] = entry.comment
        elements.append(
            {"code": entry.source_code, "display": entry.source_display, "target": [target_item]}
        )
    return {
        "resourceType": "ConceptMap",
        "id": name,
        "url": concept_map_url(name),
        "name": name.replace("-", "_"),
        "title": title,
        "status": "active",
        "publisher": "kangtong (康通)",
        "sourceUri": source[0],
        "targetUri": target[0],
        "group": [{"source": source[1], "target": target[1], "element": elements}],
    }
