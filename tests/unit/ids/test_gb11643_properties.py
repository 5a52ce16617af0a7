"""GB 11643 properties: what the mod 11-2 check detects, legacy conversion, fast = explaining."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import example, given
from hypothesis import strategies as st

from kangtong.core.ids.citizen_id_fast import citizen_id_validator, is_valid_citizen_id
from kangtong.core.ids.gb11643 import (
    CHECK_CHARACTERS,
    WEIGHTS,
    citizen_id_check,
    make_citizen_id,
    to_legacy_15,
    upgrade_legacy_15,
)
from tests.unit.ids.strategies import (
    TODAY,
    areas,
    births,
    births_1900s,
    citizen_ids,
    mistyped_citizen_ids,
    sequences,
)

is_valid_today = citizen_id_validator(TODAY)


@given(areas, births, sequences)
def test_every_made_id_is_valid_with_its_area_birth_date_and_sex(
    area: str, birth: dt.date, sequence: int
) -> None:
    value = make_citizen_id(area, birth, sequence)
    result = citizen_id_check(value, today=TODAY)
    assert result.valid, result.reason
    assert (result.area_code, result.birth_date) == (area, birth)
    assert result.sex == ("male" if sequence % 2 else "female")
    assert is_valid_today(value) and is_valid_citizen_id(value)


@given(citizen_ids, st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_in_the_first_17_is_caught_by_the_check(
    valid: str, position: int, shift: int
) -> None:
    digit = str((int(valid[position]) + shift) % 10)
    typo = valid[:position] + digit + valid[position + 1 :]
    assert "check" in [r.code for r in citizen_id_check(typo).reasons]
    assert not is_valid_citizen_id(typo)


@given(areas, births_1900s, sequences)
def test_every_legacy_id_upgrades_to_a_valid_id_with_the_same_birth_date_and_sex(
    area: str, birth: dt.date, sequence: int
) -> None:
    legacy = to_legacy_15(make_citizen_id(area, birth, sequence))
    upgraded = upgrade_legacy_15(legacy)
    legacy_result, upgraded_result = citizen_id_check(legacy), citizen_id_check(upgraded)
    assert legacy_result.valid and upgraded_result.valid
    assert legacy_result.normalised == upgraded
    assert legacy_result.birth_date == upgraded_result.birth_date == birth
    assert legacy_result.sex == upgraded_result.sex
    assert is_valid_citizen_id(legacy)


@given(citizen_ids, st.integers(0, 16))
def test_swapping_two_adjacent_distinct_characters_is_detected(valid: str, position: int) -> None:
    first, second = valid[position], valid[position + 1]
    swapped = valid[:position] + second + first + valid[position + 2 :]
    assert (first == second) == citizen_id_check(swapped).valid
    assert (first == second) == is_valid_citizen_id(swapped)


def test_mod_11_2_detects_every_adjacent_transposition_at_every_position() -> None:
    """The claim of GB 11643 checked exhaustively on the weights, check character included.

    Swapping digits a≠b at positions i, i+1 changes the weighted sum by (a-b)(wᵢ-wᵢ₊₁); the check
    character counts with weight 1, and 11 is prime, so the sum never stays the same mod 11.
    """
    weights = (*WEIGHTS, 1)
    values = range(11)  # the check character may be X = 10
    for i, (a, b) in itertools.product(range(17), itertools.permutations(values, 2)):
        assert (a - b) * (weights[i] - weights[i + 1]) % 11 != 0, (i, a, b)


def test_the_check_character_satisfies_the_mod_11_2_equation() -> None:
    """Σ dᵢwᵢ + value(check) ≡ 1 (mod 11): the equation the transposition claim relies on."""
    for residue, character in enumerate(CHECK_CHARACTERS):
        assert (residue + (10 if character == "X" else int(character))) % 11 == 1


@given(
    st.one_of(
        mistyped_citizen_ids(),
        citizen_ids,
        st.text(alphabet="0123456789Xx", min_size=14, max_size=19),
        st.text(max_size=20),
    )
)
@example("１１０１０５１９４９１２３１００２Ｘ")  # full-width digits
@example("11010519491231002²")
@example("110105 49123100")
@example("11010519491231002x")  # a lower-case check character
@example("110105190002290025")  # 1900 is no leap year
@example("110105200002290021")  # 2000 is one
def test_the_fast_path_agrees_with_the_explaining_path(value: str) -> None:
    explained = citizen_id_check(value, today=TODAY)
    assert is_valid_today(value) == explained.valid, explained.reason


@given(citizen_ids)
def test_the_fast_path_rejects_birth_dates_after_its_today(valid: str) -> None:
    birth = dt.date(int(valid[6:10]), int(valid[10:12]), int(valid[12:14]))
    assert citizen_id_validator(birth)(valid)
    assert not citizen_id_validator(birth - dt.timedelta(days=1))(valid)


@given(citizen_ids)
def test_the_fast_path_with_known_areas_agrees_with_the_explaining_path(valid: str) -> None:
    known = {"110101", "520103"}
    expected = citizen_id_check(valid, known_areas=known).valid
    assert citizen_id_validator(known_areas=known)(valid) == expected == (valid[:6] in known)
