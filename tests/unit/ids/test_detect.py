"""Telling the kind of an identifier typed at a prompt."""

from __future__ import annotations

import datetime as dt

from hypothesis import given

from kangtong.core.ids.detect import candidate_kinds, check_identifier
from kangtong.core.ids.gb11643 import make_citizen_id
from tests.unit.ids.strategies import citizen_ids, credit_codes


@given(citizen_ids)
def test_a_valid_citizen_id_is_detected_as_one(value: str) -> None:
    verdict = check_identifier(value)
    assert verdict.kind == "citizen-id" and verdict.valid


@given(credit_codes)
def test_a_valid_credit_code_is_detected_as_one(value: str) -> None:
    verdict = check_identifier(value)
    assert verdict.valid
    assert verdict.kind == "credit-code" or (
        verdict.kind == "citizen-id" and "credit-code" in verdict.also_valid_as
    )


def test_a_valid_legacy_id_is_a_citizen_id_that_also_fits_licence_formats() -> None:
    verdict = check_identifier("110105491231002")
    assert verdict.kind == "citizen-id" and verdict.valid
    assert verdict.also_valid_as == ("physician-licence", "nurse-licence")


def test_15_digits_that_are_no_citizen_id_are_a_physician_licence() -> None:
    verdict = check_identifier("110440300001234")  # 1904-40-30 is no birth date
    assert verdict.kind == "physician-licence" and verdict.valid
    assert verdict.tried == ("citizen-id", "physician-licence", "nurse-licence")


def test_an_18_digit_typo_is_explained_as_a_citizen_id() -> None:
    verdict = check_identifier("110105194912310021")
    assert verdict.kind == "citizen-id" and not verdict.valid
    assert [r.code for r in verdict.check.reasons] == ["check"]


def test_a_value_with_letters_is_explained_as_a_credit_code() -> None:
    verdict = check_identifier("91350100M000100Y44")
    assert verdict.kind == "credit-code" and not verdict.valid
    assert candidate_kinds("91350100M000100Y4") == ("credit-code",)


def test_a_value_fitting_nothing_is_explained_as_a_citizen_id_of_the_wrong_length() -> None:
    verdict = check_identifier("12345")
    assert verdict.kind == "citizen-id"
    assert [r.code for r in verdict.check.reasons] == ["length"]


def test_an_explicit_kind_is_used_even_when_another_would_accept_the_value() -> None:
    verdict = check_identifier("110105491231002", kind="physician-licence")
    assert verdict.kind == "physician-licence" and verdict.tried == ("physician-licence",)


def test_today_is_passed_to_the_citizen_id_check() -> None:
    future = make_citizen_id("520103", dt.date(2030, 1, 1), 11)
    assert not check_identifier(future, today=dt.date(2025, 1, 1)).valid
