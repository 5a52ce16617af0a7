"""`SecurityPolicy` (the AccessPolicy port) over the real store: owners as the store recorded them,
break-glass grants kept in the database."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from kangtong.core.config import Settings
from kangtong.core.errors import Forbidden, Invalid
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.security.decision import AccessDecider
from kangtong.security.policy import SecurityPolicy, StoredOwnership
from kangtong.security.ports import ConsentVerdict
from kangtong.security.sensitivity import Sensitivity


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        base_url="http://kangtong.test/fhir",
        security_key_dir=str(tmp_path / "keys"),
    )


class NoCare:
    def treats(self, ctx: AccessContext, patient_id: str) -> bool:
        return False

    def acts_for(self, ctx: AccessContext, patient_id: str) -> bool:
        return False


class NoConsent:
    def verdict(
        self, patient_id: str, ctx: AccessContext, sensitive: frozenset[Sensitivity]
    ) -> ConsentVerdict:
        return ConsentVerdict.NONE


def _doctor(org: str, reason: str | None = None) -> AccessContext:
    return AccessContext(
        f"Practitioner/{org}-dr",
        org,
        "520102",
        frozenset({"clinician"}),
        frozenset({"user/*.cruds"}),
        break_glass_reason=reason,
    )


def _observation(platform: Platform) -> dict[str, object]:
    writer = AccessContext("system/his", "org-hosp", "520102", frozenset({"system"}))
    created = platform.service.create(
        writer,
        {
            "resourceType": "Observation",
            "status": "final",
            "code": {"text": "体温"},
            "subject": {"reference": "Patient/p1"},
        },
    )
    return dict(orjson.loads(created.resource.content or b"{}"))


def test_the_stored_owner_decides_the_boundary(platform: Platform) -> None:
    policy = SecurityPolicy(
        AccessDecider(NoCare(), NoConsent(), platform.security.break_glass),
        StoredOwnership(platform.db, platform.service.repository),
        classify=platform.classify,
        care_events=None,
    )
    observation = _observation(platform)
    policy.authorize(_doctor("org-hosp"), "read", "Observation", observation)
    with pytest.raises(Forbidden):
        policy.authorize(_doctor("org-chc"), "read", "Observation", observation)
    with pytest.raises(Forbidden):  # claiming the resource by writing it is no way in
        policy.authorize(_doctor("org-chc"), "update", "Observation", observation)
    policy.authorize(_doctor("org-chc"), "create", "Observation", {**observation, "id": None})


def test_a_stored_break_glass_grant_opens_the_record_for_its_holder_only(
    platform: Platform,
) -> None:
    policy = SecurityPolicy(
        AccessDecider(NoCare(), NoConsent(), platform.security.break_glass),
        StoredOwnership(platform.db, platform.service.repository),
        classify=platform.classify,
        care_events=None,
    )
    observation = _observation(platform)
    emergency = _doctor("org-chc", "昏迷患者急诊抢救，需查看既往史")
    with pytest.raises(Invalid):
        platform.security.break_glass.open(emergency, "p1", "急", 30)
    platform.security.break_glass.open(emergency, "p1", "昏迷患者急诊抢救，需查看既往史", 30)
    decision = policy.decision(emergency, "read", "Observation", observation)
    assert decision.allowed and decision.flags == {"break-glass"}
    with pytest.raises(Forbidden):
        policy.authorize(_doctor("org-chc"), "read", "Observation", observation)  # no reason stated


def test_roles_that_may_not_break_the_glass_cannot_open_a_grant(platform: Platform) -> None:
    pharmacist = AccessContext("Practitioner/he", "org-chc", roles=frozenset({"pharmacist"}))
    with pytest.raises(Forbidden):
        platform.security.break_glass.open(pharmacist, "p1", "urgent dispensing needed", 30)
