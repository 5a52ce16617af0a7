"""The fast text matcher answers exactly what a plain concept-by-concept matcher answers.

The reference below is the rule of docs/terminology.md written the slow, obvious way: each
concept's forms are computed one name at a time (`text_forms`), ranked, and everything sorted.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from kangtong.core.pinyin import has_hanzi
from kangtong.terminology.gram_index import SEP, GramIndex
from kangtong.terminology.pinyin_forms import FormMaker, normalise, text_forms
from kangtong.terminology.ranking import Restriction
from kangtong.terminology.text_index import EXACT, PREFIX, SUBSTRING, TextIndex

Entry = tuple[str, list[str]]


def reference_rank(entry: Entry, query: str) -> int | None:
    """The rank of one concept for `query`, or None when it does not match."""
    code, texts = entry
    needle = normalise(query)
    if not needle:
        return None
    latin: list[str] = []
    other: list[str] = []
    for text in texts:
        found_latin, found_other = text_forms(text)
        latin += found_latin
        other += found_other
    ranks = []
    for form in latin + other:
        if form == needle:
            ranks.append(EXACT)
        elif form.startswith(needle):
            ranks.append(PREFIX)
    code_query = "".join(query.split()).upper()
    code_query = "".join(c for c in code_query if ord(c) >= 0x20)
    if code_query and not has_hanzi(code_query):
        if code.upper() == code_query:
            ranks.append(EXACT)
        elif code.upper().startswith(code_query):
            ranks.append(PREFIX)
    searched = latin if needle.isascii() else other
    if len(needle) > 1 and any(needle in form for form in searched):
        ranks.append(SUBSTRING)
    return min(ranks, default=None)


def reference_answers(entries: Sequence[Entry], query: str) -> list[tuple[int, int]]:
    """(rank, concept number) best first: rank, then shorter display, then code."""
    found = []
    for number, entry in enumerate(entries):
        rank = reference_rank(entry, query)
        if rank is not None:
            found.append((rank, len(entry[1][0]), entry[0], number))
    return [(rank, number) for rank, _, _, number in sorted(found)]


NAMES = st.text(
    alphabet="高血压糖尿病肺炎心脏慢性急结石型伴有并发症重庆 2ⅡAb-（）〇", min_size=1, max_size=10
)
CODES = st.from_regex(r"[A-E][0-9]{2}(\.[0-9x]{1,3})?", fullmatch=True)
ENTRIES = st.lists(st.tuples(CODES, st.lists(NAMES, min_size=1, max_size=2)), max_size=25)


def queries_for(entries: Sequence[Entry]) -> st.SearchStrategy[str]:
    """Pieces of the concepts' own forms and codes (so that queries do match), or any text."""
    pieces = [code for code, _ in entries]
    for _, texts in entries:
        for text in texts:
            latin, other = text_forms(text)
            pieces.extend(latin + other)
    own = (
        st.sampled_from(pieces).flatmap(
            lambda piece: st.tuples(st.integers(0, max(len(piece) - 1, 0)), st.integers(1, 6)).map(
                lambda cut: piece[cut[0] : cut[0] + cut[1]]
            )
        )
        if pieces
        else st.nothing()
    )
    return st.one_of(own, NAMES, st.text(alphabet="gxyjmabe12 ", max_size=4))


@settings(max_examples=150, deadline=None)
@given(ENTRIES, st.data())
def test_the_fast_matcher_gives_the_reference_answers_in_order(
    entries: list[Entry], data: st.DataObject
) -> None:
    index = TextIndex(entries)
    query = data.draw(queries_for(entries))
    expected = reference_answers(entries, query)
    ranking = index.ranked(query)
    assert len(ranking) == len(expected)
    assert ranking.page(0, len(ranking)) == expected
    start = data.draw(st.integers(0, len(expected) + 1))
    assert ranking.page(start, start + 3) == expected[start : start + 3]


@settings(max_examples=100, deadline=None)
@given(ENTRIES, st.data())
def test_allowed_and_denied_concepts_are_counted_and_paged_like_a_filtered_list(
    entries: list[Entry], data: st.DataObject
) -> None:
    index = TextIndex(entries)
    query = data.draw(queries_for(entries))
    numbers = range(len(entries))
    allowed = data.draw(st.none() | st.sets(st.sampled_from(numbers)) if entries else st.none())
    denied = data.draw(st.sets(st.sampled_from(numbers)) if entries else st.just(set()))
    expected = [
        (rank, n)
        for rank, n in reference_answers(entries, query)
        if (allowed is None or n in allowed) and n not in denied
    ]
    restriction = Restriction(
        None if allowed is None else {index.places[n] for n in allowed},
        frozenset(index.places[n] for n in denied),
    )
    ranking = index.ranked(query, restriction)
    assert len(ranking) == len(expected)
    assert ranking.page(0, len(ranking)) == expected
    start = data.draw(st.integers(0, len(expected)))
    assert ranking.page(start, start + 2) == expected[start : start + 2]


def test_a_two_letter_filter_is_read_from_one_posting_list_in_answer_order() -> None:
    entries = [
        (f"C{i}", [name]) for i, name in enumerate(["急性胃炎", "慢性胃炎", "急性心肌梗死", "肺炎"])
    ]
    ranking = TextIndex(entries).ranked("jx")
    assert [n for _, n in ranking.page(0, 10)] == [0, 2]  # 急性胃炎 (4) before 急性心肌梗死 (6)


def test_a_latin_query_finds_a_latin_led_name_without_hanzi_by_its_start() -> None:
    index = TextIndex([("R1", ["Rh（D）阳性"]), ("R2", ["Rh（D）"])])
    assert index.search("rh（d）") == {1: EXACT, 0: PREFIX}
    assert index.search("rh") == {0: PREFIX, 1: PREFIX}


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="高血压重庆长沙行银2型ⅡAb -（）〇㐀、,", max_size=12))
def test_forms_worked_out_per_phrase_equal_forms_of_the_whole_name(text: str) -> None:
    assert FormMaker().forms(text) == text_forms(text)


def test_forms_of_heteronyms_follow_the_phrase_they_are_in() -> None:
    maker = FormMaker()
    assert maker.forms("重庆市") == text_forms("重庆市")
    assert maker.forms("重度贫血")[0][0].startswith("zhongdu")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.text(alphabet="abcxy", min_size=1, max_size=6), max_size=3)), st.data())
def test_the_gram_index_finds_exactly_the_forms_containing_a_string(
    forms: list[list[str]], data: st.DataObject
) -> None:
    index = GramIndex(forms)
    text = data.draw(st.text(alphabet="abcxy", min_size=1, max_size=5))
    for query in (text, SEP + text):
        expected = [
            place
            for place, own in enumerate(forms)
            if any((SEP + form).find(query) >= 0 for form in own)
        ]
        if len(query) > 1:
            assert index.containing(query) == expected
