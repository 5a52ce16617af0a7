"""Facts an access decision asks of the rest of the platform, as ports.

Phase 2 backs them with FHIR searches (Encounter, EpisodeOfCare, CareTeam, family-doctor
contracts, RelatedPerson, Consent); the decision logic only sees these answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from kangtong.fhir.access import AccessContext
from kangtong.security.sensitivity import Sensitivity


class ConsentVerdict(StrEnum):
    PERMIT = "permit"  # the resident explicitly allowed this sharing
    DENY = "deny"  # the resident refused it
    NONE = "none"  # no Consent applies


class CareRelationships(Protocol):
    def treats(self, ctx: AccessContext, patient_id: str) -> bool:
        """The caller (or its organisation) is caring for the patient now (诊疗关系)."""
        ...

    def acts_for(self, ctx: AccessContext, patient_id: str) -> bool:
        """The caller is the patient, or the patient's guardian/dependant holder (本人或监护人)."""
        ...


class Consents(Protocol):
    def verdict(
        self, patient_id: str, ctx: AccessContext, sensitive: frozenset[Sensitivity]
    ) -> ConsentVerdict: ...


@dataclass(frozen=True)
class BreakGlassGrant:
    """An emergency access grant: who, for which patient, why, until when (always audited)."""

    id: str
    principal: str
    patient: str
    reason: str
    granted: datetime
    expires: datetime


class BreakGlassGrants(Protocol):
    def active(self, ctx: AccessContext, patient_id: str) -> BreakGlassGrant | None: ...
