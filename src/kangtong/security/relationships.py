"""Care relationships (诊疗关系) and guardianship, answered by FHIR searches.

A caller treats a patient while one of these is active for the caller's organisation or for
the caller (a Practitioner):
- an Encounter (arrived, triaged, in-progress, on leave) — `service-provider` or `participant`;
- an EpisodeOfCare (active) — `organization` or `care-manager`; family-doctor contracts
  (家庭医生签约) are EpisodeOfCare of the 家庭医生签约服务 programme, so they count here;
- a CareTeam (active) with the organisation or the caller as `participant`.

A resident acts for their own Patient record and for dependants: a RelatedPerson (active)
whose `patient` is the dependant and whose identifier in `GUARDIAN_SYSTEM` names the
guardian's own Patient id (监护关系).

Lookups are the platform's own searches (`fhir.lookup.PlatformSearch`: the policy is not asked
again) and are not audited; answers are shared for a few seconds (`RecentAnswers`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kangtong.core.canonical import canonical, with_legacy
from kangtong.core.jsonutil import parse_fhir_json
from kangtong.fhir.access import AccessContext
from kangtong.fhir.lookup import PlatformSearch
from kangtong.security.answers import RecentAnswers
from kangtong.security.facts import patient_ids

GUARDIAN_SYSTEM = canonical("NamingSystem/guardian-of")
# Guardians named under the URL kangtong wrote before ADR 0020 still count.
GUARDIAN_SYSTEMS = with_legacy("NamingSystem/guardian-of")
ACTIVE_ENCOUNTER = "arrived,triaged,in-progress,onleave"
PRACTITIONER_PREFIXES = ("Practitioner/", "PractitionerRole/")


class FhirCareRelationships:
    """Implements the `CareRelationships` port of `security/ports.py`."""

    def __init__(
        self,
        lookups: PlatformSearch,
        answers: RecentAnswers[frozenset[str]],
        page_size: int = 1000,
    ) -> None:
        self.lookups = lookups
        self.answers = answers
        self.page_size = page_size

    # -- the port ----------------------------------------------------------------------
    def treats(self, ctx: AccessContext, patient_id: str) -> bool:
        treated = self.answers.peek(("treated", ctx.organization, ctx.principal))
        if treated is not None:
            return patient_id in treated
        narrow = [("patient", f"Patient/{patient_id}")]
        key = ("treats", ctx.organization, ctx.principal, patient_id)
        return bool(self.answers.get(key, lambda: frozenset(self._care_patients(ctx, narrow))))

    def acts_for(self, ctx: AccessContext, patient_id: str) -> bool:
        return patient_id in self.represented(ctx)

    # -- sets, for search filters ------------------------------------------------------
    def treated(self, ctx: AccessContext) -> frozenset[str]:
        """Every patient the caller treats now."""
        key = ("treated", ctx.organization, ctx.principal)
        return self.answers.get(key, lambda: frozenset(self._care_patients(ctx, [])))

    def represented(self, ctx: AccessContext) -> frozenset[str]:
        """The resident's own Patient id and those of their dependants."""
        own = own_patient(ctx)
        if own is None:
            return frozenset()
        named = ",".join(f"{system}|{own}" for system in GUARDIAN_SYSTEMS)
        guardian = [("identifier", named), ("active", "true")]
        return self.answers.get(
            ("represented", own),
            lambda: frozenset({own} | self._patients_of("RelatedPerson", guardian)),
        )

    # -- lookups -----------------------------------------------------------------------
    def _care_patients(self, ctx: AccessContext, narrow: list[tuple[str, str]]) -> set[str]:
        org = f"Organization/{ctx.organization}" if ctx.organization else None
        person = ctx.principal if ctx.principal.startswith(PRACTITIONER_PREFIXES) else None
        queries: list[tuple[str, list[tuple[str, str]]]] = []
        for carer, encounter_param, episode_param in (
            (org, "service-provider", "organization"),
            (person, "participant", "care-manager"),
        ):
            if carer is None:
                continue
            queries += [
                ("Encounter", [(encounter_param, carer), ("status", ACTIVE_ENCOUNTER)]),
                ("EpisodeOfCare", [(episode_param, carer), ("status", "active")]),
                ("CareTeam", [("participant", carer), ("status", "active")]),
            ]
        found: set[str] = set()
        for res_type, params in queries:
            found |= self._patients_of(res_type, params + narrow)
            if narrow and found:
                break  # one relationship answers a yes/no question
        return found

    def _patients_of(self, res_type: str, params: Sequence[tuple[str, str]]) -> set[str]:
        found: set[str] = set()
        for resource in self._all(res_type, params):
            found |= patient_ids(res_type, resource)
        return found

    def _all(self, res_type: str, params: Sequence[tuple[str, str]]) -> Iterable[dict[str, object]]:
        offset = 0
        while True:
            paging = [("_count", str(self.page_size)), ("_offset", str(offset)), ("_total", "none")]
            result = self.lookups.search(res_type, [*params, *paging])
            for entry in result.entries:
                yield parse_fhir_json(entry.content)
            if not result.has_more:
                return
            offset += len(result.entries)


def own_patient(ctx: AccessContext) -> str | None:
    """The caller's own Patient id (SMART patient context, or a Patient fhirUser)."""
    if ctx.patient:
        return ctx.patient
    if ctx.principal.startswith("Patient/"):
        return ctx.principal.removeprefix("Patient/")
    return None
