"""Pinyin forms of Chinese text (拼音), so people can find 高血压 by typing "gxy" or "gaoxueya".

Clinicians and registry clerks type pinyin or its initials far more often than hanzi on a
keyboard without an IME. Every module that searches Chinese names (terminology `$expand`,
registries, string search parameters, the master index) uses these helpers so that "what
matches" is the same everywhere.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from kangtong.core.memo import cache_short_texts

_HANZI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _pypinyin() -> Any:
    """pypinyin, imported on first use: loading its phrase dictionary takes most of a second."""
    import pypinyin

    return pypinyin


def has_hanzi(text: str) -> bool:
    """True when `text` contains at least one CJK ideograph."""
    return _HANZI.search(text) is not None


@cache_short_texts(maxsize=65536)
def syllables(text: str) -> tuple[str, ...]:
    """Toneless pinyin syllables of `text`; runs of other characters are kept as lowercase words.

    Phrase-aware (pypinyin's phrase dictionary), so 重庆 gives ("chong", "qing").
    """
    lib = _pypinyin()
    parts = lib.lazy_pinyin(text, style=lib.Style.NORMAL, errors="default", v_to_u=False)
    words: list[str] = []
    for part in parts:
        words.extend(word for word in _SPACE.split(part.lower()) if word)
    return tuple(words)


def full_pinyin(text: str) -> str:
    """Toneless pinyin run together: 高血压 → "gaoxueya" (other characters kept, lowercased)."""
    return "".join(syllables(text))


@cache_short_texts(maxsize=65536)
def initials(text: str) -> str:
    """First letters of each hanzi's pinyin: 高血压 → "gxy". Non-hanzi words keep their letters.

    Non-hanzi runs (digits, Latin codes) are kept whole so "2型糖尿病" gives "2xtnb".
    """
    if not has_hanzi(text):
        return text.lower()
    lib = _pypinyin()
    parts = lib.lazy_pinyin(text, style=lib.Style.FIRST_LETTER, errors="default")
    return "".join(_SPACE.sub("", part.lower()) for part in parts)


def search_forms(text: str) -> tuple[str, ...]:
    """The forms under which `text` should be findable: itself, full pinyin, pinyin initials.

    For text without hanzi only the text itself is returned.
    """
    if not has_hanzi(text):
        return (text,)
    forms = [text, full_pinyin(text), initials(text)]
    return tuple(dict.fromkeys(form for form in forms if form))


def matches(query: str, text: str) -> bool:
    """Does `query` (hanzi, pinyin or initials, any case) occur in `text` or its pinyin forms?"""
    needle = _SPACE.sub("", query.lower())
    if not needle:
        return True
    return any(needle in _SPACE.sub("", form.lower()) for form in search_forms(text))
