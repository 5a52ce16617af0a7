"""Operators follow FHIRPath N1 §6: empty propagation, three-valued logic, typed comparison."""

from __future__ import annotations

from typing import Any

import pytest

from kangtong.fhir.fhirpath import FhirPathError, compile_path

from .resources import OBSERVATION, PATIENT


def evaluate(expression: str, resource: dict[str, Any] | None = None) -> list[Any]:
    return compile_path(expression).evaluate(resource or PATIENT)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("true and true", [True]),
        ("true and {}", []),
        ("false and {}", [False]),
        ("true or {}", [True]),
        ("false or {}", []),
        ("true xor false", [True]),
        ("true xor {}", []),
        ("false implies {}", [True]),
        ("true implies {}", []),
        ("{} implies true", [True]),
    ],
)
def test_boolean_operators_use_three_valued_logic(expression: str, expected: list[Any]) -> None:
    assert evaluate(expression) == expected


def test_a_single_non_boolean_item_counts_as_true() -> None:
    assert evaluate("Patient.gender and true") == [True]


def test_equality_with_an_empty_side_is_empty() -> None:
    assert evaluate("Patient.photo = 'x'") == []
    assert evaluate("Patient.photo != 'x'") == []


def test_equality_compares_collections_item_by_item() -> None:
    assert evaluate("Patient.name.family = ('张' | 'Zhang')") == [True]
    assert evaluate("Patient.name.family = 'Zhang'") == [False]


def test_integer_equals_decimal_of_the_same_value() -> None:
    assert evaluate("1 = 1.0") == [True]


def test_equivalence_ignores_case_and_spacing() -> None:
    assert evaluate("'Hello  World' ~ 'hello world'") == [True]
    assert evaluate("{} ~ {}") == [True]
    assert evaluate("'a' !~ 'A'") == [False]


def test_dates_of_different_precision_are_not_comparable() -> None:
    assert evaluate("@2020-01 = @2020-01-05") == []
    assert evaluate("@2020-01 < @2020-02-05") == [True]
    assert evaluate("@2020-01-05 < @2020-01") == []


def test_date_times_are_compared_across_timezones() -> None:
    assert evaluate("@2024-03-01T09:30:00+08:00 = @2024-03-01T01:30:00Z") == [True]


def test_fhir_date_values_compare_with_date_literals() -> None:
    assert evaluate("Observation.effective > @2024-01-01", OBSERVATION) == [True]
    assert evaluate("Observation.effective.ofType(dateTime) < @2024-03", OBSERVATION) == []


def test_quantities_compare_by_value_when_units_agree() -> None:
    assert evaluate(
        "Observation.component[0].value > Observation.component[1].value", OBSERVATION
    ) == [True]


def test_comparing_a_string_with_a_number_is_an_error() -> None:
    with pytest.raises(FhirPathError, match="cannot compare"):
        evaluate("'a' < 1")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("7 div 2", [3]),
        ("-7 div 2", [-3]),
        ("7 mod 2", [1]),
        ("7 / 2", [3.5]),
        ("0.1 + 0.2", [0.3]),
        ("2.5 * 2", [5.0]),
        ("5 / 0", []),
        ("5 div 0", []),
        ("1 + {}", []),
        ("'a' + 'b'", ["ab"]),
        ("'a' & {}", ["a"]),
        ("-(3)", [-3]),
    ],
)
def test_arithmetic(expression: str, expected: list[Any]) -> None:
    assert evaluate(expression) == expected


def test_arithmetic_on_a_collection_of_several_items_is_an_error() -> None:
    with pytest.raises(FhirPathError, match="single item"):
        evaluate("Patient.name.family + 'x'")


def test_union_removes_duplicates_and_combine_keeps_them() -> None:
    assert evaluate("Patient.name.family | Patient.name.family") == ["张", "Zhang"]
    assert evaluate("Patient.name.family.combine(Patient.name.family).count()") == [4]
    assert evaluate("(1 | 1.0 | true)") == [1, True]


def test_in_and_contains() -> None:
    assert evaluate("'Zhang' in Patient.name.family") == [True]
    assert evaluate("Patient.name.family contains 'Li'") == [False]
    assert evaluate("{} in Patient.name.family") == []


def test_is_on_several_items_is_an_error() -> None:
    with pytest.raises(FhirPathError):
        evaluate("Patient.name is HumanName")
