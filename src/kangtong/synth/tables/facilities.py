"""The district's health facilities: what kinds exist, their departments and staff sizes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FacilityKind:
    key: str
    type_display: str
    grade: str  # 医院等级, empty where not graded
    departments: tuple[str, ...]
    doctors: int
    nurses: int


TERTIARY = FacilityKind(
    "tertiary",
    "综合医院",
    "三级甲等",
    (
        "内科",
        "外科",
        "妇产科",
        "儿科",
        "急诊科",
        "感染科",
        "呼吸内科",
        "心血管内科",
        "神经内科",
        "内分泌科",
        "检验科",
        "放射科",
    ),
    24,
    20,
)
SECONDARY = FacilityKind(
    "secondary",
    "综合医院",
    "二级甲等",
    ("内科", "外科", "妇产科", "儿科", "急诊科", "检验科", "放射科"),
    12,
    10,
)
MATERNAL_CHILD = FacilityKind(
    "maternal_child",
    "妇幼保健院",
    "三级甲等",
    ("产科", "妇科", "儿科", "儿童保健科", "检验科"),
    10,
    10,
)
CDC = FacilityKind(
    "cdc", "疾病预防控制中心", "", ("传染病防制科", "免疫规划科", "结核病防治科"), 6, 2
)
CENTRE = FacilityKind(
    "centre",
    "社区卫生服务中心",
    "",
    ("全科", "预防保健科", "预防接种门诊", "检验科"),
    6,
    5,
)
STATION = FacilityKind("station", "社区卫生服务站", "", ("全科",), 2, 1)
COMMISSION_TYPE = "卫生健康行政部门"

# Invented names: no real institution is meant.
HOSPITALS = (
    (TERTIARY, "康通市第一人民医院"),
    (TERTIARY, "康通医科大学附属医院"),
    (SECONDARY, "{district}第二人民医院"),
    (SECONDARY, "{district}中心医院"),
    (SECONDARY, "{district}东城医院"),
    (MATERNAL_CHILD, "{district}妇幼保健院"),
    (CDC, "{district}疾病预防控制中心"),
)
STATIONS_PER_CENTRE = 2
COMMISSION_NAME = "{district}卫生健康局"

# HL7 v2 departments -> v2 table 0069-like service codes are not needed; these map the
# department a visit of a given kind goes to.
OUTPATIENT_DEPARTMENT = {"child": "儿科", "adult": "内科", "centre": "全科"}
