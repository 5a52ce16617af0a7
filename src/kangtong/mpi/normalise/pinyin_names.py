"""Names written in pinyin (拼音姓名): "Zhang Wei", "ZHANG Wei", "Wei Zhang", "zhangwei", "Zhāng Wěi".

Passports write the family name first in capitals; Western forms put it last; clerks run the
syllables together. The engine cannot know the order for sure, so it keeps both readings and
compares the letters run together, which sidesteps syllable segmentation (xian / xi'an).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_TOKEN = re.compile(r"[a-z]+")
_LATIN_NAME = re.compile(r"^[A-Za-z\u00c0-\u024f\u1e00-\u1eff\s.,'·\-:]+$")


@dataclass(frozen=True, slots=True)
class PinyinName:
    """A pinyin-written name: `family_first` is the best guess, `readings` every order considered."""

    family: str
    given: str
    readings: tuple[str, ...]

    @property
    def family_first(self) -> str:
        return self.family + self.given


def is_latin_name(text: str) -> bool:
    """True for a name written in Latin letters (with or without tone marks)."""
    return bool(text.strip()) and _LATIN_NAME.match(text) is not None


def fold_latin(text: str) -> str:
    """Lowercase, tone marks removed, ü/u:/yu folded to u (吕 is written Lü, Lv, Lyu or Lu)."""
    text = text.replace("ü", "v").replace("Ü", "v").replace("u:", "v").replace("U:", "v")
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    plain = re.sub(r"(?<=[ln])yu", "v", plain)
    return plain.replace("v", "u")


def parse_pinyin_name(text: str, surname_syllables: frozenset[str]) -> PinyinName:
    """Family and given name of a pinyin-written name; both orders are kept as readings."""
    raw_tokens = re.split(r"[\s,.·]+", text.strip())
    raw_tokens = [t for t in raw_tokens if t]
    tokens = [_TOKEN.findall(fold_latin(t)) for t in raw_tokens]
    words = ["".join(parts) for parts in tokens if parts]
    if not words:
        return PinyinName("", "", ())
    if len(words) == 1:
        return PinyinName("", words[0], (words[0],))
    family_index = _family_position(raw_tokens, words, surname_syllables)
    family = words[family_index]
    given = "".join(w for i, w in enumerate(words) if i != family_index)
    as_written = "".join(words)
    last_first = words[-1] + "".join(words[:-1])
    readings = tuple(dict.fromkeys((family + given, as_written, last_first)))
    return PinyinName(family, given, readings)


def _family_position(raw: list[str], words: list[str], surnames: frozenset[str]) -> int:
    """Where the family name is: the all-capitals token (passport style), else a known surname."""
    capitals = [i for i, t in enumerate(raw) if len(t) > 1 and t.isupper()]
    if len(capitals) == 1 and len(raw) == len(words):
        return capitals[0]
    if words[0] in surnames:
        return 0
    if words[-1] in surnames:
        return len(words) - 1
    return 0
