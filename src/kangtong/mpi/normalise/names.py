"""姓名规范化 — a person's name in the forms the comparators need.

Hanzi names are simplified (OpenCC t2s, so 張偉 is 张伟), split into family and given name, and
read in pinyin with and without tones; every reading of a polyphonic character is kept (乐 le/yue)
so a clerk's homophone or a pinyin spelling still meets the hanzi. Pinyin-written names are
folded to plain letters and kept in both orders (see `pinyin_names`).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass

import opencc
from pypinyin import Style, pinyin

from kangtong.core.pinyin import has_hanzi
from kangtong.mpi.normalise.pinyin_names import fold_latin, is_latin_name, parse_pinyin_name
from kangtong.mpi.normalise.surnames import SURNAME_READINGS, split_hanzi_name

_NOT_NAME = re.compile(r"[\s·•・.\-_'\"()（）0-9]+")
MAX_READINGS = 16


@dataclass(frozen=True, slots=True)
class NameForms:
    """A normalised name. `readings` are toneless pinyin strings (letters run together)."""

    text: str  # simplified hanzi, or the family-first pinyin letters of a pinyin-written name
    is_pinyin: bool
    family: str
    given: str
    key: str  # the main toneless reading, family first: blocking and term frequency
    family_key: str  # the family name's toneless pinyin ("" when unknown)
    readings: frozenset[str]
    syllables: tuple[str, ...]  # the main toneless reading of each character (hanzi only)
    toned: str  # the main reading with tone numbers (hanzi only): homophone vs different tone
    initials: str
    traditional: bool  # written in traditional characters before simplification


class NameNormaliser:
    """Builds `NameForms`; holds the OpenCC converter and per-character reading caches."""

    def __init__(self) -> None:
        self._t2s = opencc.OpenCC("t2s")
        self._char_readings: dict[str, tuple[str, ...]] = {}
        self._char_toned: dict[str, str] = {}
        self._cache: dict[str, NameForms | None] = {}
        self.surname_syllables = frozenset(
            self._readings_of(c)[0] for c in "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
        ) | frozenset(SURNAME_READINGS.values())

    def normalise(self, raw: str) -> NameForms | None:
        """The forms of `raw`, or None when nothing name-like is left."""
        cached = self._cache.get(raw)
        if cached is None and raw not in self._cache:
            cached = self._cache[raw] = self._normalise(raw)
        return cached

    def _normalise(self, raw: str) -> NameForms | None:
        text = unicodedata.normalize("NFKC", raw).strip()
        if not text:
            return None
        if has_hanzi(text):
            return self._hanzi(text)
        if is_latin_name(text):
            return self._latin(text)
        return None

    def _hanzi(self, text: str) -> NameForms | None:
        cleaned = "".join(c for c in _NOT_NAME.sub("", text) if has_hanzi(c))
        if not cleaned:
            return None
        simplified = self._t2s.convert(cleaned)
        family, given = split_hanzi_name(simplified)
        per_char = [self._readings_of(c) for c in simplified]
        main = [r[0] for r in per_char]
        toned = [self._toned_of(c) for c in simplified]
        if family and len(family) == 1 and family in SURNAME_READINGS:
            main[0] = SURNAME_READINGS[family]
            per_char[0] = (main[0], *per_char[0])
        readings = {"".join(main)}
        for combo in itertools.islice(itertools.product(*per_char), MAX_READINGS):
            readings.add("".join(combo))
        return NameForms(
            text=simplified,
            is_pinyin=False,
            family=family,
            given=given,
            key="".join(main),
            family_key="".join(main[: len(family)]),
            readings=frozenset(readings),
            syllables=tuple(main),
            toned=" ".join(toned),
            initials="".join(r[0] for r in main if r),
            traditional=simplified != cleaned,
        )

    def _latin(self, text: str) -> NameForms | None:
        parsed = parse_pinyin_name(text, self.surname_syllables)
        if not parsed.readings:
            return None
        return NameForms(
            text=parsed.family_first,
            is_pinyin=True,
            family=parsed.family,
            given=parsed.given,
            key=parsed.family_first,
            family_key=parsed.family,
            readings=frozenset(parsed.readings),
            syllables=(),
            toned="",
            initials="",
            traditional=False,
        )

    def _readings_of(self, char: str) -> tuple[str, ...]:
        found = self._char_readings.get(char)
        if found is None:
            options = pinyin(char, style=Style.NORMAL, heteronym=True, errors="default")[0]
            found = tuple(dict.fromkeys(fold_latin(o) for o in options if o)) or (char,)
            self._char_readings[char] = found
        return found

    def _toned_of(self, char: str) -> str:
        found = self._char_toned.get(char)
        if found is None:
            found = self._char_toned[char] = pinyin(char, style=Style.TONE3)[0][0]
        return found
