"""Properties of primitive validation, checked on generated values (hypothesis)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kangtong.fhir.model import ResourceValidator, StructureModel
from kangtong.fhir.model.primitives import compile_primitive_check

from . import r4_examples as examples

DATE_CHARACTERS = set("0123456789-")
_ZONES = st.sampled_from(["Z", "+08:00", "-05:00", "+14:00", "+00:00"])


@pytest.fixture(scope="module")
def checks(model: StructureModel) -> dict[str, Any]:
    return {name: compile_primitive_check(d) for name, d in model.primitive_types.items()}


@st.composite
def fhir_date_times(draw: st.DrawFn) -> str:
    """A dateTime at any of FHIR's precisions: year, month, day or instant with zone."""
    moment = draw(st.datetimes(min_value=datetime.datetime(1, 1, 1)))
    precision = draw(st.sampled_from(["year", "month", "day", "seconds", "fraction"]))
    if precision == "year":
        return f"{moment.year:04d}"
    if precision == "month":
        return f"{moment.year:04d}-{moment.month:02d}"
    if precision == "day":
        return moment.date().isoformat()
    fraction = f".{moment.microsecond:06d}" if precision == "fraction" else ""
    return f"{moment.date().isoformat()}T{moment.strftime('%H:%M:%S')}{fraction}{draw(_ZONES)}"


@settings(max_examples=300, deadline=None)
@given(value=fhir_date_times())
def test_every_well_formed_date_time_is_valid(validator: ResourceValidator, value: str) -> None:
    observation = examples.glucose()
    observation["effectiveDateTime"] = value
    assert validator.validate(observation) == []


@settings(max_examples=300, deadline=None)
@given(value=st.text(min_size=1).filter(lambda text: not set(text) <= DATE_CHARACTERS))
def test_junk_in_a_date_field_is_rejected(validator: ResourceValidator, value: str) -> None:
    patient = examples.patient()
    patient["birthDate"] = value
    assert [(i.code, i.path) for i in validator.validate(patient)] == [
        ("value", "Patient.birthDate")
    ]


@settings(max_examples=300, deadline=None)
@given(year=st.integers(1, 9999), month=st.integers(1, 12), day=st.integers(1, 31))
def test_a_date_is_valid_exactly_when_the_calendar_has_that_day(
    checks: dict[str, Any], year: int, month: int, day: int
) -> None:
    try:
        datetime.date(year, month, day)
        exists = True
    except ValueError:
        exists = False
    assert (checks["date"](f"{year:04d}-{month:02d}-{day:02d}") is None) is exists


@given(number=st.integers())
def test_integers_are_valid_exactly_within_32_bits(checks: dict[str, Any], number: int) -> None:
    assert (checks["integer"](number) is None) is (-(2**31) <= number < 2**31)
    assert (checks["positiveInt"](number) is None) is (1 <= number < 2**31)


FORBIDDEN_CONTROLS = "".join(chr(c) for c in range(32) if chr(c) not in "\t\r\n")
FHIR_TEXT = st.text(
    alphabet=st.characters(blacklist_characters=FORBIDDEN_CONTROLS, blacklist_categories=["Cs"]),
    min_size=1,
)


@given(text=FHIR_TEXT)
def test_any_non_empty_unicode_text_without_control_characters_is_a_valid_string(
    checks: dict[str, Any], text: str
) -> None:
    assert checks["string"](text) is None
    assert checks["markdown"](text) is None


@given(
    before=st.text(),
    control=st.sampled_from(FORBIDDEN_CONTROLS),
    after=st.text(),
    kind=st.sampled_from(["string", "markdown", "code", "uri", "id", "xhtml", "base64Binary"]),
)
def test_a_control_character_other_than_tab_cr_lf_makes_any_string_invalid(
    checks: dict[str, Any], before: str, control: str, after: str, kind: str
) -> None:
    # FHIR R4 §2.24.0.1: strings SHALL NOT contain characters below U+0020 but tab, CR and LF.
    assert checks[kind](before + control + after) is not None


@given(identifier=st.from_regex(r"\A[A-Za-z0-9\-.]{1,64}\Z"))
def test_ids_of_the_allowed_alphabet_are_valid(checks: dict[str, Any], identifier: str) -> None:
    assert checks["id"](identifier) is None
