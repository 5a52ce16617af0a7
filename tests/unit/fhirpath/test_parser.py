"""The parser reads FHIRPath N1 syntax, with the grammar's precedence, and rejects the rest."""

from __future__ import annotations

import pytest

from kangtong.fhir.fhirpath import FhirPathError, compile_path
from kangtong.fhir.fhirpath.parser import parse
from kangtong.fhir.fhirpath.syntax import (
    BinaryOperation,
    FunctionCall,
    Identifier,
    Literal,
    Member,
    TypeOperation,
)


def evaluate(expression: str) -> list[object]:
    return compile_path(expression).evaluate({"resourceType": "Patient"})


def test_multiplication_binds_tighter_than_addition() -> None:
    assert evaluate("1 + 2 * 3") == [7]
    assert evaluate("(1 + 2) * 3") == [9]


def test_operators_of_equal_precedence_associate_left() -> None:
    assert evaluate("10 - 4 - 3") == [3]
    assert evaluate("12 / 2 / 3") == [2.0]


def test_and_binds_tighter_than_or_and_implies_is_loosest() -> None:
    assert evaluate("true or false and false") == [True]
    assert evaluate("false implies false or true") == [True]


def test_is_binds_tighter_than_equality() -> None:
    node = parse("a is Quantity = true")
    assert isinstance(node, BinaryOperation) and node.operator == "="
    assert isinstance(node.left, TypeOperation)


def test_union_binds_tighter_than_comparison() -> None:
    node = parse("a | b = c")
    assert isinstance(node, BinaryOperation) and node.operator == "="
    assert isinstance(node.left, BinaryOperation) and node.left.operator == "|"


def test_path_with_function_and_type_operator_builds_the_expected_tree() -> None:
    node = parse("Observation.subject.where(resolve() is Patient)")
    assert isinstance(node, FunctionCall) and node.name == "where"
    assert node.target == Member(Identifier("Observation", 0), "subject", 12)
    (criterion,) = node.args
    assert isinstance(criterion, TypeOperation) and criterion.type_name == "Patient"


def test_as_can_be_an_operator_or_a_function() -> None:
    assert isinstance(parse("value as Quantity"), TypeOperation)
    call = parse("value.as(Quantity)")
    assert isinstance(call, FunctionCall) and call.name == "as"


def test_keywords_are_plain_names_after_a_dot() -> None:
    node = parse("text.div")
    assert isinstance(node, Member) and node.name == "div"


def test_string_escapes_are_decoded() -> None:
    assert evaluate(r"'it\'s \u00e9\t!'") == ["it's é\t!"]


def test_delimited_identifiers_name_elements() -> None:
    patient = {"resourceType": "Patient", "gender": "male"}
    assert compile_path("`gender`").evaluate(patient) == ["male"]


def test_literals_carry_their_fhir_types() -> None:
    expected = {
        "'x'": "string",
        "1": "integer",
        "1.5": "decimal",
        "true": "boolean",
        "@2020-01-01": "date",
        "@2020-01-01T10:00:00Z": "dateTime",
        "@T10:00": "time",
        "5 'mg'": "Quantity",
        "3 days": "Quantity",
    }
    for text, type_name in expected.items():
        node = parse(text)
        assert isinstance(node, Literal) and node.type_name == type_name, text


def test_date_time_literal_keeps_its_iso_text() -> None:
    assert compile_path("@2020-01-01T10:00:00+08:00").evaluate_typed({}) == [
        ("2020-01-01T10:00:00+08:00", "dateTime")
    ]


def test_comments_and_whitespace_are_ignored() -> None:
    assert evaluate("1 + // one\n /* two */ 2") == [3]


@pytest.mark.parametrize(
    ("expression", "position"),
    [
        (".subject", 0),
        ("Patient.name.", 13),
        ("Patient.name.where(use = 'official'", 35),
        ("1 +", 3),
        ("'unterminated", 0),
        ("Patient.name # x", 13),
        ("Patient..name", 8),
    ],
)
def test_syntax_errors_say_where_they_are(expression: str, position: int) -> None:
    with pytest.raises(FhirPathError) as raised:
        compile_path(expression)
    assert raised.value.position == position
    assert f"position {position}" in str(raised.value)


def test_unknown_function_is_rejected_at_compile_time() -> None:
    with pytest.raises(FhirPathError, match=r"unknown function frobnicate\(\)"):
        compile_path("Patient.name.frobnicate()")


def test_wrong_argument_count_is_rejected_at_compile_time() -> None:
    with pytest.raises(FhirPathError, match="takes 1 argument"):
        compile_path("Patient.name.where()")
