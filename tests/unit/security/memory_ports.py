"""In-memory implementations of the decision's ports, for unit tests of the decision logic."""

from __future__ import annotations

from dataclasses import dataclass, field

from kangtong.fhir.access import AccessContext
from kangtong.security.ports import BreakGlassGrant, ConsentVerdict
from kangtong.security.sensitivity import Sensitivity


@dataclass
class MemoryCare:
    treating: set[tuple[str, str]] = field(default_factory=set)  # (principal, patient)
    acting_for: set[tuple[str, str]] = field(default_factory=set)

    def treats(self, ctx: AccessContext, patient_id: str) -> bool:
        return (ctx.principal, patient_id) in self.treating

    def acts_for(self, ctx: AccessContext, patient_id: str) -> bool:
        return (
            ctx.principal == f"Patient/{patient_id}"
            or (ctx.principal, patient_id) in self.acting_for
        )


@dataclass
class MemoryConsents:
    verdicts: dict[str, ConsentVerdict] = field(default_factory=dict)

    def verdict(
        self, patient_id: str, ctx: AccessContext, sensitive: frozenset[Sensitivity]
    ) -> ConsentVerdict:
        return self.verdicts.get(patient_id, ConsentVerdict.NONE)


@dataclass
class MemoryGrants:
    grants: dict[tuple[str, str], BreakGlassGrant] = field(default_factory=dict)

    def active(self, ctx: AccessContext, patient_id: str) -> BreakGlassGrant | None:
        return self.grants.get((ctx.principal, patient_id))
