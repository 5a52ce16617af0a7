"""Which codes are sensitive (敏感编码): value sets compiled into rules a write can afford.

A value set belongs to a sensitive category when its `useContext` has the code `focus` with a
code of the sensitivity code system as its value (`sensitive-hiv` has `…/sensitivity|hiv`).
Its `compose` is read as FHIR R4 defines it, per code system:

- an include without concepts or filters: every code of the system (法定传染病);
- listed concepts: exactly those codes (SNOMED CT concept ids, LOINC codes);
- a filter `code regex` or `display regex`: applied to each code as it arrives, whether or not
  the code system is held here — this is the *scope* rule that makes unknown codes sensitive:
  an ICD-10 code in B20–B24 that no table lists, a LOINC test whose display names HIV;
- any other filter (`is-a`, `COMPONENT regex` …): applied to the code system when this server
  holds it (`kangtong terminology import`), turning into a list of codes; not applied when it
  does not — so a SNOMED CT code below HIV infection is recognised by its hierarchy only once
  the hierarchy is loaded, and meanwhile by the listed concept ids and the display rule;
- an exclude removes codes from the category (B20–B24 are HIV, not 'infectious').

Within one include, each rule (the concept list, each filter) is read as sufficient on its own
— a generous reading, which can only make more codes sensitive; an exclude must therefore have
a single rule (a concept list or one filter), or it is not used.

A display rule is also a *name* rule: it is applied to the display of a code of any system and
to the words of a concept sent without codes (`CodeableConcept.text`) — "艾滋病" typed into a
Condition, or a local lab code list displaying "HIV抗体", is HIV data however it is coded.

Codes, system names and words are first brought to one form (`code_forms`): `B 20`, `Ｂ２０`
and `b20` are `B20`; ICD-10 under HL7's OID or with a trailing slash is ICD-10.

Regular expressions must match the whole code or display (FHIR's regex filter); a `(?i)` at
the start makes one case-insensitive. A part this module cannot use — a malformed expression, a
nested `valueSet` — is skipped and reported by `problems`, never guessed at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from kangtong.core.canonical import fill_placeholder
from kangtong.core.errors import KangtongError
from kangtong.core.jsonutil import JsonObject
from kangtong.security.sensitivity import SENSITIVITY_SYSTEMS, Sensitivity
from kangtong.terminology.code_forms import SystemNames, normal_code, normal_text
from kangtong.terminology.code_system_index import CodeSystemIndex

FOCUS = ("http://terminology.hl7.org/CodeSystem/usage-context-type", "focus")
RUNTIME_PROPERTIES = frozenset({"code", "concept", "display"})  # regex filters on the code itself
MAX_PATTERN_LENGTH = 500  # expressions run on every write: keep them small
HeldCodeSystem = Callable[[str], CodeSystemIndex | None]


def shipped_sensitive_value_sets() -> list[JsonObject]:
    """The sensitive-category value sets kangtong ships (`terminology/data/sensitive/`)."""
    folder = resources.files("kangtong.terminology") / "data" / "sensitive"
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            found.append(json.loads(fill_placeholder(entry.read_text(encoding="utf-8"))))
    return found


def category_of(value_set: Mapping[str, Any]) -> Sensitivity | None:
    """The sensitive category a value set defines, from its `useContext` (focus)."""
    for context in value_set.get("useContext") or []:
        code = context.get("code") or {}
        if (code.get("system"), code.get("code")) != FOCUS:
            continue
        for coding in (context.get("valueCodeableConcept") or {}).get("coding") or []:
            if coding.get("system") in SENSITIVITY_SYSTEMS:
                try:
                    return Sensitivity(coding.get("code"))
                except ValueError:
                    return None
    return None


@dataclass
class Part:
    """One include or exclude of one code system."""

    whole_system: bool = False
    codes: set[str] = field(default_factory=set)
    code_patterns: list[re.Pattern[str]] = field(default_factory=list)
    display_patterns: list[re.Pattern[str]] = field(default_factory=list)

    def holds(self, code: str, display: str) -> bool:
        if self.whole_system or code in self.codes:
            return True
        if any(p.fullmatch(code) for p in self.code_patterns):
            return True
        return bool(display) and any(p.fullmatch(display) for p in self.display_patterns)


@dataclass
class ValueSetRules:
    """One value set's includes and excludes, by code system: an exclude removes codes from
    its own value set's includes only, so no value set can take codes out of another."""

    includes: dict[str, list[Part]] = field(default_factory=dict)
    excludes: dict[str, list[Part]] = field(default_factory=dict)

    def holds(self, system: str, code: str, display: str) -> bool:
        if not any(p.holds(code, display) for p in self.includes.get(system, ())):
            return False
        return not any(p.holds(code, display) for p in self.excludes.get(system, ()))


class SensitiveCodeRules:
    """The compiled rules of any number of sensitive-category value sets (their union)."""

    def __init__(self, value_sets: Iterable[Mapping[str, Any]], held: HeldCodeSystem) -> None:
        self.rules: dict[Sensitivity, list[ValueSetRules]] = {}
        self.problems: list[str] = []
        self._held = held
        for value_set in value_sets:
            category = category_of(value_set)
            if category is not None and value_set.get("status") in ("active", None):
                self._add(category, value_set)
        self.systems = frozenset(
            s for sets in self.rules.values() for r in sets for s in r.includes
        )
        self.system_names = SystemNames(self.systems)
        self.name_rules = _name_rules(self.rules)

    def categories(self, system: str, code: str, display: str) -> frozenset[Sensitivity]:
        """The categories of a code, by its system's rules, and of its display, by name."""
        display = normal_text(display) if display else ""
        found = self._named(display) if display else frozenset()
        canonical = self.system_names.canonical(system)
        if canonical is None:
            return found
        code = normal_code(canonical, code)
        return found | frozenset(
            category
            for category, sets in self.rules.items()
            if any(r.holds(canonical, code, display) for r in sets)
        )

    def named(self, text: str) -> frozenset[Sensitivity]:
        """The categories the words of a concept sent without codes name."""
        return self._named(normal_text(text)) if text else frozenset()

    def _named(self, text: str) -> frozenset[Sensitivity]:
        return frozenset(
            category
            for category, patterns in self.name_rules.items()
            if any(p.fullmatch(text) for p in patterns)
        )

    def _add(self, category: Sensitivity, value_set: Mapping[str, Any]) -> None:
        rules = ValueSetRules()
        self.rules.setdefault(category, []).append(rules)
        name = str(value_set.get("url") or value_set.get("id"))
        compose = value_set.get("compose") or {}
        for kind, target in (("include", rules.includes), ("exclude", rules.excludes)):
            for number, raw in enumerate(compose.get(kind) or []):
                where = f"{name} {kind}[{number}]"
                part = self._part(raw, where)
                if part is not None and kind == "exclude" and _rule_count(raw) > 1:
                    # FHIR reads an include's rules together (all must hold); an exclude read
                    # rule by rule would exclude too much, so it is not used at all.
                    self.problems.append(f"{where}: an exclude with several rules is not used")
                elif part is not None:
                    target.setdefault(str(raw["system"]), []).append(part)

    def _part(self, raw: Mapping[str, Any], where: str) -> Part | None:
        if raw.get("valueSet") or not raw.get("system"):
            self.problems.append(f"{where}: only includes naming a system are used")
            return None
        filters = raw.get("filter") or []
        part = Part(whole_system=not raw.get("concept") and not filters)
        part.codes.update(str(c.get("code")) for c in raw.get("concept") or [] if c.get("code"))
        held = self._held(str(raw["system"])) if filters else None
        for rule in filters:
            try:
                self._add_filter(part, rule, held)
            except (re.error, KangtongError, ValueError) as exc:
                self.problems.append(f"{where}: filter {rule.get('property')} skipped ({exc})")
        return part

    def _add_filter(
        self, part: Part, rule: Mapping[str, Any], held: CodeSystemIndex | None
    ) -> None:
        prop, op, value = str(rule.get("property")), str(rule.get("op")), str(rule.get("value"))
        if op == "regex" and prop in RUNTIME_PROPERTIES:
            if len(value) > MAX_PATTERN_LENGTH:
                raise ValueError(f"an expression longer than {MAX_PATTERN_LENGTH} characters")
            pattern = re.compile(value)
            (part.display_patterns if prop == "display" else part.code_patterns).append(pattern)
        if held is not None:  # the code system is here: its concepts answer any filter
            part.codes.update(held.filter_codes(prop, op, value))


def _name_rules(
    rules: Mapping[Sensitivity, list[ValueSetRules]],
) -> dict[Sensitivity, list[re.Pattern[str]]]:
    """Every include's display rules, by category, each expression once."""
    found: dict[Sensitivity, dict[str, re.Pattern[str]]] = {}
    for category, sets in rules.items():
        for value_set in sets:
            for parts in value_set.includes.values():
                for part in parts:
                    for pattern in part.display_patterns:
                        found.setdefault(category, {})[pattern.pattern] = pattern
    return {category: list(patterns.values()) for category, patterns in found.items()}


def _rule_count(raw: Mapping[str, Any]) -> int:
    return (1 if raw.get("concept") else 0) + len(raw.get("filter") or [])
