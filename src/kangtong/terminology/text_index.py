"""Finding concepts by what clinicians type: hanzi, full pinyin, pinyin initials, or a code prefix.

"gxy", "gaoxueya", "高血压" and "I10" all find 原发性高血压. The index is built once per
CodeSystem version. Exact and prefix matches come from bisecting the sorted forms; substring
matches from `str.find` over every form laid end to end (C speed), so a query over 30,000
concepts costs a few milliseconds rather than a Python loop over every concept's forms.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from kangtong.core.pinyin import full_pinyin, has_hanzi, initials

SEP = "\x01"
_UNSEARCHABLE = re.compile(r"[\s\x00-\x1f]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")  # （ 、 left in pinyin would make the haystack wide

# How well a concept matched; lower is better (ranked first).
EXACT, PREFIX, SUBSTRING = 0, 1, 2


def normalise(text: str) -> str:
    """Lowercase, without whitespace or control characters: "Gao Xue Ya" → "gaoxueya"."""
    return _UNSEARCHABLE.sub("", text.lower())


def text_forms(text: str) -> tuple[list[str], list[str]]:
    """(Latin forms, other forms) under which `text` is findable: itself, and for hanzi its
    full pinyin and initials (ASCII only: punctuation such as （ is dropped from them)."""
    own = normalise(text)
    if not has_hanzi(text):
        return ([own], []) if own.isascii() else ([], [own])
    latin = [_NON_ASCII.sub("", normalise(form)) for form in (full_pinyin(text), initials(text))]
    return [f for f in dict.fromkeys(latin) if f], [own] if own else []


class Haystack:
    """The forms of every concept laid end to end, for `str.find` at C speed.

    Pinyin and hanzi forms go into separate haystacks: a Latin needle never needs to scan
    hanzi, and an all-ASCII string is scanned a byte per character.
    """

    DENSE = 300  # past this many matches, a per-concept `in` test is the cheaper scan

    def __init__(self, per_concept: list[str]) -> None:
        self.items = per_concept
        self.starts: list[int] = []
        offset = 0
        for item in per_concept:
            self.starts.append(offset)
            offset += len(item)
        self.text = "".join(per_concept)

    def concepts_with(self, needle: str) -> list[int]:
        """Numbers of the concepts one of whose forms contains `needle`.

        One `find` per matching concept; once a needle proves common, the rest of the concepts
        are tested with `in` instead (cheaper per concept than a find, bisect and append).
        """
        text, starts, items = self.text, self.starts, self.items
        found: list[int] = []
        position = text.find(needle)
        while position != -1:
            number = bisect_right(starts, position) - 1
            found.append(number)
            if number + 1 == len(items):
                break
            if len(found) > self.DENSE:
                rest = range(number + 1, len(items))
                return found + [n for n in rest if needle in items[n]]
            position = text.find(needle, starts[number + 1])
        return found


class TextIndex:
    """Text and code-prefix search over the concepts of one code system.

    `entries[i]` is (code, texts) of concept number i; texts are the display and designations.
    """

    def __init__(self, entries: Sequence[tuple[str, Sequence[str]]]) -> None:
        latin: list[str] = []
        other: list[str] = []
        sorted_forms: list[tuple[str, int]] = []
        for number, (_code, texts) in enumerate(entries):
            latin_forms: list[str] = []
            other_forms: list[str] = []
            for text in texts:
                found_latin, found_other = text_forms(text)
                latin_forms += found_latin
                other_forms += found_other
            latin.append(SEP + SEP.join(latin_forms) + SEP)
            other.append(SEP + SEP.join(other_forms) + SEP)
            forms = dict.fromkeys(latin_forms + other_forms)
            sorted_forms.extend((form, number) for form in forms)
        self._latin = Haystack(latin)
        self._other = Haystack(other)
        sorted_forms.sort()
        self._forms = [form for form, _ in sorted_forms]
        self._form_owner = [number for _, number in sorted_forms]
        codes = sorted((code.upper(), number) for number, (code, _) in enumerate(entries))
        self._codes = [code for code, _ in codes]
        self._code_owner = [number for _, number in codes]

    def search(self, query: str) -> dict[int, int]:
        """Concept number → match rank (EXACT, PREFIX, SUBSTRING) of every concept `query` finds.

        A single character matches prefixes only: "g" or "病" as a substring would match most
        of a large code system and tell the user nothing.
        """
        needle = normalise(query)
        if not needle:
            return {}
        found = self._prefix_matches(needle)
        for number, rank in self._code_matches(query).items():
            if rank < found.get(number, SUBSTRING + 1):
                found[number] = rank
        if len(needle) > 1:
            haystack = self._latin if needle.isascii() else self._other
            for number in haystack.concepts_with(needle):
                found.setdefault(number, SUBSTRING)
        return found

    def _code_matches(self, query: str) -> dict[int, int]:
        code = _UNSEARCHABLE.sub("", query).upper()
        if not code or has_hanzi(code):
            return {}
        low = bisect_left(self._codes, code)
        high = bisect_right(self._codes, code + "\U0010ffff")
        return {
            self._code_owner[i]: EXACT if self._codes[i] == code else PREFIX
            for i in range(low, high)
        }

    def _prefix_matches(self, needle: str) -> dict[int, int]:
        """Exact and prefix matches of any form, found by bisecting the sorted forms."""
        low = bisect_left(self._forms, needle)
        high = bisect_right(self._forms, needle + "\U0010ffff")
        found: dict[int, int] = {}
        owners, forms = self._form_owner, self._forms
        for i in range(low, high):
            number = owners[i]
            if forms[i] == needle:
                found[number] = EXACT
            else:
                found.setdefault(number, PREFIX)
        return found
