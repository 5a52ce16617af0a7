"""结构化地址 — a Chinese address split into province / city / district / street / road / complex /
building (栋) / unit (单元) / room (室).

Desks write addresses at every granularity ("云岩区柳州路94号28栋4单元902室", "贵州省贵阳市…",
"…28-4-902"), so each part is optional and the comparator only compares parts both sides have.
Chinese numerals before 栋/单元/室 become digits, so 三单元 equals 3单元.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields

PARTS = ("province", "city", "district", "street", "road", "complex", "building", "unit", "room")

_HAN = r"[\u4e00-\u9fff]"
_MUNICIPALITY = re.compile(r"^(北京|天津|上海|重庆)市?")
_PROVINCE = re.compile(rf"^({_HAN}{{2,7}}?(?:省|自治区|特别行政区))")
_CITY = re.compile(rf"^({_HAN}{{2,8}}?(?:市|自治州|地区|盟))")
_DISTRICT = re.compile(r"^([^\d路街道号巷弄村镇乡栋室]{1,8}?(?:区|县|旗|市))")
_NOT_DISTRICT = ("小区", "社区", "校区", "景区", "厂区", "片区", "园区", "营区")
_STREET = re.compile(rf"^({_HAN}{{2,8}}?(?:街道|镇|乡))")
_ROAD = re.compile(r"^(.+?(?:大道|路|街|巷|弄|胡同|道))(\d+(?:-\d+)?号(?:院)?)?")
_TRIPLE = re.compile(r"(\d+)-(\d+)-(\d+)(?:室|号)?$")
_ROOM = re.compile(r"(\d+)(?:室|房|号房|户)$")
_UNIT = re.compile(r"(\d+)单元")
_BUILDING = re.compile(r"([0-9A-Z]+)(?:栋|幢|号楼|座|楼)")
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百]+(?=栋|幢|号楼|单元|室|座)")
_ROAD_STARTS = frozenset("路街巷弄道")
_DIGIT_OF = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_DIGIT_OF.update({"五": 5, "六": 6, "七": 7, "八": 8, "九": 9})


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """The parts found; None where the address does not say."""

    province: str | None = None
    city: str | None = None
    district: str | None = None
    street: str | None = None
    road: str | None = None
    complex: str | None = None
    building: str | None = None
    unit: str | None = None
    room: str | None = None

    def parts(self) -> tuple[str | None, ...]:
        return tuple(getattr(self, f.name) for f in fields(self))

    def is_empty(self) -> bool:
        return all(p is None for p in self.parts())


def chinese_number(text: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 一五零三 → 1503, 三百零二 → 302."""
    if "十" not in text and "百" not in text:
        return int("".join(str(_DIGIT_OF[c]) for c in text))
    total, current = 0, 0
    for char in text:
        if char in ("十", "百"):
            total += (current or 1) * (10 if char == "十" else 100)
            current = 0
        else:
            current = _DIGIT_OF[char]
    return total + current


def parse_address(raw: str) -> ParsedAddress | None:
    """Parse an address as typed; None when it is empty."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw)).upper()
    text = _CN_NUMBER.sub(lambda m: str(chinese_number(m[0])), text)
    text = text.replace("—", "-").replace("#", "号")
    if not text:
        return None
    found: dict[str, str] = {}
    text = _administrative(text, found)
    text = _dwelling(text, found)
    road = _ROAD.match(text)
    if road:
        found["road"] = road[1] + (road[2] or "")
        text = text[road.end() :]
    rest = text.removesuffix("小区").strip("-,，")
    if rest:
        found["complex"] = rest
    return ParsedAddress(**found)


def _administrative(text: str, found: dict[str, str]) -> str:
    municipality = _MUNICIPALITY.match(text)
    if municipality:
        found["province"] = found["city"] = municipality[1] + "市"
        text = text[municipality.end() :]
    else:
        text = _take(_PROVINCE, text, "province", found)
        text = _take(_CITY, text, "city", found)
    district = _DISTRICT.match(text)
    if (
        district
        and not district[1].endswith(_NOT_DISTRICT)
        and not _names_a_road(text, district.end())
    ):
        found["district"] = district[1]
        text = text[district.end() :]
    return _take(_STREET, text, "street", found)


def _dwelling(text: str, found: dict[str, str]) -> str:
    """Building, unit and room, read from the end of the address."""
    triple = _TRIPLE.search(text)
    if triple:
        found["building"], found["unit"], found["room"] = triple[1], triple[2], triple[3]
        return text[: triple.start()]
    room = _ROOM.search(text)
    if room:
        found["room"] = room[1]
        text = text[: room.start()]
    unit = _UNIT.search(text)
    if unit:
        found["unit"] = unit[1]
        text = text[: unit.start()] + text[unit.end() :]
    building = _BUILDING.search(text)
    if building:
        found["building"] = building[1]
        text = text[: building.start()] + text[building.end() :]
    return text


def _take(pattern: re.Pattern[str], text: str, part: str, found: dict[str, str]) -> str:
    match = pattern.match(text)
    if match is None or _names_a_road(text, match.end()) or _crosses_a_level(match[1], part):
        return text
    found[part] = match[1]
    return text[match.end() :]


def _names_a_road(text: str, end: int) -> bool:
    """A place name that goes on into a road's name (兴安盟路, 呼和浩特街) is not that place."""
    return text[end : end + 1] in _ROAD_STARTS or text[end : end + 2] == "大道"


def _crosses_a_level(name: str, part: str) -> bool:
    """A city or province name with a district in it (云岩区兴安盟) was read too far."""
    if part not in ("province", "city"):
        return False
    stem = re.sub("(省|自治区|特别行政区|市|自治州|地区|盟)$", "", name)
    return any(c in stem for c in "区县")
