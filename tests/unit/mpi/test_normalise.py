"""Normalisation of identity data as desks type it."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kangtong.core.ids.gb11643 import make_citizen_id, to_legacy_15
from kangtong.mpi.normalise import (
    IdentityRecord,
    NameNormaliser,
    RecordNormaliser,
    normalise_citizen_id,
    normalise_phone,
    parse_address,
    parse_birth_date,
)

NAMES = NameNormaliser()


@pytest.mark.parametrize(
    "written", ["Zhang Wei", "ZHANG Wei", "Wei Zhang", "zhangwei", "Zhāng Wěi"]
)
def test_pinyin_written_names_are_recognised_and_meet_the_hanzi(written: str) -> None:
    pinyin, hanzi = NAMES.normalise(written), NAMES.normalise("张伟")
    assert pinyin is not None and hanzi is not None
    assert pinyin.is_pinyin and not hanzi.is_pinyin
    assert pinyin.readings & hanzi.readings


def test_passport_capitals_mark_the_family_name() -> None:
    name = NAMES.normalise("WANG Xiaoming")
    assert name is not None and (name.family, name.given) == ("wang", "xiaoming")


def test_traditional_characters_are_simplified_and_flagged() -> None:
    name = NAMES.normalise("張偉")
    assert name is not None and name.text == "张伟" and name.traditional


def test_compound_surname_is_split_off() -> None:
    name = NAMES.normalise("欧阳娜娜")
    assert name is not None and (name.family, name.given) == ("欧阳", "娜娜")


def test_surname_reading_differs_from_everyday_reading() -> None:
    name = NAMES.normalise("单雄")
    assert name is not None and name.key == "shanxiong"


def test_15_digit_legacy_id_matches_its_18_digit_form() -> None:
    full = make_citizen_id("520103", dt.date(1975, 6, 1), 123)
    legacy = normalise_citizen_id(to_legacy_15(full))
    assert legacy is not None and legacy.text == full and legacy.valid and legacy.legacy


@given(
    st.dates(dt.date(1900, 1, 1), dt.date(1999, 12, 31)),
    st.integers(min_value=0, max_value=999),
    st.sampled_from(["110105", "520103", "440305"]),
)
def test_any_legacy_id_upgrades_to_the_valid_18_digit_id(
    born: dt.date, seq: int, area: str
) -> None:
    full = make_citizen_id(area, born, seq)
    upgraded = normalise_citizen_id(to_legacy_15(full))
    assert upgraded is not None and upgraded.text == full
    assert upgraded.birth_date == born and upgraded.sex == ("1" if seq % 2 else "2")


def test_id_typed_with_spaces_and_lower_case_x_is_the_same_id() -> None:
    parsed = normalise_citizen_id(" 520103 19800101 123x ")
    assert parsed is not None and parsed.text == "52010319800101123X"


def test_id_with_a_slipped_digit_is_kept_but_invalid() -> None:
    full = make_citizen_id("520103", dt.date(1990, 3, 5), 42)
    slipped = full[:10] + str((int(full[10]) + 1) % 10) + full[11:]
    parsed = normalise_citizen_id(slipped)
    assert parsed is not None and not parsed.valid and parsed.birth_date is None


@pytest.mark.parametrize(
    "typed",
    ["+86 138 0013 8000", "138-0013-8000", "008613800138000", "86 13800138000", "13800138000"],
)
def test_mobile_numbers_lose_country_code_and_separators(typed: str) -> None:
    assert normalise_phone(typed) == "13800138000"


@given(
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(["+86 ", "0086", "+86-", ""])
)
def test_any_mobile_with_any_prefix_normalises_to_its_digits(phone: str, prefix: str) -> None:
    assert normalise_phone(prefix + phone) == phone


def test_full_address_is_parsed_into_its_parts() -> None:
    parsed = parse_address("贵州省贵阳市云岩区和平街道柳州路94号紫荆花园28栋4单元902室")
    assert parsed is not None
    assert parsed.parts() == (
        "贵州省",
        "贵阳市",
        "云岩区",
        "和平街道",
        "柳州路94号",
        "紫荆花园",
        "28",
        "4",
        "902",
    )


def test_dwelling_written_as_dashes_or_chinese_numerals_parses_the_same() -> None:
    dashed = parse_address("云岩区柳州路94号紫荆花园28-4-902")
    numerals = parse_address("柳州路94号紫荆花园小区二十八栋四单元九零二室")
    assert dashed is not None and numerals is not None
    assert (dashed.building, dashed.unit, dashed.room) == ("28", "4", "902")
    assert (numerals.building, numerals.unit, numerals.room, numerals.complex) == (
        "28",
        "4",
        "902",
        "紫荆花园",
    )


def test_municipality_is_both_province_and_city() -> None:
    parsed = parse_address("上海浦东新区张江镇科苑路100号")
    assert parsed is not None
    assert (parsed.province, parsed.city, parsed.district, parsed.street) == (
        "上海市",
        "上海市",
        "浦东新区",
        "张江镇",
    )


@pytest.mark.parametrize("typed", ["1990-03-05", "1990/3/5", "19900305", "1990年3月5日"])
def test_birth_dates_in_common_forms(typed: str) -> None:
    assert parse_birth_date(typed) == dt.date(1990, 3, 5)


def test_birth_date_and_sex_are_cross_checked_against_the_id() -> None:
    citizen_id = make_citizen_id("520103", dt.date(1990, 3, 5), 41)  # odd: male
    record = RecordNormaliser().normalise(
        IdentityRecord("r1", birth_date="1990-05-03", sex="2", id_number=citizen_id)
    )
    assert set(record.findings) == {"birth-date-disagrees-with-id", "sex-disagrees-with-id"}
    assert record.birth_dates == (dt.date(1990, 5, 3), dt.date(1990, 3, 5))


def test_missing_sex_and_birth_date_come_from_the_id() -> None:
    citizen_id = make_citizen_id("520103", dt.date(1990, 3, 5), 42)
    record = RecordNormaliser().normalise(IdentityRecord("r1", id_number=citizen_id, sex="9"))
    assert record.sex == "2" and record.birth_date == dt.date(1990, 3, 5)


@pytest.mark.parametrize(
    ("text", "district", "road"),
    [
        ("云岩区兴安盟路63号人民新村", "云岩区", "兴安盟路63号"),  # a road named after a 盟
        ("兴安盟街61号阳光花园", None, "兴安盟街61号"),
        ("云岩区呼和浩特街12号", "云岩区", "呼和浩特街12号"),
    ],
)
def test_a_road_named_after_a_place_is_a_road(text: str, district: str | None, road: str) -> None:
    parsed = parse_address(text)
    assert parsed is not None
    assert (parsed.province, parsed.city) == (None, None)
    assert (parsed.district, parsed.road) == (district, road)


def test_autonomous_regions_and_leagues_are_still_read() -> None:
    parsed = parse_address("内蒙古自治区兴安盟乌兰浩特市兴安南大路1号")
    assert parsed is not None
    assert (parsed.province, parsed.city, parsed.district) == (
        "内蒙古自治区",
        "兴安盟",
        "乌兰浩特市",
    )
