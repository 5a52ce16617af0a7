"""The resident's Consent (知情同意) to cross-institution sharing, read from FHIR Consent.

Each provision of an active Consent (the base one and nested ones) is a rule: `type` deny or
permit, limited to `actor` references (an Organization, or the Practitioner calling), to
`purpose` codes (v3 PurposeOfUse, matched against the caller's purpose) and to sensitive
categories by `securityLabel`. Rules naming the caller's organisation or the caller outrank
general ones; within a rank, deny wins. A sensitive category is shared only with a permit
that names it (opt-in); a deny without labels covers every category. Permits of a Consent
count only when its writer may give them, denies when its writer may record them
(`consent_writes.ConsentTrust`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kangtong.core.jsonutil import parse_fhir_json
from kangtong.fhir.access import AccessContext
from kangtong.fhir.lookup import PlatformSearch
from kangtong.security.answers import RecentAnswers
from kangtong.security.consent_writes import ConsentTrust
from kangtong.security.ports import ConsentVerdict
from kangtong.security.sensitivity import SECURITY_LABELS, Sensitivity
from kangtong.store.records import VersionWriter

BATCH = 100  # patients per Consent search


@dataclass(frozen=True)
class ConsentRule:
    permit: bool
    actors: frozenset[str]  # "Organization/…", "Practitioner/…"; empty: anyone
    purposes: frozenset[str]  # PurposeOfUse codes; empty: any purpose
    labels: frozenset[Sensitivity]  # empty: not limited to a sensitive category

    def applies(self, ctx: AccessContext) -> bool:
        if self.actors and not self.actors & callers(ctx):
            return False
        return not self.purposes or ctx.purpose in self.purposes


def callers(ctx: AccessContext) -> frozenset[str]:
    found = {ctx.principal}
    if ctx.organization:
        found.add(f"Organization/{ctx.organization}")
    return frozenset(found)


def rules_of(consent: Mapping[str, Any]) -> list[ConsentRule]:
    """The rules of one Consent's provisions (base first, then nested, depth-first)."""
    found: list[ConsentRule] = []
    pending = [consent.get("provision")]
    while pending:
        provision = pending.pop(0)
        if not isinstance(provision, Mapping):
            continue
        if provision.get("type") in ("deny", "permit"):
            found.append(_rule(provision))
        pending.extend(provision.get("provision", []) or [])
    return found


def _rule(provision: Mapping[str, Any]) -> ConsentRule:
    actors = {
        a["reference"]["reference"]
        for a in provision.get("actor", [])
        if isinstance(a.get("reference"), Mapping) and "reference" in a["reference"]
    }
    purposes = {p["code"] for p in provision.get("purpose", []) if "code" in p}
    labels = {
        SECURITY_LABELS[(c.get("system", ""), c.get("code", ""))]
        for c in provision.get("securityLabel", [])
        if (c.get("system", ""), c.get("code", "")) in SECURITY_LABELS
    }
    return ConsentRule(
        provision["type"] == "permit", frozenset(actors), frozenset(purposes), frozenset(labels)
    )


def evaluate(
    rules: Iterable[ConsentRule], ctx: AccessContext, sensitive: frozenset[Sensitivity]
) -> ConsentVerdict:
    applicable = [r for r in rules if r.applies(ctx)]
    for rank in ([r for r in applicable if r.actors], [r for r in applicable if not r.actors]):
        verdict = _rank_verdict(rank, sensitive)
        if verdict != ConsentVerdict.NONE:
            return verdict
    return ConsentVerdict.NONE


def _rank_verdict(rules: list[ConsentRule], sensitive: frozenset[Sensitivity]) -> ConsentVerdict:
    if not sensitive:
        general = [r for r in rules if not r.labels]
        if any(not r.permit for r in general):
            return ConsentVerdict.DENY
        return ConsentVerdict.PERMIT if general else ConsentVerdict.NONE
    verdicts = set()
    for category in sensitive:
        if any(not r.permit and (not r.labels or category in r.labels) for r in rules):
            return ConsentVerdict.DENY
        permitted = any(r.permit and category in r.labels for r in rules)
        verdicts.add(ConsentVerdict.PERMIT if permitted else ConsentVerdict.NONE)
    return ConsentVerdict.PERMIT if verdicts == {ConsentVerdict.PERMIT} else ConsentVerdict.NONE


class FhirConsents:
    """Implements the `Consents` port: active Consents of the patient, shared briefly."""

    def __init__(
        self,
        lookups: PlatformSearch,
        answers: RecentAnswers[tuple[ConsentRule, ...]],
        trust: ConsentTrust,
    ) -> None:
        self.lookups = lookups
        self.answers = answers
        self.trust = trust

    def verdict(
        self, patient_id: str, ctx: AccessContext, sensitive: frozenset[Sensitivity]
    ) -> ConsentVerdict:
        return evaluate(self.rules(patient_id), ctx, sensitive)

    def rules(self, patient_id: str) -> tuple[ConsentRule, ...]:
        found = self.answers.peek(("consent", patient_id))
        if found is None:
            found = self.prefetch([patient_id])[patient_id]
        return found

    def prefetch(self, patients: Iterable[str]) -> dict[str, tuple[ConsentRule, ...]]:
        """Load the rules of many patients with few searches."""
        known: dict[str, tuple[ConsentRule, ...]] = {}
        missing = []
        for patient in sorted(set(patients)):
            found = self.answers.peek(("consent", patient))
            if found is None:
                missing.append(patient)
            else:
                known[patient] = found
        for start in range(0, len(missing), BATCH):
            batch = missing[start : start + BATCH]
            loaded: dict[str, list[ConsentRule]] = {p: [] for p in batch}
            for consent, writer in self._written(self._consents(batch)):
                patient = str(consent.get("patient", {}).get("reference", ""))
                rules = loaded.get(patient.removeprefix("Patient/"))
                if rules is not None:
                    permits, denies = self.trust.counts(writer, consent)
                    rules.extend(r for r in rules_of(consent) if (permits if r.permit else denies))
            for patient, rules in loaded.items():
                known[patient] = tuple(rules)
                self.answers.put(("consent", patient), known[patient])
        return known

    def _written(
        self, consents: Iterable[Mapping[str, Any]]
    ) -> Iterable[tuple[Mapping[str, Any], VersionWriter | None]]:
        """Each Consent with the writer the store recorded for its current version."""
        found = list(consents)
        ids = [str(c.get("id", "")) for c in found]
        with self.lookups.db.read() as conn:
            writers = self.lookups.repository.writers(conn, "Consent", ids)
        for consent in found:
            yield consent, writers.get(str(consent.get("id", "")))

    def _consents(self, patients: list[str]) -> Iterable[Mapping[str, Any]]:
        refs = ",".join(f"Patient/{p}" for p in patients)
        offset = 0
        while True:
            params = [("patient", refs), ("status", "active"), ("_count", "1000"),
                      ("_offset", str(offset)), ("_total", "none")]  # fmt: skip
            result = self.lookups.search("Consent", params)
            for entry in result.entries:
                yield parse_fhir_json(entry.content)
            if not result.has_more:
                return
            offset += len(result.entries)
