"""GB/T 2260 province-level divisions (省级行政区划): the first two digits of an area code.

Only the 34 province-level codes are carried here. Full county-level validation needs the whole
GB/T 2260 table, which changes every year; the terminology module ships a subset and an importer,
and callers that hold the table pass its six-digit codes as `known_areas` to be stricter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Province:
    """A province-level division: 2-digit code, Chinese and English name."""

    code: str
    name_zh: str
    name_en: str


_PROVINCES = (
    Province("11", "北京市", "Beijing"),
    Province("12", "天津市", "Tianjin"),
    Province("13", "河北省", "Hebei"),
    Province("14", "山西省", "Shanxi"),
    Province("15", "内蒙古自治区", "Inner Mongolia"),
    Province("21", "辽宁省", "Liaoning"),
    Province("22", "吉林省", "Jilin"),
    Province("23", "黑龙江省", "Heilongjiang"),
    Province("31", "上海市", "Shanghai"),
    Province("32", "江苏省", "Jiangsu"),
    Province("33", "浙江省", "Zhejiang"),
    Province("34", "安徽省", "Anhui"),
    Province("35", "福建省", "Fujian"),
    Province("36", "江西省", "Jiangxi"),
    Province("37", "山东省", "Shandong"),
    Province("41", "河南省", "Henan"),
    Province("42", "湖北省", "Hubei"),
    Province("43", "湖南省", "Hunan"),
    Province("44", "广东省", "Guangdong"),
    Province("45", "广西壮族自治区", "Guangxi"),
    Province("46", "海南省", "Hainan"),
    Province("50", "重庆市", "Chongqing"),
    Province("51", "四川省", "Sichuan"),
    Province("52", "贵州省", "Guizhou"),
    Province("53", "云南省", "Yunnan"),
    Province("54", "西藏自治区", "Xizang (Tibet)"),
    Province("61", "陕西省", "Shaanxi"),
    Province("62", "甘肃省", "Gansu"),
    Province("63", "青海省", "Qinghai"),
    Province("64", "宁夏回族自治区", "Ningxia"),
    Province("65", "新疆维吾尔自治区", "Xinjiang"),
    Province("71", "台湾省", "Taiwan"),
    Province("81", "香港特别行政区", "Hong Kong"),
    Province("82", "澳门特别行政区", "Macao"),
)

PROVINCES: Mapping[str, Province] = MappingProxyType({p.code: p for p in _PROVINCES})
PROVINCE_CODES = frozenset(PROVINCES)

# 港澳台居民居住证 (residence permits of Hong Kong, Macao and Taiwan residents, 2018) carry an
# 18-digit GB 11643-style number whose area code is 810000, 820000 or 830000; 83 is used only
# there, so citizen-ID validation accepts it as a province-level prefix.
TAIWAN_RESIDENT_PERMIT = Province("83", "台湾居民居住证", "Taiwan resident permit")
CITIZEN_ID_PREFIXES: Mapping[str, Province] = MappingProxyType(
    {**PROVINCES, TAIWAN_RESIDENT_PERMIT.code: TAIWAN_RESIDENT_PERMIT}
)

# GB 32100 area codes of organisations registered by a central (national) authority are 100000.
CENTRAL = Province("10", "中央（全国）", "central (national)")
CREDIT_CODE_PREFIXES: Mapping[str, Province] = MappingProxyType(
    {**PROVINCES, CENTRAL.code: CENTRAL}
)
