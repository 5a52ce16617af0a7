"""Care relationships (诊疗关系) and guardianship, answered by FHIR searches.

A caller treats a patient while one of these is active for the caller's organisation or for
the caller (a Practitioner), written by a trusted writer (`care_trust`: never the reader):
- an Encounter (arrived, triaged, in-progress, on leave) — `service-provider` or `participant`;
- an EpisodeOfCare (active) — `organization` or `care-manager`; family-doctor contracts
  (家庭医生签约) are EpisodeOfCare of the 家庭医生签约服务 programme, so they count here;
- a CareTeam (active) with the organisation or the caller as `participant`;
- a referral or consultation addressed to them: a ServiceRequest (active, `performer`) or a
  Task (open, `owner`) from an institution that itself registered the patient.

A resident acts for their own Patient record and for dependants: a RelatedPerson (active)
whose `patient` is the dependant and whose identifier in `GUARDIAN_SYSTEM` names the
guardian's own Patient id (监护关系), recorded by the platform or by the system of an institution
that holds the dependant's Patient record (`holds_record`).

Lookups are the platform's own searches (`fhir.lookup.PlatformSearch`: the policy is not asked
again) and are not audited; answers are shared for a few seconds (`RecentAnswers`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial

from kangtong.core.canonical import canonical, with_legacy
from kangtong.core.jsonutil import parse_fhir_json
from kangtong.fhir.access import AccessContext
from kangtong.fhir.lookup import PlatformSearch
from kangtong.security.answers import RecentAnswers
from kangtong.security.care_trust import (
    referral_sender,
    trusted_guardianship,
    trusted_registration,
)
from kangtong.security.facts import patient_ids
from kangtong.store.records import VersionWriter

GUARDIAN_SYSTEM = canonical("NamingSystem/guardian-of")
# Guardians named under the URL kangtong wrote before ADR 0020 still count.
GUARDIAN_SYSTEMS = with_legacy("NamingSystem/guardian-of")
ACTIVE_ENCOUNTER = "arrived,triaged,in-progress,onleave"
ACTIVE_TASK = "requested,received,accepted,ready,in-progress"
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
            lambda: frozenset({own} | self._guarded("RelatedPerson", guardian)),
        )

    def registered_at(self, institution: str, patient_id: str, *, current: bool = True) -> bool:
        """The institution's own system (or the platform) registered the patient there.

        `current=False` counts finished registrations too: whether the patient was ever seen.
        """
        key = ("registered", institution, patient_id, current)
        return bool(
            self.answers.get(
                key, lambda: frozenset(self._registrations(institution, patient_id, current))
            )
        )

    # -- lookups -----------------------------------------------------------------------
    def _care_patients(self, ctx: AccessContext, narrow: list[tuple[str, str]]) -> set[str]:
        org = f"Organization/{ctx.organization}" if ctx.organization else None
        person = ctx.principal if ctx.principal.startswith(PRACTITIONER_PREFIXES) else None
        found: set[str] = set()
        for carer, encounter_param, episode_param in (
            (org, "service-provider", "organization"),
            (person, "participant", "care-manager"),
        ):
            if carer is None:
                continue
            for res_type, params in _registration_queries(carer, encounter_param, episode_param):
                found |= self._registered(res_type, params + narrow, ctx.organization)
                if narrow and found:
                    return found  # one relationship answers a yes/no question
            for res_type, params in (
                ("ServiceRequest", [("performer", carer), ("status", "active")]),
                ("Task", [("owner", carer), ("status", ACTIVE_TASK)]),
            ):
                found |= self._referred(res_type, params + narrow, ctx.organization)
                if narrow and found:
                    return found
        return found

    def _registrations(self, institution: str, patient_id: str, current: bool) -> set[str]:
        narrow = [("patient", f"Patient/{patient_id}")]
        found: set[str] = set()
        carer = f"Organization/{institution}"
        for res_type, params in _registration_queries(carer, "service-provider", "organization"):
            if not current:
                params = [p for p in params if p[0] != "status"]
            found |= self._registered(res_type, params + narrow, institution)
            if found:
                break
        return found

    def _registered(
        self, res_type: str, params: Sequence[tuple[str, str]], institution: str | None
    ) -> set[str]:
        found: set[str] = set()
        for resource, writer in self._written(res_type, params):
            if trusted_registration(writer, institution):
                found |= patient_ids(res_type, resource)
        return found

    def _referred(
        self, res_type: str, params: Sequence[tuple[str, str]], addressee: str | None
    ) -> set[str]:
        found: set[str] = set()
        for resource, writer in self._written(res_type, params):
            sender = referral_sender(writer, addressee)
            if sender is None:
                continue
            for patient in patient_ids(res_type, resource):
                if sender == "" or self.registered_at(sender, patient):
                    found.add(patient)
        return found

    def _guarded(self, res_type: str, params: Sequence[tuple[str, str]]) -> set[str]:
        """Dependants named by guardianships an institution system or the platform recorded."""
        found: set[str] = set()
        for resource, writer in self._written(res_type, params):
            dependants = patient_ids(res_type, resource)
            if trusted_guardianship(writer, partial(self._holds_all, patients=dependants)):
                found |= dependants
        return found

    def _holds_all(self, institution: str, patients: frozenset[str]) -> bool:
        return bool(patients) and all(self.holds_record(institution, p) for p in patients)

    def holds_record(self, institution: str, patient_id: str) -> bool:
        """The institution holds the patient's own Patient record (its system created it).

        What a guardianship needs (issue 13 second review): an institution system could
        register any patient at a moment's notice and then name a guardian of its choosing.
        """
        with self.lookups.db.read() as conn:
            state = self.lookups.repository.current(conn, "Patient", patient_id)
        return state is not None and state.owner_org == institution

    def seen_at(self, institution: str, patient_id: str) -> bool:
        """The institution holds the patient's record or registered the patient once."""
        if self.holds_record(institution, patient_id):
            return True
        return self.registered_at(institution, patient_id, current=False)

    def _patients_of(self, res_type: str, params: Sequence[tuple[str, str]]) -> set[str]:
        found: set[str] = set()
        for resource in self._all(res_type, params):
            found |= patient_ids(res_type, resource)
        return found

    def _written(
        self, res_type: str, params: Sequence[tuple[str, str]]
    ) -> Iterable[tuple[dict[str, object], VersionWriter | None]]:
        """Each matching resource with the writer the store recorded for it."""
        for page in self._pages(res_type, params):
            ids = [str(r.get("id", "")) for r in page]
            with self.lookups.db.read() as conn:
                writers = self.lookups.repository.writers(conn, res_type, ids)
            for resource in page:
                yield resource, writers.get(str(resource.get("id", "")))

    def _all(self, res_type: str, params: Sequence[tuple[str, str]]) -> Iterable[dict[str, object]]:
        for page in self._pages(res_type, params):
            yield from page

    def _pages(
        self, res_type: str, params: Sequence[tuple[str, str]]
    ) -> Iterable[list[dict[str, object]]]:
        offset = 0
        while True:
            paging = [("_count", str(self.page_size)), ("_offset", str(offset)), ("_total", "none")]
            result = self.lookups.search(res_type, [*params, *paging])
            yield [parse_fhir_json(entry.content) for entry in result.entries]
            if not result.has_more:
                return
            offset += len(result.entries)


def _registration_queries(
    carer: str, encounter_param: str, episode_param: str
) -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        ("Encounter", [(encounter_param, carer), ("status", ACTIVE_ENCOUNTER)]),
        ("EpisodeOfCare", [(episode_param, carer), ("status", "active")]),
        ("CareTeam", [("participant", carer), ("status", "active")]),
    ]


def own_patient(ctx: AccessContext) -> str | None:
    """The caller's own Patient id (SMART patient context, or a Patient fhirUser)."""
    if ctx.patient:
        return ctx.patient
    if ctx.principal.startswith("Patient/"):
        return ctx.principal.removeprefix("Patient/")
    return None
