"""Finding concepts by what clinicians type: hanzi, full pinyin, pinyin initials, or a code prefix.

"gxy", "gaoxueya", "高血压" and "I10" all find 原发性高血压. The index is built once per
CodeSystem version, with the concepts laid out in answer order (*places*: shorter displays
first). A query becomes three nested sets of places — exact, prefix-or-exact, any match — read
from n-gram postings (`gram_index`), so the total is counted and the first page found without
Python work per match: a two-letter filter matching 7,000 of 30,000 concepts costs microseconds.

What matches (`search` gives it concept by concept):
- a form of the concept (display or designation, its full pinyin and initials, see
  `pinyin_forms`) equal to the query → EXACT, starting with it → PREFIX;
- a form containing the query → SUBSTRING (queries of two characters or more; Latin queries
  look in the Latin forms, others in the others);
- the code equal to the query → EXACT, starting with it → PREFIX (case-insensitive).
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from itertools import filterfalse

from kangtong.core.pinyin import has_hanzi
from kangtong.terminology.gram_index import SEP, GramIndex
from kangtong.terminology.pinyin_forms import FormMaker, normalise
from kangtong.terminology.ranking import UNRESTRICTED, Bucket, Buckets, Restriction

__all__ = ["EXACT", "PREFIX", "SUBSTRING", "TextIndex", "normalise"]

_UNSEARCHABLE = re.compile(r"[\s\x00-\x1f]+")
_LAST = "\U0010ffff"

# How well a concept matched; lower is better (ranked first).
EXACT, PREFIX, SUBSTRING = 0, 1, 2


class TextIndex:
    """Text and code-prefix search over the concepts of one code system.

    `entries[i]` is (code, texts) of concept number i; texts are the display (first) and
    designations. `numbers[place]` is the concept at a place, `places[number]` its place.
    """

    def __init__(self, entries: Sequence[tuple[str, Sequence[str]]]) -> None:
        self.numbers = sorted(range(len(entries)), key=lambda n: _answer_order(entries[n]))
        self.places = [0] * len(entries)
        for place, number in enumerate(self.numbers):
            self.places[number] = place
        maker = FormMaker()
        latin: list[list[str]] = []
        other: list[list[str]] = []
        self._exact: dict[str, list[int]] = {}
        ascii_led: list[tuple[str, int]] = []  # other forms a Latin query can start: "rh（d）"
        for place, number in enumerate(self.numbers):
            latin_forms: list[str] = []
            other_forms: list[str] = []
            for text in entries[number][1]:
                found_latin, found_other = maker.forms(text)
                latin_forms += found_latin
                other_forms += found_other
            latin.append(list(dict.fromkeys(latin_forms)))
            other.append(list(dict.fromkeys(other_forms)))
            for form in dict.fromkeys(latin_forms + other_forms):
                self._exact.setdefault(form, []).append(place)
            ascii_led.extend((form, place) for form in other[-1] if form[0].isascii())
        self._latin, self._other = GramIndex(latin, triples=True), GramIndex(other)
        ascii_led.sort()
        self._ascii_led = [form for form, _ in ascii_led]
        self._ascii_led_place = [place for _, place in ascii_led]
        codes = sorted((code.upper(), self.places[n]) for n, (code, _) in enumerate(entries))
        self._codes = [code for code, _ in codes]
        self._code_place = [place for _, place in codes]

    def ranked(self, query: str, restriction: Restriction = UNRESTRICTED) -> Buckets:
        """The concepts `query` finds, best first: exact, then prefix, then inside matches,
        each in place order. `restriction` is in places.

        A single character matches prefixes only: "g" or "病" as a substring would match most
        of a large code system and tell the user nothing.
        """
        needle = normalise(query)
        if not needle:
            return Buckets([], self.numbers, restriction)
        group = self._latin if needle.isascii() else self._other
        prefixed = group.containing(SEP + needle)  # holds every exact form match too
        anywhere = group.containing(needle) if len(needle) > 1 else prefixed
        code_exact, code_prefix = self._code_matches(query)
        exact = set(self._exact.get(needle, ())) | code_exact
        extra = (code_prefix | self._ascii_led_matches(needle)) - exact
        if extra or code_exact:
            return self._with_extras(exact, prefixed, anywhere, extra, restriction)
        return Buckets(
            [
                Bucket(EXACT, restriction.count(exact), lambda: sorted(exact)),
                Bucket(
                    PREFIX,
                    restriction.count(prefixed) - restriction.count(exact),
                    lambda: filterfalse(exact.__contains__, prefixed),
                ),
                _inside(anywhere, prefixed, restriction),
            ],
            self.numbers,
            restriction,
        )

    def _with_extras(
        self,
        exact: set[int],
        prefixed: list[int],
        anywhere: list[int],
        extra: set[int],
        restriction: Restriction,
    ) -> Buckets:
        """Code matches and Latin-led other forms joined to the form matches (set work in C;
        there are few of them, or the query is a code prefix)."""
        claimed = set(prefixed) | exact | extra  # every prefix-or-better match
        beyond = sorted(claimed.difference(prefixed, exact))  # prefix matches outside `prefixed`
        return Buckets(
            [
                Bucket(EXACT, restriction.count(exact), lambda: sorted(exact)),
                Bucket(
                    PREFIX,
                    restriction.count(claimed) - restriction.count(exact),
                    lambda: heapq.merge(filterfalse(exact.__contains__, prefixed), beyond),
                ),
                Bucket(
                    SUBSTRING,
                    restriction.count(set(anywhere).difference(claimed)),
                    lambda: filterfalse(claimed.__contains__, anywhere),
                ),
            ],
            self.numbers,
            restriction,
        )

    def search(self, query: str) -> dict[int, int]:
        """Concept number → match rank of every concept `query` finds (for small sets and tests;
        expansions page through `ranked`)."""
        ranking = self.ranked(query)
        return {number: rank for rank, number in ranking.page(0, len(ranking))}

    def _code_matches(self, query: str) -> tuple[set[int], set[int]]:
        """(places whose code is the query, places whose code starts with it)."""
        code = _UNSEARCHABLE.sub("", query).upper()
        if not code or has_hanzi(code):
            return set(), set()
        low = bisect_left(self._codes, code)
        high = bisect_right(self._codes, code + _LAST)
        exact_end = bisect_right(self._codes, code, low, high)
        return set(self._code_place[low:exact_end]), set(self._code_place[exact_end:high])

    def _ascii_led_matches(self, needle: str) -> set[int]:
        if not needle.isascii():
            return set()
        low = bisect_left(self._ascii_led, needle)
        high = bisect_right(self._ascii_led, needle + _LAST)
        return set(self._ascii_led_place[low:high])


def _inside(anywhere: list[int], prefixed: list[int], restriction: Restriction) -> Bucket:
    """Matches inside a form only; `prefixed` ⊆ `anywhere`, so the count is a difference."""
    size = restriction.count(anywhere) - restriction.count(prefixed)

    def places() -> Iterable[int]:
        if not prefixed:
            return anywhere
        return filterfalse(set(prefixed).__contains__, anywhere)

    return Bucket(SUBSTRING, size, places)


def _answer_order(entry: tuple[str, Sequence[str]]) -> tuple[int, str]:
    """Within one match rank, shorter displays first: 高血压 before 高血压性心脏病."""
    code, texts = entry
    return (len(texts[0]) if texts else 0, code)
