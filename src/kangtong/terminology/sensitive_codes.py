"""`SensitiveCodes`: the `CodeMeanings` port of `security/sensitivity.py`, answered from the
sensitive-category value sets — the shipped ones, always, and the stored ones a region adds.

The shipped value sets are read from the package, not from the database: classification never
depends on `kangtong terminology install` having been run, and no stored resource can remove a
shipped rule (a platform administrator may write value sets; HIV must not become ordinary data
by one of them). Stored value sets with a sensitivity `focus` add to the shipped rules: a
region lists its local lab codes, a WS 364 value domain or a drug classification under a
category by writing a ValueSet (REST, or `kangtong terminology install` of its own files).

The rules are compiled once and kept. At most every `check_seconds` (5 s, as care and consent
answers, ADR 0010), the next question first asks the store whether any ValueSet or CodeSystem
changed (two indexed counts) and recompiles if so: a new rule labels writes within seconds;
data stored before it is relabelled by `kangtong security relabel`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Hashable

from kangtong.core.clock import Clock
from kangtong.core.jsonutil import JsonObject, parse_fhir_json
from kangtong.fhir.lookup import PlatformSearch
from kangtong.security.sensitivity import SENSITIVITY_SYSTEMS, Sensitivity
from kangtong.terminology.code_forms import MAX_TEXT_LENGTH
from kangtong.terminology.code_system_index import CodeSystemIndex, StoredVersion
from kangtong.terminology.sensitive_rules import SensitiveCodeRules, shipped_sensitive_value_sets

log = logging.getLogger(__name__)
MAX_STORED = 500  # sensitive-category value sets considered (a region has a handful)
MAX_REMEMBERED = 50_000  # answers kept per compiled rule set: codes repeat across resources


class SensitiveCodes:
    def __init__(self, lookups: PlatformSearch, clock: Clock, check_seconds: float = 5.0) -> None:
        self.lookups = lookups
        self.clock = clock
        self.check_seconds = check_seconds
        self._lock = threading.Lock()
        self._rules: SensitiveCodeRules | None = None
        self._fingerprint: Hashable = None
        self._next_check = 0.0
        self._answers: dict[tuple[str, str, str], frozenset[Sensitivity]] = {}

    def categories(self, system: str, code: str, display: str) -> frozenset[Sensitivity]:
        rules = self.current()
        key = (system, code, display)
        found = self._answers.get(key)
        if found is None:
            found = rules.categories(system, code, display)
            self._remember(key, found)
        return found

    def named(self, text: str) -> frozenset[Sensitivity]:
        rules = self.current()
        key = ("", "", text[:MAX_TEXT_LENGTH])  # no code system is named ''; rules read no further
        found = self._answers.get(key)
        if found is None:
            found = rules.named(text)
            self._remember(key, found)
        return found

    def _remember(self, key: tuple[str, str, str], found: frozenset[Sensitivity]) -> None:
        if len(self._answers) >= MAX_REMEMBERED:
            self._answers.clear()
        self._answers[key] = found

    def recheck(self) -> None:
        """Ask the store on the next question whether the rules changed (not after 5 s)."""
        self._next_check = 0.0

    def current(self) -> SensitiveCodeRules:
        """The compiled rules, recompiled first if a value set or code system changed."""
        now = self.clock.now().timestamp()
        if self._rules is not None and now < self._next_check:
            return self._rules
        with self._lock:
            if self._rules is None or now >= self._next_check:
                fingerprint = self._store_fingerprint()
                if self._rules is None or fingerprint != self._fingerprint:
                    self._rules = self._compile()
                    self._answers = {}
                    self._fingerprint = fingerprint
                self._next_check = now + self.check_seconds
            return self._rules

    def _store_fingerprint(self) -> Hashable:
        with self.lookups.db.read() as conn:
            return tuple(self.lookups.type_fingerprint(conn, t) for t in ("ValueSet", "CodeSystem"))

    def _compile(self) -> SensitiveCodeRules:
        rules = SensitiveCodeRules(
            [*shipped_sensitive_value_sets(), *self._stored()], self._held_code_system
        )
        for problem in rules.problems:
            log.warning("sensitive-category value set: %s", problem)
        return rules

    def _stored(self) -> list[JsonObject]:
        wanted = ",".join(f"{s}|{c.value}" for s in SENSITIVITY_SYSTEMS for c in Sensitivity)
        found = self.lookups.search(
            "ValueSet", [("context", wanted), ("status", "active"), ("_count", str(MAX_STORED))]
        )
        return [parse_fhir_json(e.content) for e in found.entries if e.mode == "match"]

    def _held_code_system(self, url: str) -> CodeSystemIndex | None:
        found = self.lookups.search("CodeSystem", [("url", url), ("_count", "10")])
        stored = [parse_fhir_json(e.content) for e in found.entries if e.mode == "match"]
        stored = [s for s in stored if s.get("url") == url]
        if not stored:
            return None
        latest = max(stored, key=lambda s: str((s.get("meta") or {}).get("lastUpdated", "")))
        return CodeSystemIndex(latest, StoredVersion(str(latest.get("id", "")), 0))
