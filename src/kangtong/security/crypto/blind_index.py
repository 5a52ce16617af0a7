"""Blind indexes (盲索引): keyed HMAC-SM3 tokens that let encrypted fields be searched by equality.

The token of a value is HMAC-SM3(key, context ‖ 0x00 ‖ normalised value). Without the key the
tokens reveal nothing useful (an unkeyed hash of an 18-digit ID number is brute-forced in
minutes); with it, equal values give equal tokens so `identifier=…` can use an index.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from kangtong.security.crypto.sm3 import sm3_hmac

Normaliser = Callable[[str], str]


def fold(value: str) -> str:
    """Default normalisation: trim, upper-case (the check letter X of a citizen ID)."""
    return value.strip().upper()


class BlindIndex:
    """Tokens under the current key; `search_tokens` covers every key version during rotation."""

    def __init__(self, keys: Mapping[int, bytes], current: int, normalise: Normaliser = fold):
        if current not in keys:
            raise ValueError(f"blind-index key version {current} is missing")
        self._keys = dict(keys)
        self._current = current
        self._normalise = normalise

    def token(self, value: str, context: str) -> str:
        return self._token(self._keys[self._current], value, context)

    def search_tokens(self, value: str, context: str) -> list[str]:
        """Tokens of `value` under every key version, current first."""
        versions = [self._current, *sorted(v for v in self._keys if v != self._current)]
        return [self._token(self._keys[v], value, context) for v in versions]

    def _token(self, key: bytes, value: str, context: str) -> str:
        message = context.encode("utf-8") + b"\x00" + self._normalise(value).encode("utf-8")
        return sm3_hmac(key, message).hex()
