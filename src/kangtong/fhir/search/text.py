"""Folding of strings for search: case, accents and full-width forms do not matter."""

from __future__ import annotations

import unicodedata

MAX_KEY_LENGTH = 255


def fold(value: str) -> str:
    """Search form of a string: NFKC (full-width → half-width), case-folded, accents removed.

    Hanzi are unchanged; pinyin-aware matching belongs to the terminology and MPI modules.
    """
    normalised = unicodedata.normalize("NFKC", value).casefold()
    if not normalised.isascii():
        decomposed = unicodedata.normalize("NFD", normalised)
        normalised = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        normalised = unicodedata.normalize("NFC", normalised)
    return " ".join(normalised.split())[:MAX_KEY_LENGTH]


def clip(value: str | None, length: int = MAX_KEY_LENGTH) -> str | None:
    return None if value is None else value[:length]
