"""GB 32100 unified social credit codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kangtong.core.ids.gb32100 import (
    CHARACTERS,
    check_character,
    credit_code_check,
    make_credit_code,
    organisation_code_check,
)

bodies = st.text(alphabet="0123456789", min_size=8, max_size=8)
areas = st.sampled_from(["520103", "110101", "350100"])


def test_a_published_enterprise_code_is_valid() -> None:
    assert credit_code_check("91350100M000100Y43").valid


@given(areas, bodies)
def test_every_made_public_institution_code_is_valid(area: str, body: str) -> None:
    code = make_credit_code("12", area, body)
    assert code.startswith("12" + area)
    assert credit_code_check(code).valid


@given(areas, bodies, st.integers(0, 16), st.integers(1, 30))
def test_one_changed_character_breaks_the_check(
    area: str, body: str, position: int, shift: int
) -> None:
    code = make_credit_code("12", area, body)
    changed = CHARACTERS[(CHARACTERS.index(code[position]) + shift) % 31]
    typo = code[:position] + changed + code[position + 1 :]
    assert not credit_code_check(typo).valid


@pytest.mark.parametrize(
    ("value", "reason_part"),
    [
        ("12520103", "length"),
        ("91350100M000100YO3", "not in the GB 32100 set"),
        ("91350100M000100Y44", "check character"),
        ("91ABCDEFM000100Y43", "area code"),
    ],
)
def test_invalid_codes_say_why(value: str, reason_part: str) -> None:
    result = credit_code_check(value)
    assert not result.valid
    assert reason_part in result.reason


def test_organisation_code_check_maps_10_to_x_and_11_to_0() -> None:
    checks = {organisation_code_check(f"{n:08d}") for n in range(2000)}
    assert checks <= set("0123456789X")
    assert {"X", "0"} <= checks


def test_check_character_needs_17_valid_characters() -> None:
    with pytest.raises(ValueError):
        check_character("I" * 17)
