"""GB 11643 citizen ID numbers: what a valid ID tells, and why an invalid one is invalid."""

from __future__ import annotations

import datetime as dt

import pytest

from kangtong.core.ids.gb11643 import (
    check_character,
    citizen_id_check,
    make_citizen_id,
    to_legacy_15,
    upgrade_legacy_15,
)

PUBLISHED_EXAMPLE = "11010519491231002X"  # GB 11643-1999 annex


def test_the_published_example_is_valid_and_tells_birth_date_sex_and_province() -> None:
    result = citizen_id_check(PUBLISHED_EXAMPLE)
    assert result.valid and result.reasons == () and result.reason == ""
    assert result.normalised == PUBLISHED_EXAMPLE
    assert result.birth_date == dt.date(1949, 12, 31)
    assert result.sex == "female"
    assert result.area_code == "110105"
    assert result.province is not None and result.province.name_zh == "北京市"
    assert not result.legacy


def test_a_lower_case_x_is_accepted_and_normalised_to_upper_case() -> None:
    result = citizen_id_check(PUBLISHED_EXAMPLE.lower())
    assert result.valid and result.normalised == PUBLISHED_EXAMPLE


def test_15_digit_legacy_id_matches_its_18_digit_form() -> None:
    result = citizen_id_check("110105491231002")
    assert result.valid and result.legacy
    assert result.normalised == PUBLISHED_EXAMPLE
    assert upgrade_legacy_15("110105491231002") == PUBLISHED_EXAMPLE
    assert to_legacy_15(PUBLISHED_EXAMPLE) == "110105491231002"


def test_people_born_after_1999_have_no_legacy_form() -> None:
    with pytest.raises(ValueError):
        to_legacy_15(make_citizen_id("520103", dt.date(2005, 5, 5), 12))


@pytest.mark.parametrize(
    ("value", "code", "words", "words_zh"),
    [
        ("1101051949123100", "length", "length is 16", "长度为16位"),
        ("11010519491231002Y", "characters", "position 18", "第18位"),
        ("1101051949l231002X", "characters", "position 11", "第11位"),
        ("110105 49123100", "characters", "position 7", "第7位"),
        ("99010519491231002X", "area", "99 is not a GB/T 2260 province", "前两位99"),
        ("110105194913310025", "date", "19491331 is not a calendar date", "不是有效的日期"),
        ("110105190002290025", "date", "19000229 is not a calendar date", "不是有效的日期"),
        ("110105184912310020", "date", "before 1850", "早于1850年"),
        ("110105194912310021", "check", "is 1, expected X", "应为X"),
    ],
)
def test_invalid_ids_say_why_in_english_and_chinese(
    value: str, code: str, words: str, words_zh: str
) -> None:
    result = citizen_id_check(value)
    assert not result.valid and result.normalised is None
    [reason] = [r for r in result.reasons if r.code == code]
    assert words in reason.message and words_zh in reason.message_zh


def test_every_broken_part_is_reported_not_only_the_first() -> None:
    result = citizen_id_check("990105194913310021")
    assert [r.code for r in result.reasons] == ["area", "date", "check"]


def test_a_future_birth_date_is_invalid_only_against_the_given_today() -> None:
    future = make_citizen_id("520103", dt.date(2030, 1, 1), 11)
    assert citizen_id_check(future).valid
    result = citizen_id_check(future, today=dt.date(2025, 1, 1))
    assert [r.code for r in result.reasons] == ["date"]
    assert "after today (2025-01-01)" in result.reason
    assert citizen_id_check(future, today=dt.date(2030, 1, 1)).valid


def test_known_areas_make_the_area_check_county_level() -> None:
    known = {"110105", "520103"}
    assert citizen_id_check(PUBLISHED_EXAMPLE, known_areas=known).valid
    elsewhere = make_citizen_id("110999", dt.date(1980, 1, 1), 1)
    assert citizen_id_check(elsewhere).valid
    result = citizen_id_check(elsewhere, known_areas=known)
    assert [r.code for r in result.reasons] == ["area"]
    assert "110999 is not a known" in result.reason


def test_residence_permits_of_taiwan_residents_use_area_830000() -> None:
    result = citizen_id_check(make_citizen_id("830000", dt.date(1990, 3, 1), 5))
    assert result.valid
    assert result.province is not None and result.province.code == "83"


def test_repr_does_not_show_the_number_or_the_birth_date() -> None:
    shown = repr(citizen_id_check(PUBLISHED_EXAMPLE))
    assert PUBLISHED_EXAMPLE not in shown and "1949" not in shown and "110105" not in shown


def test_check_character_needs_17_ascii_digits() -> None:
    with pytest.raises(ValueError):
        check_character("123")
    with pytest.raises(ValueError):
        check_character("１１０１０５１９４９１２３１００２")  # full-width digits
    assert check_character(PUBLISHED_EXAMPLE[:17]) == "X"
