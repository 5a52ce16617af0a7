"""Population tables: places, ethnicities (GB/T 3304), marital status (GB/T 2261.2), mortality."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DistrictPlace:
    """The district being synthesised and its street-level subdivisions (街道)."""

    province: str
    city: str
    district: str
    area_code: str
    postal_code: str
    streets: tuple[str, ...]


# A real county-level division (GB/T 2260) so ID area codes look right; every institution,
# street name and person in the data is invented.
DEFAULT_DISTRICT = DistrictPlace(
    province="贵州省",
    city="贵阳市",
    district="云岩区",
    area_code="520103",
    postal_code="550001",
    streets=(
        "康宁街道",
        "和平街道",
        "安泰街道",
        "新华街道",
        "长乐街道",
        "瑞金街道",
        "东山街道",
        "金鸭街道",
    ),
)

# Where residents born elsewhere were born (GB/T 2260 county codes) and their weights.
BIRTH_AREA_CODES = (
    ("520103", 60),
    ("520102", 10),
    ("520111", 4),
    ("520302", 5),
    ("522601", 3),
    ("510104", 4),
    ("500103", 4),
    ("430102", 3),
    ("440106", 2),
    ("110101", 1),
    ("310101", 1),
    ("530102", 3),
)

# GB/T 3304 codes: 汉族 ~91% nationally; Guizhou has large Miao, Buyi, Dong, Tujia shares.
ETHNICITIES = (
    ("01", "汉族", 80.0),
    ("06", "苗族", 6.0),
    ("09", "布依族", 4.0),
    ("12", "侗族", 2.5),
    ("15", "土家族", 2.5),
    ("07", "彝族", 1.0),
    ("03", "回族", 1.0),
    ("08", "壮族", 0.8),
    ("13", "瑶族", 0.4),
    ("14", "白族", 0.4),
    ("02", "蒙古族", 0.3),
    ("11", "满族", 0.5),
    ("04", "藏族", 0.2),
    ("05", "维吾尔族", 0.2),
    ("10", "朝鲜族", 0.2),
)

MARITAL_DISPLAY = {
    "10": "未婚",
    "20": "已婚",
    "21": "初婚",
    "22": "再婚",
    "23": "复婚",
    "30": "丧偶",
    "40": "离婚",
    "90": "未说明的婚姻状况",
}

SEX_DISPLAY = {"male": ("1", "男性"), "female": ("2", "女性")}

# Annual probability of death by age band (upper bound exclusive), rounded from Chinese life tables.
ANNUAL_MORTALITY = (
    (1, 0.005),
    (15, 0.0003),
    (40, 0.0008),
    (60, 0.0035),
    (70, 0.009),
    (80, 0.025),
    (90, 0.07),
    (200, 0.18),
)

MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "157",
    "158",
    "159",
    "166",
    "173",
    "177",
    "180",
    "181",
    "182",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
)

RESIDENTIAL_COMPLEX_NAMES = (
    "阳光花园",
    "金色家园",
    "幸福里",
    "和谐小区",
    "翠湖苑",
    "锦绣城",
    "康乐新村",
    "南山小区",
    "紫荆花园",
    "绿洲小区",
    "书香门第",
    "滨河湾",
    "人民新村",
    "东方明珠苑",
    "桂花苑",
    "水岸名居",
    "机关宿舍",
    "铁路新村",
    "电力小区",
    "丽景苑",
)


def annual_mortality(age: int) -> float:
    """The probability that someone of this age dies within a year."""
    return next(rate for upper, rate in ANNUAL_MORTALITY if age < upper)
