"""What clinicians type finds the concept: hanzi, full pinyin, initials, code prefix."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kangtong.core.pinyin import full_pinyin, initials
from kangtong.terminology.text_index import EXACT, PREFIX, SUBSTRING, TextIndex

CONCEPTS = [
    ("I10", ["原发性高血压"]),
    ("I11", ["高血压性心脏病"]),
    ("E11.9", ["2型糖尿病不伴有并发症"]),
    ("J18.9", ["肺炎", "Pneumonia, unspecified"]),
    ("I10.x00x002", ["高血压3级"]),
]
INDEX = TextIndex(CONCEPTS)


def codes(query: str) -> dict[str, int]:
    return {CONCEPTS[n][0]: rank for n, rank in INDEX.search(query).items()}


def test_initials_find_hypertension_as_clinicians_type_it() -> None:
    assert set(codes("gxy")) == {"I10", "I11", "I10.x00x002"}


def test_full_pinyin_with_spaces_and_capitals_finds_the_concept() -> None:
    assert "I10" in codes("Gao Xue Ya")


def test_hanzi_substring_finds_the_concept() -> None:
    assert set(codes("糖尿病")) == {"E11.9"}


def test_code_prefix_is_case_insensitive_and_exact_code_ranks_first() -> None:
    found = codes("i10")
    assert found["I10"] == EXACT
    assert found["I10.x00x002"] == PREFIX


def test_a_prefix_match_ranks_before_a_substring_match() -> None:
    found = codes("gxy")
    assert found["I11"] == PREFIX  # 高血压性心脏病 begins with gxy
    assert found["I10"] == SUBSTRING  # 原发性高血压 has it inside


def test_an_exact_display_is_an_exact_match() -> None:
    assert codes("肺炎")["J18.9"] == EXACT


def test_english_designations_are_searchable() -> None:
    assert "J18.9" in codes("pneumonia")


def test_a_single_letter_matches_prefixes_only() -> None:
    assert set(codes("f")) == {"J18.9"}  # feiyan; not every pinyin containing an f


def test_a_code_is_not_matched_in_the_middle() -> None:
    assert "I10.x00x002" not in codes("00x")


def test_nothing_is_found_for_an_unrelated_query() -> None:
    assert codes("zzz") == {}


HANZI = st.text(alphabet="高血压糖尿病肺炎心脏肾结石慢性急", min_size=2, max_size=8)


@settings(max_examples=60, deadline=None)
@given(st.lists(HANZI, min_size=1, max_size=20, unique=True), st.data())
def test_every_concept_is_found_by_its_display_pinyin_and_initials(
    displays: list[str], data: st.DataObject
) -> None:
    index = TextIndex([(f"C{i}", [d]) for i, d in enumerate(displays)])
    number = data.draw(st.integers(0, len(displays) - 1))
    display = displays[number]
    for query in (display, full_pinyin(display), initials(display)):
        assert index.search(query).get(number) == EXACT


@settings(max_examples=60, deadline=None)
@given(st.lists(HANZI, min_size=1, max_size=20, unique=True), HANZI)
def test_a_hanzi_query_finds_exactly_the_displays_containing_it(
    displays: list[str], query: str
) -> None:
    index = TextIndex([(f"C{i}", [d]) for i, d in enumerate(displays)])
    assert set(index.search(query)) == {n for n, d in enumerate(displays) if query in d}
