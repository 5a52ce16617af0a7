"""The registries over the resource service: institutions, practitioners, roles, privileges."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import orjson
import pytest
from sqlalchemy import select

from kangtong.core.errors import Conflict, Invalid, Unprocessable
from kangtong.core.ids.gb11643 import make_citizen_id
from kangtong.core.ids.gb32100 import make_credit_code
from kangtong.fhir.access import AccessContext
from kangtong.platform import Platform
from kangtong.registry import systems
from kangtong.registry.grants import Grant
from kangtong.registry.institutions import Institution
from kangtong.registry.practitioners import HealthWorker, Licence, Role
from kangtong.registry.units import Department, Site
from kangtong.store.tables import outbox

CTX = AccessContext.system("test")
D = dt.date


def uscc(n: int) -> str:
    return make_credit_code("12", "520102", f"{n:08d}")


def hospital(platform: Platform, n: int = 1, name: str = "云岩区人民医院") -> Institution:
    return platform.registries.organizations.register(
        CTX,
        Institution(
            name,
            uscc(n),
            "general-hospital",
            "2A",
            address="中华北路12号",
            district="云岩区",
            district_code="520103",
            phone="0851-85550000",
            contact="院办",
        ),
    )


def doctor(platform: Platform, n: int = 1, name: str = "张明") -> HealthWorker:
    citizen_id = make_citizen_id("520102", D(1980, 1, n), 121 + 2 * n)
    worker = HealthWorker(name, citizen_id, (Licence("doctor", f"11052010000{n:04d}"),))
    return platform.registries.practitioners.register(CTX, worker)


def events(platform: Platform) -> list[tuple[str, str]]:
    with platform.db.read() as conn:
        rows = conn.execute(select(outbox.c.topic, outbox.c.res_id).order_by(outbox.c.seq))
        return [(r.topic, r.res_id) for r in rows]


def test_an_institution_round_trips_through_fhir(platform: Platform) -> None:
    stored = hospital(platform)
    shown = platform.registries.organizations.show(CTX, str(stored.id))
    assert shown == stored
    assert (shown.uscc, shown.institution_type, shown.level) == (uscc(1), "general-hospital", "2A")
    assert (shown.district, shown.district_code, shown.contact) == ("云岩区", "520103", "院办")


def test_unknown_type_or_level_is_refused_before_writing(platform: Platform) -> None:
    registry = platform.registries.organizations
    with pytest.raises(Invalid, match="institution type"):
        registry.register(CTX, Institution("某机构", uscc(1), "hospital"))
    with pytest.raises(Invalid, match="hospital level"):
        registry.register(CTX, Institution("某机构", uscc(1), level="4A"))
    assert events(platform) == []


def test_deactivating_keeps_the_history_and_announces_each_change(platform: Platform) -> None:
    stored = hospital(platform)
    org_id = str(stored.id)
    platform.registries.organizations.update(CTX, replace(stored, name="云岩区第一人民医院"))
    platform.registries.organizations.deactivate(CTX, org_id)
    history = platform.service.history(
        CTX, "Organization", org_id, since_us=None, count=10, offset=0
    )
    assert [v.version for v in history.versions] == [3, 2, 1]
    assert platform.registries.organizations.show(CTX, org_id).active is False
    assert events(platform) == [
        ("Organization.created", org_id),
        ("Organization.updated", org_id),
        ("Organization.updated", org_id),
    ]
    found = platform.registries.organizations.search(CTX, uscc=uscc(1))
    assert found == []
    found = platform.registries.organizations.search(CTX, uscc=uscc(1), include_inactive=True)
    assert [i.id for i in found] == [org_id]


def test_a_deactivated_institution_keeps_its_uscc(platform: Platform) -> None:
    stored = hospital(platform)
    platform.registries.organizations.deactivate(CTX, str(stored.id))
    with pytest.raises(Conflict, match=f"already registered to Organization/{stored.id}"):
        hospital(platform, name="新名字")


def test_update_keeps_elements_the_registry_does_not_manage(platform: Platform) -> None:
    stored = hospital(platform)
    resource = platform.service.read(CTX, "Organization", str(stored.id))
    body = orjson.loads(resource.content or b"{}")
    body["identifier"].append({"system": "urn:oid:2.16.156.10011.1.5", "value": "X1"})
    platform.service.update(CTX, "Organization", str(stored.id), body)
    platform.registries.organizations.update(CTX, replace(stored, phone="0851-1"))
    after = orjson.loads(platform.service.read(CTX, "Organization", str(stored.id)).content or b"")
    assert {i["system"] for i in after["identifier"]} == {
        "urn:oid:2.16.156.10011.1.2",
        "urn:oid:2.16.156.10011.1.5",
    }


def test_institutions_are_found_by_name_in_hanzi_and_pinyin(platform: Platform) -> None:
    stored = hospital(platform)
    platform.registries.units.add_department(CTX, Department(str(stored.id), "人民医院内科"))
    registry = platform.registries.organizations
    assert [i.id for i in registry.search(CTX, name="云岩区人民医院")] == [stored.id]
    assert [i.id for i in registry.search(CTX, name="yunyanqu")] == [
        stored.id
    ]  # departments excluded


def test_departments_and_locations_belong_to_their_institution(platform: Platform) -> None:
    org_id = str(hospital(platform).id)
    units = platform.registries.units
    units.add_department(CTX, Department(org_id, "心血管内科"))
    units.add_department(CTX, Department(org_id, "儿科"))
    units.add_site(CTX, Site(org_id, "住院部三病区", "wa"))
    assert sorted(d.name for d in units.departments(CTX, org_id)) == ["儿科", "心血管内科"]
    assert [s.name for s in units.sites(CTX, org_id)] == ["住院部三病区"]
    platform.registries.organizations.deactivate(CTX, org_id)
    with pytest.raises(Invalid, match="deactivated"):
        units.add_department(CTX, Department(org_id, "外科"))


def test_a_practitioner_works_at_two_institutions(platform: Platform) -> None:
    first, second = str(hospital(platform, 1).id), str(hospital(platform, 2, "南明区医院").id)
    worker = doctor(platform)
    registry = platform.registries.practitioners
    registry.add_role(CTX, Role(str(worker.id), first, "doctor", specialty="内科专业"))
    registry.add_role(CTX, Role(str(worker.id), second, "doctor", start=D(2025, 1, 1)))
    roles = registry.roles(CTX, str(worker.id))
    assert sorted(r.organization_id for r in roles) == sorted([first, second])
    assert [w.id for w in registry.search(CTX, licence="110520100000001")] == [worker.id]


def test_a_practitioner_registration_derives_sex_and_birth_date(platform: Platform) -> None:
    worker = doctor(platform, 3, "欧阳娜娜")
    stored = platform.service.read(CTX, "Practitioner", str(worker.id))
    body = orjson.loads(stored.content or b"")
    assert body["birthDate"] == "1980-01-03"
    assert body["gender"] == "male"  # sequence 127 is odd
    assert body["name"][0]["family"] == "欧阳"


def test_a_role_at_a_deactivated_institution_is_refused(platform: Platform) -> None:
    org_id = str(hospital(platform).id)
    platform.registries.organizations.deactivate(CTX, org_id)
    with pytest.raises(Invalid, match="deactivated"):
        platform.registries.practitioners.add_role(CTX, Role(str(doctor(platform).id), org_id))


@pytest.fixture
def posted(platform: Platform) -> tuple[str, str]:
    org_id = str(hospital(platform).id)
    worker_id = str(doctor(platform).id)
    platform.registries.practitioners.add_role(CTX, Role(worker_id, org_id, start=D(2020, 1, 1)))
    return worker_id, org_id


def test_privileges_hold_only_within_their_dates(
    platform: Platform, posted: tuple[str, str]
) -> None:
    worker_id, org_id = posted
    privileges = platform.registries.privileges
    privileges.grant(CTX, Grant(worker_id, org_id, "prescribe", D(2024, 1, 1), D(2024, 12, 31)))
    privileges.grant(CTX, Grant(worker_id, org_id, "surgery", D(2024, 1, 1), level="2"))
    privileges.grant(CTX, Grant(worker_id, org_id, "surgery", D(2024, 7, 1), level="3"))
    before = privileges.privileges_of(CTX, worker_id, org_id, D(2023, 12, 31))
    assert (before.may_prescribe, before.surgery_level) == (False, None)
    during = privileges.privileges_of(CTX, worker_id, org_id, D(2024, 12, 31))
    assert (during.may_prescribe, during.surgery_level) == (True, 3)
    assert during.may_operate(3) and not during.may_operate(4)
    after = privileges.privileges_of(CTX, worker_id, org_id, D(2025, 1, 1))
    assert (after.may_prescribe, after.surgery_level) == (False, 3)


def test_antibiotic_grades_and_document_rights(platform: Platform, posted: tuple[str, str]) -> None:
    worker_id, org_id = posted
    privileges = platform.registries.privileges
    privileges.grant(CTX, Grant(worker_id, org_id, "antibiotic", D(2024, 1, 1), level="restricted"))
    privileges.grant(
        CTX, Grant(worker_id, org_id, "document-sign", D(2024, 1, 1), document_type="C0034")
    )
    privileges.grant(CTX, Grant(worker_id, org_id, "document-view", D(2024, 1, 1)))
    now = privileges.privileges_of(CTX, worker_id, org_id, D(2024, 6, 1))
    assert now.may_use_antibiotic("non-restricted") and now.may_use_antibiotic("restricted")
    assert not now.may_use_antibiotic("special")
    assert now.may("sign", "C0034") and not now.may("sign", "C0049")
    assert now.may("view", "C0049") and not now.may("edit", "C0034")


def test_revoking_ends_a_grant_and_keeps_its_history(
    platform: Platform, posted: tuple[str, str]
) -> None:
    worker_id, org_id = posted
    privileges = platform.registries.privileges
    grant = privileges.grant(CTX, Grant(worker_id, org_id, "prescribe", D(2024, 1, 1)))
    ended = privileges.revoke(CTX, str(grant.id), D(2024, 3, 1))
    assert ended is not None and ended.end == D(2024, 2, 29)
    assert privileges.privileges_of(CTX, worker_id, org_id, D(2024, 2, 29)).may_prescribe
    assert not privileges.privileges_of(CTX, worker_id, org_id, D(2024, 3, 1)).may_prescribe
    history = platform.service.history(
        CTX, "Basic", str(grant.id), since_us=None, count=10, offset=0
    )
    assert len(history.versions) == 2


def test_privileges_need_a_role_and_active_parties(
    platform: Platform, posted: tuple[str, str]
) -> None:
    worker_id, org_id = posted
    other_id = str(hospital(platform, 2, "别的医院").id)
    privileges = platform.registries.privileges
    with pytest.raises(Invalid, match="holds no role"):
        privileges.grant(CTX, Grant(worker_id, other_id, "prescribe", D(2024, 1, 1)))
    privileges.grant(CTX, Grant(worker_id, org_id, "prescribe", D(2024, 1, 1)))
    assert privileges.privileges_of(CTX, worker_id, org_id, D(2024, 6, 1)).may_prescribe
    assert not privileges.privileges_of(
        CTX, worker_id, org_id, D(2019, 6, 1)
    ).may_prescribe  # before the role
    platform.registries.organizations.deactivate(CTX, org_id)
    assert not privileges.privileges_of(CTX, worker_id, org_id, D(2024, 6, 1)).may_prescribe


def test_a_malformed_grant_is_refused_on_any_path(
    platform: Platform, posted: tuple[str, str]
) -> None:
    worker_id, org_id = posted
    privileges = platform.registries.privileges
    with pytest.raises(Unprocessable, match="needs a level"):
        privileges.grant(CTX, Grant(worker_id, org_id, "surgery", D(2024, 1, 1), level="5"))
    with pytest.raises(Unprocessable, match="ends"):
        privileges.grant(CTX, Grant(worker_id, org_id, "prescribe", D(2024, 1, 1), D(2023, 1, 1)))
    with pytest.raises(Unprocessable, match="Practitioner/nobody is not registered"):
        basic = {
            "resourceType": "Basic",
            "code": {
                "coding": [
                    {
                        "system": systems.PRIVILEGE,
                        "code": "prescribe",
                    }
                ]
            },
            "subject": {"reference": "Practitioner/nobody"},
            "author": {"reference": f"Organization/{org_id}"},
            "extension": [
                {
                    "url": systems.PRIVILEGE_PERIOD_EXTENSION,
                    "valuePeriod": {"start": "2024-01-01"},
                }
            ],
        }
        platform.service.create(CTX, basic)
