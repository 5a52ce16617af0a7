"""What each kind of national code list looks like: its columns, code format and hierarchy.

Column names are matched case-insensitively against English and the Chinese headings the
published tables use (编码/代码, 名称, 上级编码 …). A code's parent, when no column states it,
is inferred from the code itself (ICD-10 I10.x00x002 → I10.x00 → I10; GB/T 2260 520103 → 520100
→ 520000; GB/T 15657 A01.01.01. → A01.01.).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from dataclasses import dataclass, field

from kangtong.core.ids.areas import PROVINCES
from kangtong.terminology import urls
from kangtong.terminology.concepts import PropertyDefinition

CODE = ("code", "编码", "代码", "疾病编码", "疾病代码", "诊断编码", "诊断代码", "区划代码", "值")
DISPLAY = ("display", "name", "名称", "疾病名称", "诊断名称", "区划名称", "病证名称", "值含义")
PARENT = ("parent", "上级编码", "上级代码", "父级编码", "父编码")
ENGLISH = ("english", "英文名称")
ALIASES = ("alias", "aliases", "别名", "同义词")
DOMAIN = ("domain", "值域代码", "值域编码", "值域标识符")
DOMAIN_NAME = ("domain_name", "值域名称")
OID = ("oid",)
CATEGORY = ("category", "type", "类别")

CodeCheck = Callable[[str], str | None]
ParentGuess = Callable[[str, Container[str]], str | None]


@dataclass(frozen=True)
class CodeListKind:
    name: str
    title: str
    check_code: CodeCheck
    infer_parent: ParentGuess
    code_system_id: str = ""
    url: str = ""
    oid: str | None = None
    properties: tuple[PropertyDefinition, ...] = field(default_factory=tuple)
    grouped: bool = False  # one file holds several code systems (WS 364 value domains)


def first(values: dict[str, str], names: tuple[str, ...]) -> str:
    for name in names:
        found = values.get(name.lower())
        if found:
            return found
    return ""


# -- code formats ---------------------------------------------------------------------------
_ICD10 = re.compile(r"[A-Z][0-9]{2}(\.[0-9A-Za-z]{0,10})?[+*]?|[A-Z][0-9]{2}-[A-Z][0-9]{2}")
_DIVISION = re.compile(r"[0-9]{6}")
_TCM = re.compile(r"[A-Z][0-9A-Z.]{1,24}")
_VALUE = re.compile(r"[0-9A-Za-z.\-_]{1,32}")
_DOMAIN = re.compile(r"CV[0-9]{2}\.[0-9]{2}\.[0-9]{3}")


def _format(pattern: re.Pattern[str], what: str) -> CodeCheck:
    def check(code: str) -> str | None:
        return None if pattern.fullmatch(code) else f"'{code}' is not {what}"

    return check


def _division_check(code: str) -> str | None:
    if not _DIVISION.fullmatch(code):
        return f"'{code}' is not a six-digit GB/T 2260 code"
    if code[:2] not in PROVINCES:
        return f"'{code}' does not begin with a province-level code (GB/T 2260)"
    return None


def domain_problem(domain: str) -> str | None:
    return (
        None
        if _DOMAIN.fullmatch(domain)
        else f"'{domain}' is not a WS 364 value domain (CVaa.bb.ccc)"
    )


# -- hierarchy ------------------------------------------------------------------------------
def _no_parent(_code: str, _known: Container[str]) -> str | None:
    return None


def _icd10_parent(code: str, known: Container[str]) -> str | None:
    """The longest shorter code that exists: I10.x00x002 → I10.x00 → I10 (never below 3 chars)."""
    candidate = code.rstrip("+*")
    while len(candidate) > 3:
        candidate = candidate[:-1].rstrip(".")
        if candidate in known and candidate != code:
            return candidate
    return None


def _division_parent(code: str, known: Container[str]) -> str | None:
    """County 520103 → prefecture 520100 → province 520000 (whichever exists)."""
    candidates = []
    if code[4:] != "00":
        candidates.append(code[:4] + "00")
    if code[2:] != "0000":
        candidates.append(code[:2] + "0000")
    return next((c for c in candidates if c in known and c != code), None)


def _dotted_parent(code: str, known: Container[str]) -> str | None:
    """GB/T 15657-2021 codes nest by dotted groups: A01.01.01.01. → A01.01.01. → A01.01. → A01."""
    trimmed = code.rstrip(".")
    while "." in trimmed:
        trimmed = trimmed.rsplit(".", 1)[0]
        for candidate in (trimmed + ".", trimmed):
            if candidate in known:
                return candidate
    return None


def division_level(code: str) -> str:
    if code[2:] == "0000":
        return "province"
    return "prefecture" if code[4:] == "00" else "county"


KINDS: dict[str, CodeListKind] = {
    "icd10": CodeListKind(
        "icd10",
        "疾病分类与代码 ICD-10 中国版 (GB/T 14396)",
        _format(_ICD10, "an ICD-10 code (A00, A00.0, I10.x00x002 or a block A00-A09)"),
        _icd10_parent,
        "icd10-cn",
        urls.ICD10_CN,
        "2.16.156.10011.2.3.3.11",
    ),
    "gb2260": CodeListKind(
        "gb2260",
        "中华人民共和国行政区划代码 (GB/T 2260)",
        _division_check,
        _division_parent,
        "gb2260-division",
        urls.DIVISION_GB2260,
        properties=(PropertyDefinition("level", "code", "province | prefecture | county"),),
    ),
    "tcm": CodeListKind(
        "tcm",
        "中医病证分类与代码 (GB/T 15657)",
        _format(_TCM, "a GB/T 15657 code (e.g. A01.01.01.01. or BNF010)"),
        _dotted_parent,
        "gb15657-tcm",
        urls.TCM_GB15657,
        properties=(PropertyDefinition("category", "code", "disease (病) | syndrome (证)"),),
    ),
    "ws364": CodeListKind(
        "ws364",
        "卫生信息数据元值域代码 (WS 364)",
        _format(_VALUE, "a value code (letters, digits, '.', '-')"),
        _no_parent,
        grouped=True,
    ),
}


# Short national lists shipped with kangtong (sex, marital status, ethnicity): any non-empty code.
SIMPLE = CodeListKind("simple", "", _format(_VALUE, "a code"), _no_parent)


def tcm_category(code: str, stated: str) -> str:
    """病 (disease) or 证 (syndrome): stated in a column, else read from the code.

    GB/T 15657-2021 codes are dotted, A… diseases and B… syndromes; the 1995 edition's codes
    are undotted, B… (病) diseases and Z… (证) syndromes.
    """
    if stated in ("病", "疾病", "disease"):
        return "disease"
    if stated in ("证", "证候", "syndrome"):
        return "syndrome"
    syndrome_letter = "B" if "." in code else "Z"
    return "syndrome" if code.startswith(syndrome_letter) else "disease"
