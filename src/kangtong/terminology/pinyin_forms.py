"""The searchable forms of many names at once, each pypinyin phrase converted only once.

pypinyin converts a text by cutting it into segments (runs of hanzi cut again by its phrase
dictionary, runs of other characters) and converting each segment on its own, so the pinyin of
a name is the pinyin of its segments laid end to end. ICD-10 names share most of their phrases
(慢性, 恶性肿瘤, 伴有并发症), so converting each distinct segment once — through the lru caches of
`core.pinyin` — makes indexing 30,000 names several times faster than converting each name whole.
A segment that pypinyin would cut differently on its own, or that `core.pinyin` and pypinyin
disagree is hanzi, makes the whole name be converted whole, exactly as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kangtong.core.pinyin import full_pinyin, has_hanzi, initials

_UNSEARCHABLE = re.compile(r"[\s\x00-\x1f]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")  # （ 、 left in pinyin would make the haystack wide


def normalise(text: str) -> str:
    """Lowercase, without whitespace or control characters: "Gao Xue Ya" → "gaoxueya"."""
    return _UNSEARCHABLE.sub("", text.lower())


def text_forms(text: str) -> tuple[list[str], list[str]]:
    """(Latin forms, other forms) under which `text` is findable: itself, and for hanzi its
    full pinyin and initials (ASCII only: punctuation such as （ is dropped from them).

    The reference definition; `FormMaker` gives the same answer faster for many names.
    """
    own = normalise(text)
    if not has_hanzi(text):
        return ([own], []) if own.isascii() else ([], [own])
    return _latin(full_pinyin(text), initials(text)), [own] if own else []


def _latin(full: str, first_letters: str) -> list[str]:
    latin = [_NON_ASCII.sub("", normalise(form)) for form in (full, first_letters)]
    return [f for f in dict.fromkeys(latin) if f]


class FormMaker:
    """`text_forms` for the names of one index build, with pinyin worked out per segment.

    Lives for one build (no global state beyond `core.pinyin`'s caches): a name seen twice
    is converted once, and so is a segment shared by many names.
    """

    def __init__(self) -> None:
        from pypinyin.constants import RE_HANS
        from pypinyin.seg.simpleseg import seg

        self._cut: Callable[[str], list[str]] = seg
        self._pypinyin_hanzi: re.Pattern[Any] = RE_HANS
        self._names: dict[str, tuple[list[str], list[str]]] = {}
        self._segments: dict[str, tuple[str, str] | None] = {}

    def forms(self, text: str) -> tuple[list[str], list[str]]:
        found = self._names.get(text)
        if found is None:
            found = self._names[text] = self._forms(text)
        return found

    def _forms(self, text: str) -> tuple[list[str], list[str]]:
        if not has_hanzi(text):
            return text_forms(text)
        parts = [self._segment(piece) for piece in self._cut(text)]
        if any(part is None for part in parts):
            return text_forms(text)
        full = "".join(part[0] for part in parts if part is not None)
        first_letters = "".join(part[1] for part in parts if part is not None)
        own = normalise(text)
        return [f for f in dict.fromkeys((full, first_letters)) if f], [own] if own else []

    def _segment(self, piece: str) -> tuple[str, str] | None:
        """(full pinyin, initials) of one segment, normalised and ASCII only; None when the
        segment cannot stand for itself (pypinyin would cut it again, or hanzi-ness differs)."""
        if piece in self._segments:
            return self._segments[piece]
        stands_alone = self._cut(piece) == [piece] and (
            has_hanzi(piece) or not self._pypinyin_hanzi.search(piece)
        )
        found = None
        if stands_alone:
            found = (
                _NON_ASCII.sub("", normalise(full_pinyin(piece))),
                _NON_ASCII.sub("", normalise(initials(piece))),
            )
        self._segments[piece] = found
        return found
