"""Is one code in a value set? (`ValueSet/$validate-code`) — decided without expanding it.

Expanding ICD-10 to check one diagnosis would build 30,000 entries; instead each include and
exclude is asked about the one code: a concept list by lookup, `is-a` by walking the ancestors.
"""

from __future__ import annotations

from kangtong.core.errors import Invalid, NotFound
from kangtong.core.jsonutil import JsonObject
from kangtong.terminology.code_system_index import CodeSystemIndex
from kangtong.terminology.concepts import Concept
from kangtong.terminology.expansion import MAX_DEPTH, CodeSystemLookup, ValueSetLookup


class Found:
    """The code was found: the concept when its code system is held, else the listed display."""

    def __init__(self, concept: Concept | None, display: str) -> None:
        self.concept = concept
        self.display = display


class ValueSetMembership:
    def __init__(self, code_systems: CodeSystemLookup, value_sets: ValueSetLookup) -> None:
        self._code_systems = code_systems
        self._value_sets = value_sets

    def find(
        self, value_set: JsonObject, system: str, code: str, path: tuple[str, ...] = ()
    ) -> Found | None:
        compose = value_set.get("compose")
        if not compose:
            return _in_expansion(value_set, system, code)
        for part in compose.get("exclude") or []:
            if self._in_part(part, system, code, path):
                return None
        for part in compose.get("include") or []:
            found = self._in_part(part, system, code, path)
            if found is not None:
                return found
        return None

    def systems(self, value_set: JsonObject) -> set[str]:
        """The code systems a value set draws on directly (to infer a missing `system`)."""
        compose = value_set.get("compose") or {}
        return {str(p["system"]) for p in compose.get("include") or [] if p.get("system")}

    def _in_part(
        self, part: JsonObject, system: str, code: str, path: tuple[str, ...]
    ) -> Found | None:
        found: Found | None = None
        for url in part.get("valueSet") or []:
            found = self._in_nested(url, system, code, path)
            if found is None:
                return None
        if not part.get("system"):
            return found
        if part["system"] != system:
            return None
        cs = self._code_systems(system, part.get("version"))
        listed = {
            str(c.get("code")): str(c.get("display") or "") for c in part.get("concept") or []
        }
        if cs is None:
            if part.get("filter") or not listed:
                raise NotFound(f"The code system {system} is not known to this server")
            return Found(None, listed[code]) if code in listed else None
        concept = cs.get(code)
        if concept is None or (listed and code not in listed):
            return None
        if not all(_holds(cs, rule, code) for rule in part.get("filter") or []):
            return None
        return Found(concept, listed.get(code) or concept.display)

    def _in_nested(self, url: str, system: str, code: str, path: tuple[str, ...]) -> Found | None:
        if url in path or len(path) > MAX_DEPTH:
            raise Invalid(f"The value set {url} includes itself")
        canonical, _, version = url.partition("|")
        nested = self._value_sets(canonical, version or None)
        if nested is None:
            raise NotFound(f"The value set {url} is not known to this server")
        return self.find(nested, system, code, (*path, url))


def _holds(cs: CodeSystemIndex, rule: JsonObject, code: str) -> bool:
    prop, op, wanted = str(rule.get("property")), str(rule.get("op")), str(rule.get("value"))
    if op == "is-a":
        return cs.subsumes(wanted, code)
    if op == "descendent-of":
        return code != wanted and cs.subsumes(wanted, code)
    if op == "is-not-a":
        return not cs.subsumes(wanted, code)
    if op == "generalizes":
        return cs.subsumes(code, wanted)
    return code in cs.filter_codes(prop, op, wanted)


def _in_expansion(value_set: JsonObject, system: str, code: str) -> Found | None:
    pending = list(value_set.get("expansion", {}).get("contains") or [])
    while pending:
        item = pending.pop()
        if item.get("system") == system and item.get("code") == code:
            return Found(None, str(item.get("display") or ""))
        pending.extend(item.get("contains") or [])
    return None
