"""Blind-indexed search parameters (盲索引): on a sealed resource their token codes are stored
as keyed tokens, never in clear, and a search for a value looks for its tokens as well.

Which parameters: those whose values identify a person by themselves — business and case
identifiers, phone numbers, e-mail addresses. Codes, references (surrogate ids), dates and
labels stay searchable as they are; strings and `:text` are not indexed on sealed resources.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

BLIND_TOKEN_PARAMS = frozenset({"identifier", "telecom", "phone", "email"})
BLIND_PREFIX = "bi:"  # a stored code that is a blind token; no real code starts so

# (parameter code, value) → the stored forms of `value` under every blind-index key version.
BlindTokens = Callable[[str, str], Sequence[str]]
