"""FHIR search escaping (R4 §3.1.1.5.7): `\\,` `\\|` `\\$` `\\\\` stand for themselves."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kangtong.fhir.search.params.escape import split_raw, split_unescaped

SPECIAL = ",|$\\"
parts_text = st.text(alphabet=st.sampled_from([*SPECIAL, "a", "王", " ", "-", ":"]), max_size=8)


def escape(part: str) -> str:
    return "".join("\\" + ch if ch in SPECIAL else ch for ch in part)


@given(st.lists(parts_text, min_size=1, max_size=5), st.sampled_from(",|$"))
def test_escaped_parts_split_back_into_the_parts(parts: list[str], separator: str) -> None:
    joined = separator.join(escape(p) for p in parts)
    assert split_unescaped(joined, separator) == parts


@given(st.lists(parts_text, min_size=1, max_size=5), st.sampled_from(",|$"))
def test_a_raw_split_keeps_escapes_for_the_inner_split(parts: list[str], separator: str) -> None:
    joined = separator.join(escape(p) for p in parts)
    raw = split_raw(joined, separator)
    assert raw == [escape(p) for p in parts]
    assert [split_unescaped(r, separator)[0] for r in raw] == parts


@given(
    st.lists(st.lists(parts_text, min_size=1, max_size=3), min_size=1, max_size=3),
)
def test_or_values_of_tokens_survive_two_levels_of_splitting(values: list[list[str]]) -> None:
    # `a\,b|c,d` is OR of two tokens; each token then splits on `|`.
    query = ",".join("|".join(escape(p) for p in token) for token in values)
    assert [split_unescaped(v, "|") for v in split_raw(query, ",")] == values


@given(st.text(alphabet=st.characters(exclude_characters=SPECIAL), max_size=20))
def test_text_without_special_characters_is_one_part(text: str) -> None:
    assert split_unescaped(text, ",") == [text]
    assert split_raw(text, ",") == [text]


def test_a_backslash_before_an_ordinary_character_is_kept() -> None:
    assert split_unescaped("a\\b", ",") == ["a\\b"]
    assert split_unescaped("trailing\\", ",") == ["trailing\\"]
