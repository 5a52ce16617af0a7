"""Server-set flags on a person's identifiers that fail their national check (证件号校验失败标记).

A hospital's Patient whose 居民身份证号 fails GB 11643 is still that hospital's record of a real
person: refusing it would lose the record (ADR 0027). So the write is kept, the identifier is
flagged with one extension per broken rule, and the caller gets a warning issue that names the
element and the rules but never the number. The flag belongs to the server: whatever a client
sends under its URL is removed and every write judges the number again, so a client can neither
forge "valid" nor keep a stale "invalid". The master index reads the flag (`mpi.patients`) and
never takes a flagged number as proof of identity.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from kangtong.core.canonical import canonical
from kangtong.core.errors import Issue
from kangtong.core.ids.gb11643 import citizen_id_check
from kangtong.core.jsonutil import JsonObject

CITIZEN_ID = "urn:oid:2.16.156.10011.1.3"  # 居民身份证号 (GB 11643)
CHECK_FAILED = canonical("StructureDefinition/identifier-check-failed")  # valueCode: the rule
FLAGGED_TYPES = frozenset({"Patient"})
_SEPARATORS = re.compile(r"[\s\-_.]+")

# Reason codes of `core.ids` in words that name the rule, never the value.
_RULES = {
    "length": ("wrong length", "位数不对"),
    "characters": ("characters not allowed", "含有无效字符"),
    "area": ("unknown area code", "地区码无效"),
    "date": ("impossible birth date", "出生日期不存在或晚于今天"),
    "check": ("check character does not match", "校验码不符"),
}


def readable_citizen_id(value: str) -> str:
    """A number as the master index reads it: full-width digits, spaces and dashes forgiven."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).upper()


def failed_rules(value: str, today: dt.date | None = None) -> tuple[str, ...]:
    """The GB 11643 rules `value` breaks (reason codes), empty when it is a valid number."""
    text = readable_citizen_id(value)
    return tuple(reason.code for reason in citizen_id_check(text, today=today).reasons)


def is_flagged(identifier: object) -> bool:
    """Whether a stored identifier carries the server's check-failed flag."""
    if not isinstance(identifier, dict):
        return False
    return any(
        isinstance(e, dict) and e.get("url") == CHECK_FAILED
        for e in identifier.get("extension") or []
    )


class IdentifierFlags:
    """Flags the citizen IDs of a resource about to be stored; returns the warnings to give."""

    def __init__(self, today: Callable[[], dt.date]) -> None:
        self._today = today

    def __call__(self, resource: JsonObject) -> tuple[JsonObject, Sequence[Issue]]:
        res_type = resource.get("resourceType")
        identifiers = resource.get("identifier")
        if res_type not in FLAGGED_TYPES or not isinstance(identifiers, list):
            return resource, ()
        today = self._today()
        issues: list[Issue] = []
        flagged: list[Any] = []
        for position, identifier in enumerate(identifiers):
            if not isinstance(identifier, dict):
                flagged.append(identifier)
                continue
            rules = _rules_broken(identifier, today)
            flagged.append(_with_flags(identifier, rules))
            if rules:
                issues.append(_warning(f"{res_type}.identifier[{position}].value", rules))
        if flagged == identifiers:
            return resource, issues
        return {**resource, "identifier": flagged}, issues


def _rules_broken(identifier: dict[str, Any], today: dt.date) -> tuple[str, ...]:
    value = identifier.get("value")
    if identifier.get("system") != CITIZEN_ID or not isinstance(value, str) or not value:
        return ()
    return failed_rules(value, today)


def _with_flags(identifier: dict[str, Any], rules: tuple[str, ...]) -> dict[str, Any]:
    """The identifier with exactly the server's flags for `rules` (a client's removed)."""
    others = [
        e
        for e in identifier.get("extension") or []
        if not (isinstance(e, dict) and e.get("url") == CHECK_FAILED)
    ]
    extensions = others + [{"url": CHECK_FAILED, "valueCode": rule} for rule in rules]
    if extensions == (identifier.get("extension") or []):
        return identifier
    changed = {k: v for k, v in identifier.items() if k != "extension"}
    if extensions:
        changed = {"extension": extensions, **changed}
    return changed


def _warning(path: str, rules: tuple[str, ...]) -> Issue:
    english = ", ".join(_RULES.get(rule, (rule, rule))[0] for rule in rules)
    chinese = "、".join(_RULES.get(rule, (rule, rule))[1] for rule in rules)
    return Issue(
        "warning",
        "business-rule",
        f"居民身份证号未通过GB 11643校验（{chinese}）：记录已保存，该号码已标记，主索引不以其认定身份。"
        f" The citizen ID number fails its GB 11643 check ({english}): the record is kept, "
        "the identifier is flagged and the master index does not take it as proof of identity.",
        path,
    )
