"""The registry rules on a resource alone, and privilege grants as FHIR (no database)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from kangtong.core.ids.gb11643 import make_citizen_id
from kangtong.core.ids.gb32100 import CHARACTERS, make_credit_code
from kangtong.registry import systems
from kangtong.registry.grants import Grant, grant_of, grant_resource
from kangtong.registry.privilege_rule import PrivilegeRule
from kangtong.registry.privileges import PrivilegeSet, combine
from kangtong.registry.rules import InstitutionRule, PractitionerRule, masked_citizen_id

D = dt.date
bodies = st.text("0123456789", min_size=8, max_size=8)
areas = st.sampled_from(["520102", "520103", "110101", "440305"])


def org(*codes: str) -> dict:
    return {
        "resourceType": "Organization",
        "identifier": [{"system": systems.USCC, "value": c} for c in codes],
    }


@given(areas, bodies)
def test_every_well_formed_uscc_passes(area: str, body: str) -> None:
    assert InstitutionRule().check(org(make_credit_code("12", area, body))) == []


@given(areas, bodies, st.integers(0, 17), st.sampled_from(CHARACTERS))
def test_changing_one_character_of_a_uscc_is_caught(
    area: str, body: str, at: int, new: str
) -> None:
    code = make_credit_code("12", area, body)
    changed = code[:at] + new + code[at + 1 :]
    issues = InstitutionRule().check(org(changed))
    assert (issues == []) == (changed == code)
    assert all(i.expression == "Organization.identifier[0].value" for i in issues)


def test_a_uscc_with_spaces_and_two_different_usccs_are_refused() -> None:
    code = make_credit_code("12", "520102", "42950012")
    issues = InstitutionRule().check(org(f" {code}"))
    assert [i.expression for i in issues] == ["Organization.identifier[0].value"]
    issues = InstitutionRule().check(org(code, make_credit_code("12", "520102", "42950013")))
    assert [i.code for i in issues] == ["business-rule"]


def test_unknown_institution_type_and_bad_district_code_are_refused() -> None:
    resource = org() | {
        "type": [{"coding": [{"system": systems.INSTITUTION_TYPE, "code": "spa"}]}],
        "address": [{"extension": [{"url": systems.DISTRICT_CODE_EXTENSION, "valueCode": "5201"}]}],
    }
    paths = [i.expression for i in InstitutionRule().check(resource)]
    assert paths == [
        "Organization.type[0].coding[0].code",
        "Organization.address[0].extension[0].valueCode",
    ]


def test_a_15_digit_legacy_id_is_not_registered_for_a_practitioner() -> None:
    full = make_citizen_id("520102", D(1970, 1, 1), 11)
    legacy = full[:6] + full[8:17]
    resource = {
        "resourceType": "Practitioner",
        "identifier": [{"system": systems.CITIZEN_ID, "value": legacy}],
    }
    issues = PractitionerRule().check(resource)
    assert len(issues) == 1 and "18-character" in issues[0].diagnostics
    resource["identifier"][0]["value"] = full
    assert PractitionerRule().check(resource) == []


def test_a_masked_citizen_id_shows_area_and_check_character_only() -> None:
    assert masked_citizen_id("52010219800101123X") == "520102***********X"


@given(
    st.sampled_from(["prescribe", "document-view", "surgery", "antibiotic"]),
    st.dates(D(2000, 1, 1), D(2030, 1, 1)),
    st.integers(0, 3000),
)
def test_a_grant_round_trips_through_basic(privilege: str, start: dt.date, days: int) -> None:
    level = {"surgery": "4", "antibiotic": "special"}.get(privilege)
    grant = Grant("p1", "o1", privilege, start, start + dt.timedelta(days=days), level, None, "g1")
    resource = grant_resource(grant)
    assert PrivilegeRule().check(resource) == []
    assert grant_of(resource) == grant


def test_the_highest_level_of_valid_grants_wins() -> None:
    grants = [
        Grant("p", "o", "surgery", D(2024, 1, 1), level="2"),
        Grant("p", "o", "surgery", D(2024, 1, 1), level="4"),
        Grant("p", "o", "antibiotic", D(2024, 1, 1), level="special"),
        Grant("p", "o", "antibiotic", D(2024, 1, 1), level="non-restricted"),
    ]
    combined = combine(PrivilegeSet("p", "o", D(2024, 1, 1)), grants)
    assert (combined.surgery_level, combined.antibiotic_grade) == (4, "special")
    assert not combined.may_prescribe


def test_grant_validity_includes_both_ends() -> None:
    grant = Grant("p", "o", "prescribe", D(2024, 1, 1), D(2024, 1, 31))
    assert [grant.valid_on(D(2024, 1, d)) for d in (1, 31)] == [True, True]
    assert not grant.valid_on(D(2024, 2, 1)) and not grant.valid_on(D(2023, 12, 31))


def test_a_document_type_outside_ws_t_500_is_refused() -> None:
    resource = grant_resource(
        Grant("p", "o", "document-sign", D(2024, 1, 1), document_type="C0054")
    )
    assert [i.code for i in PrivilegeRule().check(resource)] == ["business-rule"]
