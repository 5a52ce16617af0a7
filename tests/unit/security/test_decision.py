"""The access decision: scope ∩ role ∩ grade ∩ organisation ∩ care relationship ∩ consent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kangtong.fhir.access import AccessContext
from kangtong.security.decision import AccessDecider, SearchRestriction
from kangtong.security.facts import ResourceFacts, facts_of
from kangtong.security.ports import BreakGlassGrant, ConsentVerdict
from kangtong.security.sensitivity import KANGTONG_SENSITIVITY, Sensitivity, SensitivityClassifier
from kangtong.terminology.sensitive_rules import SensitiveCodeRules, shipped_sensitive_value_sets
from tests.unit.security.memory_ports import MemoryCare, MemoryConsents, MemoryGrants

# The shipped meanings, without a database: ICD-10 B20.0 is HIV.
CLASSIFY = SensitivityClassifier(SensitiveCodeRules(shipped_sensitive_value_sets(), lambda _: None))

HOSPITAL, CLINIC = "org-hosp", "org-chc"
DR_LIU = "Practitioner/liu"


def clinician(**changes: Any) -> AccessContext:
    values: dict[str, Any] = {
        "principal": DR_LIU,
        "organization": HOSPITAL,
        "district": "520102",
        "roles": frozenset({"clinician"}),
        "scopes": frozenset({"user/*.cruds"}),
    }
    values.update(changes)
    return AccessContext(**values)


def observation(owner: str = HOSPITAL, patient: str = "p1", **extra: Any) -> ResourceFacts:
    resource = {
        "resourceType": "Observation",
        "id": "o1",
        "subject": {"reference": f"Patient/{patient}"},
        **extra,
    }
    return facts_of("Observation", resource, owner_org=owner, district="520102", classify=CLASSIFY)


def hiv_condition(owner: str = CLINIC) -> ResourceFacts:
    resource = {
        "resourceType": "Condition",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "B20.0"}]},
    }
    return facts_of("Condition", resource, owner_org=owner, district="520102", classify=CLASSIFY)


@pytest.fixture
def care() -> MemoryCare:
    return MemoryCare()


@pytest.fixture
def consents() -> MemoryConsents:
    return MemoryConsents()


@pytest.fixture
def grants() -> MemoryGrants:
    return MemoryGrants()


@pytest.fixture
def decider(care: MemoryCare, consents: MemoryConsents, grants: MemoryGrants) -> AccessDecider:
    return AccessDecider(care, consents, grants)


def test_a_clinician_reads_records_of_their_own_institution(decider: AccessDecider) -> None:
    assert decider.decide(clinician(), "read", "Observation", observation()).allowed


def test_another_institutions_record_needs_a_care_relationship(
    decider: AccessDecider, care: MemoryCare
) -> None:
    refused = decider.decide(clinician(), "read", "Observation", observation(owner=CLINIC))
    assert not refused.allowed and "care relationship" in refused.reason
    care.treating.add((DR_LIU, "p1"))
    assert decider.decide(clinician(), "read", "Observation", observation(owner=CLINIC)).allowed


def test_another_institutions_record_is_never_changed(
    decider: AccessDecider, care: MemoryCare
) -> None:
    care.treating.add((DR_LIU, "p1"))
    assert not decider.decide(
        clinician(), "update", "Observation", observation(owner=CLINIC)
    ).allowed


def test_a_residents_refusal_blocks_cross_institution_sharing(
    decider: AccessDecider, care: MemoryCare, consents: MemoryConsents
) -> None:
    care.treating.add((DR_LIU, "p1"))
    consents.verdicts["p1"] = ConsentVerdict.DENY
    refused = decider.decide(clinician(), "read", "Observation", observation(owner=CLINIC))
    assert not refused.allowed and "refused" in refused.reason
    assert decider.decide(
        clinician(), "read", "Observation", observation()
    ).allowed  # own institution


def test_sensitive_data_from_elsewhere_needs_explicit_consent(
    decider: AccessDecider, care: MemoryCare, consents: MemoryConsents
) -> None:
    care.treating.add((DR_LIU, "p1"))
    assert hiv_condition().sensitive == {Sensitivity.HIV}
    assert not decider.decide(clinician(), "read", "Condition", hiv_condition()).allowed
    consents.verdicts["p1"] = ConsentVerdict.PERMIT
    assert decider.decide(clinician(), "read", "Condition", hiv_condition()).allowed


def test_a_nurse_is_not_cleared_for_hiv_or_mental_health_data(decider: AccessDecider) -> None:
    nurse = clinician(principal="Practitioner/wang", roles=frozenset({"nurse"}))
    labelled = observation(
        meta={"security": [{"system": KANGTONG_SENSITIVITY, "code": "mental-health"}]}
    )
    assert decider.decide(nurse, "read", "Observation", observation()).allowed
    assert not decider.decide(nurse, "read", "Observation", labelled).allowed
    assert not decider.decide(nurse, "read", "Condition", hiv_condition(owner=HOSPITAL)).allowed


def test_break_glass_opens_a_record_only_with_a_live_grant_and_is_flagged(
    decider: AccessDecider, grants: MemoryGrants
) -> None:
    ctx = clinician(break_glass_reason="unconscious patient in the emergency room")
    assert not decider.decide(ctx, "read", "Observation", observation(owner=CLINIC)).allowed
    now = datetime(2026, 11, 24, tzinfo=UTC)
    grants.grants[(DR_LIU, "p1")] = BreakGlassGrant(
        "g1", DR_LIU, "p1", "unconscious", now, now + timedelta(hours=1)
    )
    opened = decider.decide(ctx, "read", "Observation", observation(owner=CLINIC))
    assert opened.allowed and opened.flags == {"break-glass"}
    assert not decider.decide(clinician(), "read", "Observation", observation(owner=CLINIC)).allowed


def test_pharmacists_may_not_break_the_glass(decider: AccessDecider, grants: MemoryGrants) -> None:
    now = datetime(2026, 11, 24, tzinfo=UTC)
    ctx = clinician(
        principal="Practitioner/he",
        roles=frozenset({"pharmacist"}),
        break_glass_reason="urgent dispensing",
    )
    grants.grants[("Practitioner/he", "p1")] = BreakGlassGrant(
        "g", "Practitioner/he", "p1", "x", now, now
    )
    assert not decider.decide(ctx, "read", "Observation", observation(owner=CLINIC)).allowed


def test_scopes_bound_what_roles_allow(decider: AccessDecider) -> None:
    read_only = clinician(scopes=frozenset({"user/Observation.rs"}))
    assert decider.decide(read_only, "read", "Observation", observation()).allowed
    assert not decider.decide(read_only, "update", "Observation", observation()).allowed
    assert not decider.decide(read_only, "read", "Condition", hiv_condition(owner=HOSPITAL)).allowed
    assert not decider.decide(
        clinician(scopes=frozenset()), "read", "Observation", observation()
    ).allowed


def test_granular_scopes_filter_by_category(decider: AccessDecider) -> None:
    lab_only = clinician(scopes=frozenset({"user/Observation.rs?category=laboratory"}))
    lab = observation(category=[{"coding": [{"code": "laboratory"}]}])
    assert decider.decide(lab_only, "read", "Observation", lab).allowed
    assert not decider.decide(lab_only, "read", "Observation", observation()).allowed
    search = decider.decide(lab_only, "search", "Observation", None)
    assert search.allowed
    assert (
        SearchRestriction("scope", "user/Observation.rs?category=laboratory") in search.restrictions
    )


def test_roles_bound_what_scopes_allow(decider: AccessDecider) -> None:
    admin = clinician(principal="account/a1", roles=frozenset({"platform-admin"}))
    assert decider.decide(admin, "update", "Organization", None).allowed
    assert not decider.decide(admin, "read", "Observation", observation()).allowed


def test_managers_see_aggregates_only(decider: AccessDecider) -> None:
    manager = clinician(principal="account/m1", roles=frozenset({"manager"}))
    assert decider.decide(manager, "aggregate", "Observation", None).allowed
    assert not decider.decide(manager, "read", "Observation", observation()).allowed
    assert not decider.decide(manager, "search", "Observation", None).allowed


def test_residents_see_their_own_and_dependants_records_only(
    decider: AccessDecider, care: MemoryCare
) -> None:
    resident = AccessContext(
        "Patient/p1", roles=frozenset({"resident"}), scopes=frozenset({"patient/*.rs"})
    )
    assert decider.decide(resident, "read", "Observation", observation(owner=CLINIC)).allowed
    assert decider.decide(resident, "read", "Condition", hiv_condition()).allowed
    assert not decider.decide(resident, "read", "Observation", observation(patient="p2")).allowed
    care.acting_for.add(("Patient/p1", "p2"))  # a child's guardian
    assert decider.decide(resident, "read", "Observation", observation(patient="p2")).allowed
    assert not decider.decide(resident, "update", "Observation", observation()).allowed  # .rs scope


def test_public_health_officers_reach_their_district(decider: AccessDecider) -> None:
    officer = clinician(
        principal="account/ph", roles=frozenset({"public-health-officer"}), organization="org-cdc"
    )
    assert decider.decide(officer, "read", "Condition", hiv_condition()).allowed
    assert decider.decide(officer, "export", "Condition", hiv_condition()).allowed
    elsewhere = clinician(
        principal="account/ph", roles=frozenset({"public-health-officer"}), district="520103"
    )
    assert not decider.decide(elsewhere, "read", "Condition", hiv_condition()).allowed


def test_grade_four_data_is_exported_only_for_statutory_reporting(decider: AccessDecider) -> None:
    assert not decider.decide(
        clinician(), "export", "Condition", hiv_condition(owner=HOSPITAL)
    ).allowed
    assert decider.decide(clinician(), "export", "Observation", observation()).allowed


def test_nobody_publishes_individual_health_data(decider: AccessDecider) -> None:
    admin = clinician(
        principal="account/a1", roles=frozenset({"platform-admin"}), scopes=frozenset({"user/*.rs"})
    )
    assert decider.decide(admin, "publish", "Organization", None).allowed
    assert not decider.decide(clinician(), "publish", "Observation", observation()).allowed


def test_auditors_read_the_audit_trail_and_nothing_else(decider: AccessDecider) -> None:
    auditor = clinician(
        principal="account/au", roles=frozenset({"auditor"}), scopes=frozenset({"user/*.rs"})
    )
    assert decider.decide(auditor, "search", "AuditEvent", None).allowed
    assert not decider.decide(auditor, "read", "Observation", observation()).allowed


def test_searches_are_narrowed_to_the_callers_reach(decider: AccessDecider) -> None:
    search = decider.decide(clinician(), "search", "Observation", None)
    assert search.allowed
    assert search.restrictions == (SearchRestriction("organization", HOSPITAL, or_care=True),)


def test_the_platform_itself_is_allowed(decider: AccessDecider) -> None:
    assert decider.decide(AccessContext.system(), "delete", "Patient", None).allowed


def test_unknown_roles_grant_nothing(decider: AccessDecider) -> None:
    assert not decider.decide(
        clinician(roles=frozenset({"superuser"})), "read", "Observation", observation()
    ).allowed
