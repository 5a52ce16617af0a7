"""Version ids as clients write them: in paths (`_history/3`) and ETags (`W/"3"`).

Only ASCII digits count: `str.isdigit` also accepts "²" and "３", which `int()` then refuses
or reads as another number. Eighteen digits keep every version inside a signed 64-bit column.
"""

from __future__ import annotations

MAX_DIGITS = 18


def version_number(text: str) -> int | None:
    """`"3"` → 3; None for anything that is not a plain version number."""
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_DIGITS:
        return None
    return int(text)


def etag_version(value: str) -> int | None:
    """The version a weak or strong ETag names (`W/"3"`, `"3"`, `3`), or None."""
    return version_number(value.strip().removeprefix("W/").strip('"'))
