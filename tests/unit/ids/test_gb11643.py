"""GB 11643 citizen ID numbers: check character, legacy form, validation reasons."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kangtong.core.ids.gb11643 import (
    check_character,
    citizen_id_check,
    make_citizen_id,
    to_legacy_15,
    upgrade_legacy_15,
)

areas = st.sampled_from(["110101", "310101", "520103", "440106", "510104"])
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2024, 12, 31))
sequences = st.integers(min_value=0, max_value=999)


def test_the_published_example_is_valid_and_female() -> None:
    result = citizen_id_check("11010519491231002X")
    assert result.valid
    assert result.birth_date == dt.date(1949, 12, 31)
    assert result.sex == "female"


@given(areas, births, sequences)
def test_every_made_id_is_valid_with_its_birth_date_and_sex(
    area: str, birth: dt.date, sequence: int
) -> None:
    result = citizen_id_check(make_citizen_id(area, birth, sequence))
    assert result.valid, result.reason
    assert result.birth_date == birth
    assert result.sex == ("male" if sequence % 2 else "female")


@given(areas, births, sequences, st.integers(min_value=0, max_value=16), st.integers(1, 9))
def test_one_mistyped_digit_breaks_the_check_character(
    area: str, birth: dt.date, sequence: int, position: int, shift: int
) -> None:
    valid = make_citizen_id(area, birth, sequence)
    digit = str((int(valid[position]) + shift) % 10)
    typo = valid[:position] + digit + valid[position + 1 :]
    assert not citizen_id_check(typo).valid


@given(areas, st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31)), sequences)
def test_15_digit_legacy_id_upgrades_to_its_18_digit_form(
    area: str, birth: dt.date, sequence: int
) -> None:
    modern = make_citizen_id(area, birth, sequence)
    legacy = to_legacy_15(modern)
    assert len(legacy) == 15
    assert upgrade_legacy_15(legacy) == modern
    assert citizen_id_check(legacy).valid


def test_people_born_after_1999_have_no_legacy_form() -> None:
    with pytest.raises(ValueError):
        to_legacy_15(make_citizen_id("520103", dt.date(2005, 5, 5), 12))


@pytest.mark.parametrize(
    ("value", "reason_part"),
    [
        ("1101051949123100", "length"),
        ("11010519491231002Y", "digits"),
        ("99010519491231002X", "province"),
        ("110105194913310025", "calendar"),
        ("110105194912310021", "check character"),
    ],
)
def test_invalid_ids_say_why(value: str, reason_part: str) -> None:
    result = citizen_id_check(value)
    assert not result.valid
    assert reason_part in result.reason


def test_a_future_birth_date_is_invalid_when_today_is_given() -> None:
    future = make_citizen_id("520103", dt.date(2030, 1, 1), 11)
    assert citizen_id_check(future).valid
    assert "future" in citizen_id_check(future, today=dt.date(2025, 1, 1)).reason


def test_check_character_needs_17_digits() -> None:
    with pytest.raises(ValueError):
        check_character("123")
