"""The function library: existence, filtering, subsetting, strings, math, FHIR and SQL-on-FHIR."""

from __future__ import annotations

from typing import Any

import pytest

from kangtong.fhir.fhirpath import FhirPathError, compile_path

from .resources import OBSERVATION, PATIENT


def evaluate(expression: str, resource: dict[str, Any] | None = None, **variables: Any) -> Any:
    return compile_path(expression).evaluate(resource or PATIENT, variables=variables)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("Patient.name.exists()", [True]),
        ("Patient.photo.exists()", [False]),
        ("Patient.name.exists(use = 'usual')", [True]),
        ("Patient.name.empty()", [False]),
        ("Patient.name.count()", [2]),
        ("Patient.name.all(family.exists())", [True]),
        ("Patient.name.given.first()", ["伟"]),
        ("Patient.name.given.last()", ["W."]),
        ("Patient.name.given.tail()", ["Wei", "W."]),
        ("Patient.name.given.skip(2)", ["W."]),
        ("Patient.name.given.take(2)", ["伟", "Wei"]),
        ("Patient.name.where(use = 'usual').given", ["Wei", "W."]),
        ("Patient.name.select(given.first())", ["伟", "Wei"]),
        ("Patient.name.given.where($this.startsWith('W'))", ["Wei", "W."]),
        ("Patient.name.given.select($index)", [0, 1, 2]),
        ("(1 | 2 | 3).distinct().count()", [3]),
        ("(true | false).allTrue()", [False]),
        ("(true | false).anyTrue()", [True]),
        ("Patient.name.family.union('Li').count()", [3]),
        ("Patient.name.family.intersect('Zhang')", ["Zhang"]),
        ("Patient.name.family.exclude('Zhang')", ["张"]),
        ("(Patient.gender = 'male').not()", [False]),
        ("iif(Patient.active, 'yes', 'no')", ["yes"]),
        ("iif(Patient.photo.exists(), 'yes')", []),
        ("'x'.single()", ["x"]),
    ],
)
def test_collection_functions(expression: str, expected: list[Any]) -> None:
    assert evaluate(expression) == expected


def test_single_on_several_items_is_an_error() -> None:
    with pytest.raises(FhirPathError, match="single"):
        evaluate("Patient.name.single()")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("'abcdef'.startsWith('abc')", [True]),
        ("'abcdef'.endsWith('ef')", [True]),
        ("'abcdef'.contains('cd')", [True]),
        ("'abcdef'.indexOf('d')", [3]),
        ("'abcdef'.substring(2)", ["cdef"]),
        ("'abcdef'.substring(2, 2)", ["cd"]),
        ("'abcdef'.substring(9)", []),
        ("'AbC'.upper()", ["ABC"]),
        ("'AbC'.lower()", ["abc"]),
        ("'abc'.replace('b', 'x')", ["axc"]),
        ("'abc'.matches('^a.c$')", [True]),
        ("'a1b22'.replaceMatches('[0-9]+', '#')", ["a#b#"]),
        ("'  x '.trim()", ["x"]),
        ("'abc'.length()", [3]),
        ("'a,b'.split(',')", ["a", "b"]),
        ("Patient.name.given.join(', ')", ["伟, Wei, W."]),
        ("Patient.photo.join(',')", [""]),
        ("{}.upper()", []),
        ("Patient.telecom.value.where(matches('^1[3-9]\\\\d{9}$'))", ["13800000000"]),
    ],
)
def test_string_functions(expression: str, expected: list[Any]) -> None:
    assert evaluate(expression) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("(-5).abs()", [5]),
        ("1.5.ceiling()", [2]),
        ("1.5.floor()", [1]),
        ("3.14159.round(2)", [3.14]),
        ("16.sqrt()", [4.0]),
        ("2.power(10)", [1024]),
        ("'42'.toInteger()", [42]),
        ("'4.5'.toDecimal()", [4.5]),
        ("'yes'.toBoolean()", [True]),
        ("'x'.convertsToInteger()", [False]),
        ("true.toString()", ["true"]),
        ("12.toString()", ["12"]),
    ],
)
def test_math_and_conversion_functions(expression: str, expected: list[Any]) -> None:
    assert evaluate(expression) == expected


def test_environment_variables_are_collections_or_single_values() -> None:
    assert evaluate("Patient.name.where(use = %use).family", use="usual") == ["Zhang"]
    assert evaluate("Patient.name[%i].family", i=1) == ["Zhang"]
    assert evaluate("%codes.count()", codes=["a", "b"]) == [2]
    assert evaluate("%nothing.exists()", nothing=None) == [False]


def test_undefined_environment_variable_is_an_error() -> None:
    with pytest.raises(FhirPathError, match="undefined environment variable %missing"):
        evaluate("Patient.name.where(use = %missing)")


def test_resource_and_context_variables_name_the_root() -> None:
    assert evaluate("Patient.name.where(%resource.gender = 'male').count()") == [2]
    assert evaluate("%ucum") == ["http://unitsofmeasure.org"]


def test_sql_on_fhir_resource_and_reference_keys() -> None:
    assert evaluate("getResourceKey()") == ["p1"]
    assert evaluate("Patient.link.other.getReferenceKey()") == ["p0"]
    assert evaluate("Patient.link.other.getReferenceKey(Patient)") == ["p0"]
    assert evaluate("Patient.link.other.getReferenceKey(Observation)") == []


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("@2010-10-10T.lowBoundary()", ["2010-10-10T00:00:00.000+14:00"]),
        ("@2010-10-10T.highBoundary()", ["2010-10-10T23:59:59.999-12:00"]),
        ("@1970-06.lowBoundary()", ["1970-06-01"]),
        ("@1970-06.highBoundary()", ["1970-06-30"]),
        ("@2024-02.highBoundary()", ["2024-02-29"]),
        ("@T12:34:00.lowBoundary()", ["12:34:00.000"]),
        ("@T12:34:00.highBoundary()", ["12:34:00.999"]),
        ("1.0.lowBoundary()", [0.95]),
        ("1.0.highBoundary()", [1.05]),
        ("1.587.lowBoundary()", [1.5865]),
    ],
)
def test_boundaries(expression: str, expected: list[Any]) -> None:
    assert evaluate(expression) == expected


def test_a_date_that_names_no_day_has_no_boundary() -> None:
    assert evaluate("@2021-02-29.lowBoundary()") == []


def test_boundary_of_a_resource_date_infers_its_precision() -> None:
    assert evaluate("Patient.birthDate.highBoundary()") == ["1949-12-31"]
    assert evaluate("Observation.value.value.lowBoundary()", OBSERVATION) == [72.45]


def test_children_and_descendants() -> None:
    coding = {"resourceType": "Basic", "code": {"coding": [{"code": "x"}]}}
    assert evaluate("children().count()", coding) == [1]
    assert "x" in evaluate("descendants()", coding)


def test_repeat_follows_nested_items() -> None:
    questionnaire = {
        "resourceType": "Questionnaire",
        "item": [{"linkId": "1", "item": [{"linkId": "1.1", "item": [{"linkId": "1.1.1"}]}]}],
    }
    assert evaluate("repeat(item).linkId", questionnaire) == ["1", "1.1", "1.1.1"]
