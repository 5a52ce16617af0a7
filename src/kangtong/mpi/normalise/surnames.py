"""姓氏 — surnames: the compound ones, and how a surname character is read.

A name is family name + given name with no separator, so splitting needs the list of two-character
(复姓) surnames. Several common characters are read differently as surnames (单 Shàn, 曾 Zēng,
解 Xiè …): a pinyin-written name follows the surname reading, not the everyday one.
"""

from __future__ import annotations

COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "钟离",
        "澹台",
        "单于",
        "太史",
        "端木",
        "申屠",
        "公羊",
        "闻人",
        "赫连",
        "呼延",
        "万俟",
        "东郭",
        "南宫",
        "西门",
        "百里",
        "独孤",
        "拓跋",
        "司空",
        "第五",
        "濮阳",
        "淳于",
    ]
)

# The surname reading of characters whose everyday reading differs.
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "查": "zha",
    "朴": "piao",
    "盖": "ge",
    "覃": "qin",
    "乐": "yue",
    "缪": "miao",
    "召": "shao",
    "秘": "bi",
    "种": "chong",
    "翟": "zhai",
    "尉": "yu",
    "万": "wan",
    "长": "zhang",
    "宿": "su",
    "繁": "po",
    "员": "yun",
    "那": "na",
    "能": "nai",
    "黑": "he",
    "重": "chong",
    "折": "she",
    "句": "gou",
    "石": "shi",
    "沈": "shen",
    "任": "ren",
    "华": "hua",
    "阚": "kan",
}


def split_hanzi_name(name: str) -> tuple[str, str]:
    """(family, given) of a hanzi name: a compound surname when listed, else the first character."""
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    if len(name) <= 1:
        return name, ""
    return name[0], name[1:]
