"""Concepts as typed values, read from and written to FHIR CodeSystem JSON.

A CodeSystem may nest concepts (`concept.concept`) or state the hierarchy with the `parent`
property; both become `Concept.parents`, so the rest of the module sees one flat list.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from kangtong.core.jsonutil import JsonObject
from kangtong.terminology.urls import CONCEPT_PROPERTIES

# CodeSystem.property.type → the JSON key of concept.property.value[x].
VALUE_KEYS = {
    "code": "valueCode",
    "Coding": "valueCoding",
    "string": "valueString",
    "integer": "valueInteger",
    "boolean": "valueBoolean",
    "dateTime": "valueDateTime",
    "decimal": "valueDecimal",
}
INACTIVE_STATUSES = frozenset({"retired", "inactive", "deprecated"})


@dataclass(frozen=True, slots=True)
class Designation:
    """Another name of a concept: an English name, a synonym, an alias (别名)."""

    value: str
    language: str | None = None
    use: JsonObject | None = None  # a Coding


@dataclass(frozen=True, slots=True)
class PropertyValue:
    """One concept property; `value_key` is the JSON key (valueCode, valueInteger …)."""

    code: str
    value_key: str
    value: Any

    def as_text(self) -> str:
        """The value as a filter compares it: a Coding by its code, booleans in FHIR spelling."""
        if isinstance(self.value, dict):
            return str(self.value.get("code", ""))
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        return str(self.value)


@dataclass(frozen=True, slots=True)
class Concept:
    code: str
    display: str = ""
    definition: str | None = None
    designations: tuple[Designation, ...] = ()
    properties: tuple[PropertyValue, ...] = ()
    parents: tuple[str, ...] = ()

    def property_values(self, code: str) -> list[PropertyValue]:
        return [p for p in self.properties if p.code == code]

    @property
    def active(self) -> bool:
        """False when the concept is marked retired/inactive (the `status`/`inactive` properties)."""
        for prop in self.properties:
            if prop.code == "status" and prop.as_text() in INACTIVE_STATUSES:
                return False
            if prop.code == "inactive" and prop.value is True:
                return False
        return True


@dataclass(frozen=True, slots=True)
class PropertyDefinition:
    code: str
    type: str
    description: str = ""
    uri: str | None = None


@dataclass
class CodeSystemContent:
    """What kangtong builds into a CodeSystem resource: header fields plus flat concepts."""

    id: str
    url: str
    name: str
    title: str
    version: str | None = None
    description: str = ""
    publisher: str = "kangtong (康通)"
    identifier_oid: str | None = None
    value_set: str | None = None
    properties: Sequence[PropertyDefinition] = ()
    concepts: Sequence[Concept] = field(default_factory=list)
    content: str = "complete"
    experimental: bool = False


def concepts_of(code_system: JsonObject) -> Iterator[Concept]:
    """Every concept of a CodeSystem resource, nested ones flattened with their parent."""
    yield from _walk(code_system.get("concept") or [], ())


def _walk(items: Iterable[JsonObject], parents: tuple[str, ...]) -> Iterator[Concept]:
    for item in items:
        code = str(item.get("code", ""))
        props = tuple(_property(p) for p in item.get("property") or [])
        stated = tuple(p.as_text() for p in props if p.code == "parent")
        yield Concept(
            code=code,
            display=str(item.get("display") or ""),
            definition=item.get("definition"),
            designations=tuple(_designation(d) for d in item.get("designation") or []),
            properties=tuple(p for p in props if p.code != "parent"),
            parents=tuple(dict.fromkeys(parents + stated)),
        )
        yield from _walk(item.get("concept") or [], (code,))


def _property(item: JsonObject) -> PropertyValue:
    for key, value in item.items():
        if key.startswith("value"):
            return PropertyValue(str(item.get("code", "")), key, value)
    return PropertyValue(str(item.get("code", "")), "valueString", "")


def _designation(item: JsonObject) -> Designation:
    return Designation(str(item.get("value", "")), item.get("language"), item.get("use"))


def code_system_resource(content: CodeSystemContent) -> JsonObject:
    """The CodeSystem resource for `content`: flat concepts, the hierarchy as `parent`."""
    resource: JsonObject = {
        "resourceType": "CodeSystem",
        "id": content.id,
        "url": content.url,
        "name": content.name,
        "title": content.title,
        "status": "active",
        "publisher": content.publisher,
        "content": content.content,
        "caseSensitive": True,
        "count": len(content.concepts),
    }
    if content.version:
        resource["version"] = content.version
    if content.experimental:
        resource["experimental"] = True
    if content.description:
        resource["description"] = content.description
    if content.identifier_oid:
        resource["identifier"] = [{"system": "urn:ietf:rfc:3986", "value": content.identifier_oid}]
    if content.value_set:
        resource["valueSet"] = content.value_set
    properties = list(content.properties)
    if any(c.parents for c in content.concepts):
        resource["hierarchyMeaning"] = "is-a"
        if not any(p.code == "parent" for p in properties):
            properties.insert(0, PARENT_PROPERTY)
    if properties:
        resource["property"] = [_property_definition(p) for p in properties]
    resource["concept"] = [concept_json(c) for c in content.concepts]
    return resource


PARENT_PROPERTY = PropertyDefinition(
    "parent", "code", "上级概念 (the parent in the is-a hierarchy)", f"{CONCEPT_PROPERTIES}#parent"
)


def _property_definition(definition: PropertyDefinition) -> JsonObject:
    item: JsonObject = {"code": definition.code, "type": definition.type}
    if definition.uri:
        item["uri"] = definition.uri
    if definition.description:
        item["description"] = definition.description
    return item


def concept_json(concept: Concept) -> JsonObject:
    item: JsonObject = {"code": concept.code}
    if concept.display:
        item["display"] = concept.display
    if concept.definition:
        item["definition"] = concept.definition
    if concept.designations:
        item["designation"] = [_designation_json(d) for d in concept.designations]
    props = [{"code": "parent", "valueCode": parent} for parent in concept.parents]
    props += [{"code": p.code, p.value_key: p.value} for p in concept.properties]
    if props:
        item["property"] = props
    return item


def _designation_json(designation: Designation) -> JsonObject:
    item: JsonObject = {"value": designation.value}
    if designation.language:
        item["language"] = designation.language
    if designation.use:
        item["use"] = designation.use
    return item
