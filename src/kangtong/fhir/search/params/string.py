"""String parameters: plain strings, HumanName and Address parts. Default match: starts-with."""

from __future__ import annotations

import re

from kangtong.core import pinyin
from kangtong.core.chinese_script import simplified
from kangtong.core.errors import Invalid
from kangtong.fhir.search.definitions import SearchParam
from kangtong.fhir.search.params.context import SearchContext, TypedValue
from kangtong.fhir.search.params.escape import split_unescaped
from kangtong.fhir.search.pinyin_params import with_pinyin
from kangtong.fhir.search.text import fold
from kangtong.store.criteria import StringCriterion
from kangtong.store.index_rows import IndexRows

_NAME_PARTS = ("text", "family", "given", "prefix", "suffix")
_ADDRESS_PARTS = ("text", "line", "city", "district", "state", "postalCode", "country")
# Written between syllables or name parts: spaces, hyphens, apostrophes, full stops, commas and
# middle dots (· in minority names, ・ from Japanese IMEs).
_JOINERS = re.compile(r"[\s\-\u2010\u2011'\u2019.,\u00b7\u30fb]+")


def indexes_pinyin(param: SearchParam) -> bool:
    return with_pinyin(param.resource_type, param.code)


def strings_of(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, dict):
        return []
    parts = _NAME_PARTS if ("family" in value or "given" in value) else _ADDRESS_PARTS
    found: list[str] = []
    for part in parts:
        item = value.get(part)
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, list):
            found.extend(x for x in item if isinstance(x, str))
    if "family" in value and "given" in value and isinstance(value["family"], str):
        # Chinese names are written family-first with no space: 王 + 伟 → 王伟.
        given = "".join(g for g in value["given"] if isinstance(g, str))
        found.append(value["family"] + given)
    return found


def extract(
    param: SearchParam, values: list[TypedValue], rows: IndexRows, ctx: SearchContext
) -> None:
    seen: set[str] = set()
    with_pinyin = indexes_pinyin(param)
    for value, _type in values:
        for text in strings_of(value):
            if text and text not in seen:
                seen.add(text)
                rows.string.append((param.key, fold(text), text))
                if with_pinyin:
                    _add_name_forms(param, text, rows)


def _add_name_forms(param: SearchParam, text: str, rows: IndexRows) -> None:
    """Index 歐陽明輝 also as 欧阳明辉, "ouyangminghui", "ou yang ming hui" and "oymh", and
    "Ouyang Minghui" also as "ouyangminghui" (the original kept for :exact). A name query is
    looked up by `name_key`, which these forms cover whatever spacing or script was written."""
    script = simplified(text)
    forms = {name_key(text), fold(script)}
    if pinyin.has_hanzi(text):
        forms |= {
            fold(pinyin.full_pinyin(text)),
            fold(" ".join(pinyin.syllables(text))),  # the sort key: pinyin order, syllable-wise
            fold(pinyin.initials(text)),
        }
    forms.discard(fold(text))
    for form in sorted(forms):
        if form:
            rows.string.append((param.key, form, text))


def name_key(text: str) -> str:
    """How a name is looked up: simplified, folded, and without the spaces, hyphens, apostrophes
    and middle dots people put between syllables or name parts (OUYANG MINGHUI, Ouyang-Minghui,
    Xi'an, 买买提·艾力), so "Ouyang Minghui" meets "ouyangminghui"."""
    return _JOINERS.sub("", fold(simplified(text)))


def criterion(
    param: SearchParam, value: str, modifier: str | None, ctx: SearchContext
) -> StringCriterion:
    text = split_unescaped(value, "\x00")[0]
    if modifier == "exact":
        return StringCriterion(param.stored, text, "exact")
    if modifier not in (None, "contains"):
        raise Invalid(
            f"The modifier :{modifier} is not supported on the string parameter {param.code}"
        )
    # A value of separators only ("-") has no name key: it is looked up as written.
    key = (indexes_pinyin(param) and name_key(text)) or fold(text)
    return StringCriterion(param.stored, key, "contains" if modifier else "prefix")
