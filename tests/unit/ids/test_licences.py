"""Practitioner licence numbers: configurable format checks (the formats are unconfirmed)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kangtong.core.ids.licences import (
    NURSE_LICENCE,
    PHYSICIAN_LICENCE,
    LicenceFormat,
    licence_check,
)


@given(st.text(alphabet="0123456789", min_size=15, max_size=15))
def test_any_15_digits_have_the_physician_licence_format(value: str) -> None:
    result = licence_check(value, PHYSICIAN_LICENCE)
    assert result.valid and result.normalised == value
    assert not result.confirmed


@given(st.text(alphabet="0123456789", min_size=1, max_size=30).filter(lambda v: len(v) != 15))
def test_other_lengths_are_not_physician_licences(value: str) -> None:
    result = licence_check(value, PHYSICIAN_LICENCE)
    assert [r.code for r in result.reasons] == ["length"]
    assert f"length is {len(value)}" in result.reason


def test_letters_are_reported_by_position() -> None:
    result = licence_check("11044030000123A", PHYSICIAN_LICENCE)
    [reason] = result.reasons
    assert reason.code == "characters" and "position 15" in reason.message
    assert "第15位" in reason.message_zh


def test_a_region_can_set_the_nurse_licence_length() -> None:
    assert licence_check("201044001234", NURSE_LICENCE).valid
    twelve_only = NURSE_LICENCE.with_lengths({12})
    assert licence_check("201044001234", twelve_only).valid
    assert not licence_check("2010440012345", twelve_only).valid


def test_a_configured_area_position_checks_the_province() -> None:
    physician = LicenceFormat(
        "physician-licence", "医师执业证书编码", "physician licence", frozenset({15}), area_at=3
    )
    valid = licence_check("110520103000123", physician)
    assert valid.valid and valid.area_code == "520103"
    invalid = licence_check("110990103000123", physician)
    assert [r.code for r in invalid.reasons] == ["area"]


def test_an_area_position_must_fit_in_the_number() -> None:
    with pytest.raises(ValueError):
        LicenceFormat("nurse-licence", "护士", "nurse", frozenset({8}), area_at=4)
