"""Traditional and simplified characters (繁简): one search form for both scripts.

Hospitals in Hong Kong and Macao, older records and some IMEs write 歐陽明輝 for 欧阳明辉. Search
looks names up by their simplified form, written and asked alike, so either script finds the
other. OpenCC's `t2s` dictionaries do the conversion (the same ones the master index uses).
A character with two simplified meanings (於 → 于) makes both names findable by either: a
search finds a little more, never less.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from kangtong.core.memo import cache_short_texts
from kangtong.core.pinyin import has_hanzi


@lru_cache(maxsize=1)
def _converter() -> Any:
    """OpenCC's traditional→simplified converter, loaded on first use."""
    import opencc

    return opencc.OpenCC("t2s")


@cache_short_texts(maxsize=65536)
def simplified(text: str) -> str:
    """`text` with traditional characters in their simplified form; other text unchanged."""
    if not has_hanzi(text):
        return text
    return str(_converter().convert(text))
