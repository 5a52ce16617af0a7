"""姓名比较 — name comparison levels made for Chinese names.

Levels, weakest to strongest evidence: different; same family name only; one character
different (a sibling's name, or a typo); a given name one character longer or shorter (a desk
that typed part of the name, or added a character); a look-alike character or the two given
characters swapped (a misreading); same pinyin but different tone or a pinyin spelling of the
name; homophone with the same tones (input-method slip); traditional vs simplified; exact.
"""

from __future__ import annotations

from kangtong.mpi.compare.base import MISSING
from kangtong.mpi.compare.lookalikes import look_alike
from kangtong.mpi.compare.strings import within_one_edit
from kangtong.mpi.normalise.names import NameForms

NAME_LEVELS = (
    "different",
    "same family name only",
    "one character different",
    "given name one character longer or shorter",
    "look-alike character or swapped given name",
    "same pinyin, different tone / pinyin spelling",
    "homophone (same pinyin and tones)",
    "traditional vs simplified",
    "exact",
)
(
    DIFFERENT,
    FAMILY_ONLY,
    ONE_CHARACTER,
    ONE_MORE_OR_FEWER,
    MISREAD,
    PINYIN,
    HOMOPHONE,
    TRADITIONAL,
    EXACT,
) = range(9)


def compare_names(a: NameForms | None, b: NameForms | None) -> int:
    """The agreement level of two names (MISSING when either is absent)."""
    if a is None or b is None:
        return MISSING
    if a.text == b.text and a.is_pinyin == b.is_pinyin:
        return TRADITIONAL if a.traditional != b.traditional else EXACT
    if not a.is_pinyin and not b.is_pinyin:
        return _hanzi_level(a, b)
    if a.readings & b.readings:
        return PINYIN
    if _pinyin_one_more_or_fewer(a, b) or _pinyin_one_more_or_fewer(b, a):
        return ONE_MORE_OR_FEWER
    if any(within_one_edit(x, y) for x in a.readings for y in b.readings):
        return ONE_CHARACTER
    return FAMILY_ONLY if a.family_key and a.family_key == b.family_key else DIFFERENT


def _hanzi_level(a: NameForms, b: NameForms) -> int:
    if a.readings & b.readings:
        return HOMOPHONE if a.toned == b.toned else PINYIN
    if _given_swapped(a, b):
        return MISREAD
    if len(a.text) == len(b.text):
        # Characters that differ in sound too: a homophone slip beside a typo (宋俊傅 / 送俊博)
        # leaves one real difference, as the typo alone would.
        diffs = [i for i in range(len(a.text)) if a.syllables[i] != b.syllables[i]]
        if len(diffs) == 1:
            i = diffs[0]
            if look_alike(a.text[i], b.text[i]):
                return MISREAD
            # One given character of several: a sibling or a typo. The only given character
            # differing (张伟/张强) says no more than the family name does.
            if i < len(a.family) or len(a.given) > 1:
                return ONE_CHARACTER
    elif a.family == b.family and _one_more_or_fewer(a, b):
        return ONE_MORE_OR_FEWER
    elif within_one_edit(a.text, b.text) and min(len(a.given), len(b.given)) > 1:
        return ONE_CHARACTER
    return FAMILY_ONLY if a.family == b.family else DIFFERENT


def _given_swapped(a: NameForms, b: NameForms) -> bool:
    """张晓琳 / 张琳晓 (or 张琳小: swapped and a homophone): the two given characters reversed."""
    if len(a.given) != 2 or len(b.given) != 2 or a.family != b.family:
        return False
    if a.given == b.given[::-1]:
        return True
    start = len(a.family)
    return a.syllables[start:] == b.syllables[start:][::-1] and a.given != b.given


def _one_more_or_fewer(a: NameForms, b: NameForms) -> bool:
    """One given name is the other with one character more (张伟 / 张伟强 / 张晓伟), read in
    toneless pinyin so that a homophone slip on top still counts (张晓伟 / 张玮)."""
    x = a.syllables[len(a.family) :]
    y = b.syllables[len(b.family) :]
    if len(x) == len(y) + 1:
        x, y = y, x
    if len(y) != len(x) + 1 or not x:
        return False
    return any(y[:i] + y[i + 1 :] == x for i in range(len(y)))


def _pinyin_one_more_or_fewer(hanzi: NameForms, other: NameForms) -> bool:
    """A pinyin-written `other` that reads as the hanzi name with one given syllable more or
    fewer ("Zhang Wei" / 张晓伟, "Zhang Xiaowei" / 张伟)."""
    if hanzi.is_pinyin or not other.is_pinyin or not hanzi.syllables:
        return False
    family = len(hanzi.family)
    given = hanzi.syllables[family:]
    if len(given) < 1:
        return False
    head = "".join(hanzi.syllables[:family])
    fewer = {head + "".join(given[:i] + given[i + 1 :]) for i in range(len(given))} - {head}
    if fewer & other.readings:
        return True
    for reading in other.readings:  # the pinyin has a syllable the hanzi lacks
        extra = len(reading) - len(hanzi.key)
        if not 1 <= extra <= 6 or not reading.startswith(head):
            continue
        cuts = [len(head) + sum(len(g) for g in given[:i]) for i in range(len(given) + 1)]
        if any(reading[:c] + reading[c + extra :] == hanzi.key for c in cuts):
            return True
    return False


def name_key(name: NameForms | None) -> str | None:
    """The value whose frequency adjusts a name agreement (toneless pinyin, family first)."""
    return name.key if name else None
