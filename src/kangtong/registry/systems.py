"""Identifier systems, code systems and extensions of the registries, in one place.

National OIDs where the standards give one (2.16.156.10011.1.2 USCC, .1.3 citizen ID, .2.4 shared
document types); kangtong URLs under the canonical base (`kangtong.core.canonical`) for code lists of our own.
The synthetic district (`kangtong.synth.systems`) writes the same identifier systems.
"""

from __future__ import annotations

from types import MappingProxyType

from kangtong.core.canonical import BASE, canonical

USCC = "urn:oid:2.16.156.10011.1.2"  # 统一社会信用代码 (GB 32100)
CITIZEN_ID = "urn:oid:2.16.156.10011.1.3"  # 居民身份证号 (GB 11643)
DOCTOR_LICENCE = canonical("sid/doctor-licence")  # 医师执业证书编码
NURSE_LICENCE = canonical("sid/nurse-licence")  # 护士执业证书编码
LICENCE_SYSTEMS = MappingProxyType({"doctor": DOCTOR_LICENCE, "nurse": NURSE_LICENCE})
DOCUMENT_TYPE = "urn:oid:2.16.156.10011.2.4"  # WS/T 500 shared-document types C0001…C0053

HL7_ORGANIZATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
HL7_PRACTITIONER_ROLE = "http://terminology.hl7.org/CodeSystem/practitioner-role"
LOCATION_PHYSICAL_TYPE = "http://terminology.hl7.org/CodeSystem/location-physical-type"

_KT = BASE
INSTITUTION_TYPE = f"{_KT}/CodeSystem/institution-type"
HOSPITAL_LEVEL = f"{_KT}/CodeSystem/hospital-level"
DEPARTMENT = f"{_KT}/CodeSystem/department"  # as the synthetic district writes it
PRACTICE_SCOPE = f"{_KT}/CodeSystem/practice-scope"  # 执业范围, e.g. 内科专业
PRIVILEGE = f"{_KT}/CodeSystem/practitioner-privilege"
SURGERY_LEVEL = f"{_KT}/CodeSystem/surgery-level"
ANTIBIOTIC_GRADE = f"{_KT}/CodeSystem/antibiotic-grade"

DISTRICT_CODE_EXTENSION = f"{_KT}/StructureDefinition/gb2260-district"  # on Address, valueCode
ROLE_DEPARTMENT_EXTENSION = f"{_KT}/StructureDefinition/practitioner-role-department"
PRIVILEGE_PERIOD_EXTENSION = f"{_KT}/StructureDefinition/privilege-period"
PRIVILEGE_LEVEL_EXTENSION = f"{_KT}/StructureDefinition/privilege-level"
PRIVILEGE_DOCUMENT_EXTENSION = f"{_KT}/StructureDefinition/privilege-document-type"
# Written by the synthetic district (valueString such as 三级甲等); read, never written here.
SYNTH_GRADE_EXTENSION = f"{_KT}/StructureDefinition/hospital-grade"
SYNTH_FACILITY_TYPE = f"{_KT}/CodeSystem/facility-type"

# 机构类别: kangtong codes. The classes follow WS 218 (卫生机构(组织)分类与代码) in spirit; its
# letter codes are not reproduced here (unconfirmed), so the codes are ours.
INSTITUTION_TYPES = MappingProxyType(
    {
        "general-hospital": "综合医院",
        "tcm-hospital": "中医医院",
        "integrated-hospital": "中西医结合医院",
        "specialist-hospital": "专科医院",
        "maternal-child": "妇幼保健院",
        "community-centre": "社区卫生服务中心",
        "community-station": "社区卫生服务站",
        "township-centre": "乡镇卫生院",
        "village-clinic": "村卫生室",
        "clinic": "诊所",
        "emergency-centre": "急救中心",
        "blood-centre": "采供血机构",
        "cdc": "疾病预防控制中心",
        "health-supervision": "卫生监督所",
        "health-commission": "卫生健康行政部门",
    }
)
# Administrative bodies are `govt` in the HL7 organization-type list; care providers `prov`.
GOVERNMENT_TYPES = frozenset({"cdc", "health-supervision", "health-commission"})
# Types the synthetic district writes (facility-type) and what they mean here.
SYNTH_TYPES = MappingProxyType(
    {
        "tertiary": "general-hospital",
        "secondary": "general-hospital",
        "maternal_child": "maternal-child",
        "cdc": "cdc",
        "centre": "community-centre",
        "station": "community-station",
        "commission": "health-commission",
    }
)

# 医院等级 (医院分级管理): 一级/二级/三级 × 甲/乙/丙; a bare level means not yet graded.
HOSPITAL_LEVELS = MappingProxyType(
    {
        f"{level}{grade_code}": f"{level_name}级{grade_name}等" if grade_code else f"{level_name}级"
        for level, level_name in (("3", "三"), ("2", "二"), ("1", "一"))
        for grade_code, grade_name in (("A", "甲"), ("B", "乙"), ("C", "丙"), ("", ""))
    }
)

PRIVILEGES = MappingProxyType(
    {
        "prescribe": "处方权",
        "narcotic-prescribe": "麻醉药品和第一类精神药品处方权",
        "surgery": "手术权限",
        "antibiotic": "抗菌药物分级使用权限",
        "document-record": "病历书写",
        "document-view": "病历查阅",
        "document-edit": "病历修改",
        "document-sign": "病历签名",
    }
)
# 手术分级管理 (医疗技术临床应用管理办法): 四级 is the most complex and risky.
SURGERY_LEVELS = MappingProxyType(
    {"1": "一级手术", "2": "二级手术", "3": "三级手术", "4": "四级手术"}
)
# 抗菌药物临床应用管理办法 (2012) 第六条: three grades, each including the ones before it.
ANTIBIOTIC_GRADES = MappingProxyType(
    {"non-restricted": "非限制使用级", "restricted": "限制使用级", "special": "特殊使用级"}
)
PRACTITIONER_ROLES = MappingProxyType(
    {"doctor": "医师", "nurse": "护士", "pharmacist": "药师", "ict": "信息技术人员"}
)


def level_code(text: str) -> str:
    """The hospital-level code for `3A` or `三级甲等` (either form); raises ValueError if unknown."""
    if text.upper() in HOSPITAL_LEVELS:
        return text.upper()
    for code, display in HOSPITAL_LEVELS.items():
        if display == text:
            return code
    raise ValueError(f"'{text}' is not a hospital level (3A … 1C or 三级甲等 … 一级)")
