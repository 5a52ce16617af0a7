"""姓名比较 — name comparison levels made for Chinese names.

Levels, weakest to strongest evidence: different; same family name only; one character
different (a sibling's name, or a typo); a look-alike character or the two given characters
swapped (a misreading); same pinyin but different tone or a pinyin spelling of the name;
homophone with the same tones (input-method slip); traditional vs simplified; exact.
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
    "look-alike character or swapped given name",
    "same pinyin, different tone / pinyin spelling",
    "homophone (same pinyin and tones)",
    "traditional vs simplified",
    "exact",
)
DIFFERENT, FAMILY_ONLY, ONE_CHARACTER, MISREAD, PINYIN, HOMOPHONE, TRADITIONAL, EXACT = range(8)


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
    if any(within_one_edit(x, y) for x in a.readings for y in b.readings):
        return ONE_CHARACTER
    return FAMILY_ONLY if a.family_key and a.family_key == b.family_key else DIFFERENT


def _hanzi_level(a: NameForms, b: NameForms) -> int:
    if a.readings & b.readings:
        return HOMOPHONE if a.toned == b.toned else PINYIN
    if _given_swapped(a, b):
        return MISREAD
    if len(a.text) == len(b.text):
        diffs = [i for i in range(len(a.text)) if a.text[i] != b.text[i]]
        if len(diffs) == 1:
            i = diffs[0]
            if look_alike(a.text[i], b.text[i]):
                return MISREAD
            # One given character of several: a sibling or a typo. The only given character
            # differing (张伟/张强) says no more than the family name does.
            if i < len(a.family) or len(a.given) > 1:
                return ONE_CHARACTER
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


def name_key(name: NameForms | None) -> str | None:
    """The value whose frequency adjusts a name agreement (toneless pinyin, family first)."""
    return name.key if name else None
