"""Which parameters share other parameters' rows, derived from their member paths alone."""

from __future__ import annotations

from kangtong.fhir.fhirpath.branches import MemberChain
from kangtong.fhir.search.shared_rows import ParamView, shared_rows
from kangtong.store.criteria import SharedRows


def view(code: str, key: int, type_: str, *chains: MemberChain) -> ParamView:
    return ParamView(code, key, type_, list(chains), ())


def same(_a: str, _b: str) -> bool:
    return True


CODE = MemberChain(("code",))
COMPONENT_CODE = MemberChain(("component", "code"))
SUBJECT = MemberChain(("subject",))
SUBJECT_PATIENT = MemberChain(("subject",), resolves_to="Patient")


def test_a_union_of_two_parameters_shares_both_their_rows() -> None:
    params = {
        "code": view("code", 1, "token", CODE),
        "component-code": view("component-code", 2, "token", COMPONENT_CODE),
        "combo-code": view("combo-code", 3, "token", CODE, COMPONENT_CODE),
    }
    assert shared_rows(params, same) == {"combo-code": SharedRows((1, 2))}


def test_a_union_that_nothing_covers_completely_is_stored_itself() -> None:
    params = {
        "code": view("code", 1, "token", CODE),
        "combo-code": view("combo-code", 3, "token", CODE, COMPONENT_CODE),
    }
    assert shared_rows(params, same) == {}


def test_a_resolve_filter_shares_the_rows_of_the_plain_reference() -> None:
    params = {
        "subject": view("subject", 1, "reference", SUBJECT),
        "patient": view("patient", 2, "reference", SUBJECT_PATIENT),
    }
    assert shared_rows(params, same) == {"patient": SharedRows((1,), "Patient")}


def test_parameters_of_another_type_or_extraction_never_share() -> None:
    params = {
        "name": view("name", 1, "string", MemberChain(("name",))),
        "phonetic": view("phonetic", 2, "string", MemberChain(("name",))),
        "name-token": view("name-token", 3, "token", MemberChain(("name",))),
    }
    assert shared_rows(params, same) == {"phonetic": SharedRows((1,))}
    assert shared_rows(params, lambda a, b: False) == {}


def test_equal_expressions_keep_the_first_code_stored_and_never_share_in_a_cycle() -> None:
    params = {
        "b": view("b", 2, "token", CODE),
        "a": view("a", 1, "token", CODE),
    }
    assert shared_rows(params, same) == {"b": SharedRows((1,))}


def test_expressions_beyond_member_paths_are_stored_themselves() -> None:
    params = {
        "code": view("code", 1, "token", CODE),
        "odd": ParamView("odd", 2, "token", None, ()),
    }
    assert shared_rows(params, same) == {}
