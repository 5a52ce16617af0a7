"""GB 32100 unified social credit codes: what a valid code tells, why an invalid one is invalid."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kangtong.core.ids.gb32100 import (
    CHARACTERS,
    WEIGHTS,
    check_character,
    credit_code_check,
    credit_code_validator,
    make_credit_code,
    organisation_code_check,
)
from tests.unit.ids.strategies import credit_codes

PUBLISHED_EXAMPLE = "91350100M000100Y43"  # the example of GB 32100-2015


def test_the_published_example_is_a_valid_enterprise_code_of_fujian() -> None:
    result = credit_code_check(PUBLISHED_EXAMPLE)
    assert result.valid and result.reasons == ()
    assert result.normalised == PUBLISHED_EXAMPLE
    assert result.area_code == "350100"
    assert result.province is not None and result.province.name_zh == "福建省"
    assert result.organisation_code == "M000100Y4"
    assert result.kind is not None
    assert (result.kind.authority_zh, result.kind.type_zh) == ("工商（市场监管）", "企业")


def test_lower_case_is_accepted_and_normalised() -> None:
    assert credit_code_check(PUBLISHED_EXAMPLE.lower()).normalised == PUBLISHED_EXAMPLE


def test_a_public_hospital_code_says_public_institution() -> None:
    code = make_credit_code("12", "520103", "42915837")
    result = credit_code_check(code)
    assert result.valid and result.kind is not None
    assert result.kind.type_zh == "事业单位"


def test_central_organisations_with_area_100000_are_valid() -> None:
    code = make_credit_code("12", "100000", "40001234")
    result = credit_code_check(code)
    assert result.valid and result.province is not None and result.province.code == "10"


def test_an_unlisted_authority_is_not_an_error() -> None:
    code = make_credit_code("B1", "110101", "12345678")
    result = credit_code_check(code)
    assert result.valid and result.kind is None


@pytest.mark.parametrize(
    ("value", "code", "words", "words_zh"),
    [
        ("12520103", "length", "length is 8", "长度为8位"),
        ("91350100M000100YO3", "characters", "position 17", "第17位"),
        ("91ABCDEFM000100Y43", "characters", "position 3, 4, 5, 6", "第3-8位"),
        ("91990100M000100Y43", "area", "99 is neither", "前两位99"),
        ("91350100M000100Y44", "check", "is 4, expected 3", "应为3"),
    ],
)
def test_invalid_codes_say_why_in_english_and_chinese(
    value: str, code: str, words: str, words_zh: str
) -> None:
    result = credit_code_check(value)
    assert not result.valid and result.normalised is None
    [reason] = [r for r in result.reasons if r.code == code]
    assert words in reason.message and words_zh in reason.message_zh


def test_a_wrong_organisation_code_check_is_reported_unless_switched_off() -> None:
    head = "91350100M000100Y5"  # GB 11714 wants 4 at position 17
    code = head + check_character(head)
    result = credit_code_check(code)
    assert [r.code for r in result.reasons] == ["organisation_code"]
    assert "expected 4" in result.reason
    assert credit_code_check(code, check_organisation_code=False).valid


def test_known_areas_make_the_area_check_county_level() -> None:
    assert credit_code_check(PUBLISHED_EXAMPLE, known_areas={"350100"}).valid
    result = credit_code_check(PUBLISHED_EXAMPLE, known_areas={"520103"})
    assert [r.code for r in result.reasons] == ["area"]


def test_organisation_code_check_maps_10_to_x_and_11_to_0() -> None:
    checks = {organisation_code_check(f"{n:08d}") for n in range(2000)}
    assert checks <= set("0123456789X")
    assert {"X", "0"} <= checks


def test_check_character_needs_17_valid_characters() -> None:
    with pytest.raises(ValueError):
        check_character("I" * 17)


@given(credit_codes)
def test_every_made_code_is_valid(code: str) -> None:
    assert credit_code_check(code).valid
    assert credit_code_validator()(code)


@given(credit_codes, st.integers(0, 16), st.integers(1, 30))
def test_any_single_character_change_is_caught_by_the_check(
    code: str, position: int, shift: int
) -> None:
    changed = CHARACTERS[(CHARACTERS.index(code[position]) + shift) % 31]
    typo = code[:position] + changed + code[position + 1 :]
    result = credit_code_check(typo, check_organisation_code=False)
    assert "check" in [r.code for r in result.reasons] or "characters" in [
        r.code for r in result.reasons
    ]
    assert not credit_code_check(typo).valid


@given(credit_codes, st.integers(0, 16))
def test_swapping_two_adjacent_distinct_characters_is_detected(code: str, position: int) -> None:
    first, second = code[position], code[position + 1]
    swapped = code[:position] + second + first + code[position + 2 :]
    assert (first == second) == credit_code_check(swapped).valid


def test_mod_31_detects_every_adjacent_transposition_at_every_position() -> None:
    """Weights 3^i mod 31 and weight 1 for the check: (a-b)(wᵢ-wᵢ₊₁) ≢ 0 mod 31 for a≠b."""
    weights = (*WEIGHTS, 1)
    for i in range(17):
        assert (weights[i] - weights[i + 1]) % 31 != 0
        for a in range(31):
            for b in range(31):
                if a != b:
                    assert (a - b) * (weights[i] - weights[i + 1]) % 31 != 0
