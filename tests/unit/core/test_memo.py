"""Text caches keep short texts only: a client's long query values never fill memory."""

from __future__ import annotations

from kangtong.core.memo import LONGEST_KEPT, cache_short_texts


def test_short_texts_are_computed_once_and_long_ones_every_time() -> None:
    calls: list[str] = []

    @cache_short_texts(maxsize=16)
    def shout(text: str) -> str:
        calls.append(text)
        return text.upper()

    short, long = "wang", "x" * (LONGEST_KEPT + 1)
    assert [shout(short), shout(short)] == ["WANG", "WANG"]
    assert [shout(long), shout(long)] == [long.upper()] * 2
    assert calls == [short, long, long]
