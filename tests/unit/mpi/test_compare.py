"""Each comparator level, on the cases it exists for."""

from __future__ import annotations

import datetime as dt

import pytest

from kangtong.core.ids.gb11643 import make_citizen_id
from kangtong.mpi.compare import contact, identity, names
from kangtong.mpi.compare.base import MISSING
from kangtong.mpi.normalise import NameNormaliser, normalise_citizen_id, parse_address

N = NameNormaliser()


def level(a: str, b: str) -> int:
    return names.compare_names(N.normalise(a), N.normalise(b))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("张伟", "张伟", names.EXACT),
        ("張偉", "张伟", names.TRADITIONAL),
        ("张伟", "张玮", names.HOMOPHONE),  # wei3 / wei3
        ("王芳", "汪芳", names.PINYIN),  # wang2 / wang1: same pinyin, other tone
        ("张伟", "Zhang Wei", names.PINYIN),
        ("张晓琳", "张琳晓", names.MISREAD),  # given characters swapped
        ("李未", "李末", names.MISREAD),  # look-alike 未/末
        ("张子涵", "张子轩", names.ONE_CHARACTER),
        ("张伟", "张伟强", names.ONE_MORE_OR_FEWER),  # a character added
        ("张晓伟", "张伟", names.ONE_MORE_OR_FEWER),  # a character left out
        ("张晓伟", "张玮", names.ONE_MORE_OR_FEWER),  # left out, and a homophone
        ("Zhang Wei", "张晓伟", names.ONE_MORE_OR_FEWER),  # pinyin, a syllable fewer
        ("ZHANG Xiaowei", "张伟", names.ONE_MORE_OR_FEWER),  # pinyin, a syllable more
        ("张 伟", "张伟", names.EXACT),  # spaces typed between the characters
        ("张伟", "张强", names.FAMILY_ONLY),
        ("张伟", "张强军", names.FAMILY_ONLY),
        ("张伟", "李娜", names.DIFFERENT),
    ],
)
def test_name_levels(a: str, b: str, expected: int) -> None:
    assert level(a, b) == expected


def test_missing_name_carries_no_evidence() -> None:
    assert names.compare_names(None, N.normalise("张伟")) == MISSING


def _id(born: dt.date = dt.date(1985, 7, 9), seq: int = 31) -> str:
    return make_citizen_id("520103", born, seq)


def compare_ids(a: str, b: str) -> int:
    return identity.compare_citizen_ids(normalise_citizen_id(a), normalise_citizen_id(b))


def test_same_id_in_18_and_15_digit_form_is_exact() -> None:
    full = _id()
    assert compare_ids(full, full[:6] + full[8:17]) == identity.ID_EXACT


def test_one_digit_slip_that_breaks_the_check_is_a_typo() -> None:
    full = _id()
    slipped = full[:12] + str((int(full[12]) + 3) % 10) + full[13:]
    assert compare_ids(full, slipped) == identity.ID_TYPO


def test_adjacent_transposition_is_a_typo() -> None:
    full = _id(seq=123)
    swapped = full[:14] + full[15] + full[14] + full[16:]
    assert compare_ids(full, swapped) == identity.ID_TYPO


def test_two_valid_ids_conflict() -> None:
    assert compare_ids(_id(seq=31), _id(seq=33)) == identity.ID_CONFLICT


def test_two_invalid_near_misses_prove_nothing() -> None:
    full = _id()
    a = full[:10] + str((int(full[10]) + 1) % 10) + full[11:]
    b = a[:15] + str((int(a[15]) + 1) % 10) + a[16:]
    assert compare_ids(a, b) == identity.ID_DIFFERENT


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (dt.date(1980, 3, 5), dt.date(1980, 3, 5), identity.BIRTH_EXACT),
        (dt.date(1980, 3, 5), dt.date(1980, 5, 3), identity.BIRTH_SWAPPED),
        (dt.date(1980, 3, 5), dt.date(1981, 3, 5), identity.BIRTH_NEAR),
        (dt.date(1980, 3, 5), dt.date(1980, 3, 6), identity.BIRTH_DAY_OFF),
        (dt.date(1980, 2, 29), dt.date(1980, 3, 1), identity.BIRTH_DAY_OFF),  # across a month
        (dt.date(1980, 3, 5), dt.date(1980, 3, 25), identity.BIRTH_NEAR),  # one digit
        (dt.date(1980, 3, 5), dt.date(1980, 1, 1), identity.BIRTH_PLACEHOLDER),  # year known
        (dt.date(1980, 3, 17), dt.date(1980, 3, 1), identity.BIRTH_PLACEHOLDER),  # day unknown
        (dt.date(1980, 3, 5), dt.date(1981, 1, 1), identity.BIRTH_DIFFERENT),  # other year
        (dt.date(1980, 3, 5), dt.date(1980, 7, 19), identity.BIRTH_DIFFERENT),
        (dt.date(1980, 3, 5), dt.date(1955, 11, 20), identity.BIRTH_DIFFERENT),
    ],
)
def test_birth_date_levels(a: dt.date, b: dt.date, expected: int) -> None:
    assert identity.compare_birth_dates((a,), (b,)) == expected


def test_declared_date_swapped_still_meets_the_ids_date() -> None:
    assert (
        identity.compare_birth_dates(
            (dt.date(1980, 5, 3), dt.date(1980, 3, 5)), (dt.date(1980, 3, 5),)
        )
        == identity.BIRTH_EXACT
    )


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("13800138000", "13800138000", contact.PHONE_EXACT),
        ("13800138000", "13800138001", contact.PHONE_NEAR),
        ("13800138000", "15912345678", contact.PHONE_DIFFERENT),
    ],
)
def test_phone_levels(a: str, b: str, expected: int) -> None:
    assert contact.compare_phones(a, b) == expected


FULL = "贵州省贵阳市云岩区和平街道柳州路94号紫荆花园28栋4单元902室"


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        ("云岩区柳州路94号紫荆花园28-4-902", contact.ADDRESS_DWELLING),  # coarser form, same home
        ("贵州省贵阳市云岩区和平街道柳州路94号紫荆花园28栋2单元301室", contact.ADDRESS_BUILDING),
        ("贵州省贵阳市云岩区和平街道柳州路94号紫荆花园31栋1单元1205室", contact.ADDRESS_ROAD),
        ("贵州省贵阳市云岩区和平街道合山路12号南山小区3栋1单元101室", contact.ADDRESS_AREA),
        ("浙江省杭州市西湖区文三路", contact.ADDRESS_DIFFERENT),
    ],
)
def test_address_levels(other: str, expected: int) -> None:
    assert contact.compare_addresses(parse_address(FULL), parse_address(other)) == expected


def test_sex_levels() -> None:
    assert contact.compare_sex("1", "1") == 1
    assert contact.compare_sex("1", "2") == 0
    assert contact.compare_sex(None, "2") == MISSING
