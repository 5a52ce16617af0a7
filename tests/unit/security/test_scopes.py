from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kangtong.security.scopes import (
    ACTION_LETTER,
    ResourceScope,
    ScopeSet,
    ScopeSyntaxError,
    constraints_hold,
    narrow,
    parse_scope,
)

contexts = st.sampled_from(["patient", "user", "system"])
types = st.sampled_from(["*", "Patient", "Observation", "Condition", "MedicationRequest"])
permissions = st.sets(st.sampled_from("cruds"), min_size=1).map(frozenset)
constraint_sets = st.lists(
    st.tuples(
        st.sampled_from(["category", "code"]),
        st.sampled_from(["laboratory", "http://loinc.org|8867-4"]),
    ),
    max_size=2,
    unique=True,
).map(tuple)
scopes = st.builds(ResourceScope, contexts, types, permissions, constraint_sets)
actions = st.sampled_from(sorted(ACTION_LETTER))


def test_v2_scopes_parse_to_their_permission_letters() -> None:
    scope = parse_scope("patient/Observation.rs")
    assert scope == ResourceScope("patient", "Observation", frozenset("rs"))


@pytest.mark.parametrize(("v1", "v2"), [("read", "rs"), ("write", "cud"), ("*", "cruds")])
def test_v1_scopes_mean_the_same_as_their_v2_form(v1: str, v2: str) -> None:
    old, new = parse_scope(f"user/Observation.{v1}"), parse_scope(f"user/Observation.{v2}")
    assert old == new


def test_granular_v2_scopes_keep_their_query() -> None:
    scope = parse_scope(
        "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory"
    )
    assert scope is not None
    assert scope.constraints == (
        ("category", "http://terminology.hl7.org/CodeSystem/observation-category|laboratory"),
    )


@pytest.mark.parametrize(
    "text", ["openid", "fhirUser", "offline_access", "launch/patient", "launch"]
)
def test_non_resource_scopes_are_not_resource_scopes(text: str) -> None:
    assert parse_scope(text) is None
    assert text in ScopeSet.parse([text]).other


@pytest.mark.parametrize(
    "text",
    [
        "user/Observation.sr",
        "user/Observation.rr",
        "user/Observation.x",
        "admin/Patient.r",
        "user/observation.r",
        "user/Patient.",
        "user/Patient.rs?",
    ],
)
def test_malformed_resource_scopes_are_refused(text: str) -> None:
    with pytest.raises(ScopeSyntaxError):
        parse_scope(text)


@given(scopes)
def test_a_scope_parses_back_from_its_text(scope: ResourceScope) -> None:
    assert parse_scope(scope.text()) == scope


@given(scopes, actions, types.filter(lambda t: t != "*"))
def test_a_scope_permits_exactly_its_letters_on_its_type(
    scope: ResourceScope, action: str, resource_type: str
) -> None:
    permitted = bool(ScopeSet((scope,), frozenset()).matching(action, resource_type))
    type_ok = scope.resource_type in ("*", resource_type)
    assert permitted == (type_ok and ACTION_LETTER[action] in scope.permissions)


@given(st.lists(scopes, max_size=4), scopes, actions, types)
def test_adding_a_scope_never_takes_a_permission_away(
    held: list[ResourceScope], extra: ResourceScope, action: str, resource_type: str
) -> None:
    before = bool(ScopeSet(tuple(held), frozenset()).matching(action, resource_type))
    after = bool(ScopeSet((*held, extra), frozenset()).matching(action, resource_type))
    assert after or not before


@given(scopes, scopes)
def test_narrowing_grants_only_what_the_allowed_scope_covers(
    requested: ResourceScope, allowed: ResourceScope
) -> None:
    granted = narrow([requested.text()], [allowed.text()])
    if granted:
        assert requested.context == allowed.context
        assert requested.permissions <= allowed.permissions
        assert allowed.resource_type in ("*", requested.resource_type)


def test_narrowing_keeps_literal_non_resource_scopes_only_when_allowed() -> None:
    assert narrow(
        ["openid", "offline_access", "user/Patient.rs"], ["offline_access", "user/*.cruds"]
    ) == [
        "offline_access",
        "user/Patient.rs",
    ]


def test_category_constraints_match_the_resource_codings() -> None:
    scope = parse_scope(
        "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory"
    )
    assert scope is not None
    lab = {
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ]
    }
    vitals = {
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "vital-signs",
                    }
                ]
            }
        ]
    }
    assert constraints_hold(scope, lab)
    assert not constraints_hold(scope, vitals)
    assert not constraints_hold(scope, {})


def test_constraints_on_unsupported_parameters_fail_closed() -> None:
    scope = parse_scope("user/Observation.rs?status=final")
    assert scope is not None
    assert not constraints_hold(scope, {"status": "final"})
