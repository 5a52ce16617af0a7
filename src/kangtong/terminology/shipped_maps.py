"""The concept maps between the Chinese national codes and FHIR's own (both directions).

Equivalence is read as FHIR R4 ConceptMap defines it: `wider` means the target means more
than the source (初婚 → M married), `inexact` that they overlap.
"""

from __future__ import annotations

from kangtong.core.jsonutil import JsonObject
from kangtong.terminology import urls
from kangtong.terminology.builders import MapEntry, concept_map

GENDER_VS = "http://hl7.org/fhir/ValueSet/administrative-gender"
MARITAL_VS = "http://hl7.org/fhir/ValueSet/marital-status"
SEX_VS = urls.value_set_url("gb2261-1-sex")
MARITAL_GB_VS = urls.value_set_url("gb2261-2-marital-status")


def gender_maps() -> list[JsonObject]:
    to_fhir = [
        MapEntry("0", "未知的性别", "unknown", "Unknown"),
        MapEntry("1", "男性", "male", "Male"),
        MapEntry("2", "女性", "female", "Female"),
        MapEntry("9", "未说明的性别", "unknown", "Unknown", "wider"),
    ]
    from_fhir = [
        MapEntry("male", "Male", "1", "男性"),
        MapEntry("female", "Female", "2", "女性"),
        MapEntry("unknown", "Unknown", "0", "未知的性别"),
        MapEntry("other", "Other", "9", "未说明的性别", "inexact", "GB/T 2261.1 has no 'other'"),
    ]
    return [
        concept_map(
            "gb2261-1-to-administrative-gender",
            "GB/T 2261.1 性别 → FHIR administrative-gender",
            (SEX_VS, urls.SEX_GB2261),
            (GENDER_VS, urls.ADMINISTRATIVE_GENDER),
            to_fhir,
        ),
        concept_map(
            "administrative-gender-to-gb2261-1",
            "FHIR administrative-gender → GB/T 2261.1 性别",
            (GENDER_VS, urls.ADMINISTRATIVE_GENDER),
            (SEX_VS, urls.SEX_GB2261),
            from_fhir,
        ),
    ]


def marital_maps() -> list[JsonObject]:
    to_v3 = [
        MapEntry("10", "未婚", "S", "Never Married"),
        MapEntry("20", "已婚", "M", "Married"),
        MapEntry("21", "初婚", "M", "Married", "wider"),
        MapEntry("22", "再婚", "M", "Married", "wider"),
        MapEntry("23", "复婚", "M", "Married", "wider"),
        MapEntry("30", "丧偶", "W", "Widowed"),
        MapEntry("40", "离婚", "D", "Divorced"),
    ]
    from_v3 = [
        MapEntry("S", "Never Married", "10", "未婚"),
        MapEntry("M", "Married", "20", "已婚"),
        MapEntry("W", "Widowed", "30", "丧偶"),
        MapEntry("D", "Divorced", "40", "离婚"),
    ]
    maps = [
        concept_map(
            "gb2261-2-to-v3-marital-status",
            "GB/T 2261.2 婚姻状况 → HL7 v3 MaritalStatus",
            (MARITAL_GB_VS, urls.MARITAL_GB2261_2),
            (MARITAL_VS, urls.V3_MARITAL_STATUS),
            to_v3,
        ),
        concept_map(
            "v3-marital-status-to-gb2261-2",
            "HL7 v3 MaritalStatus → GB/T 2261.2 婚姻状况",
            (MARITAL_VS, urls.V3_MARITAL_STATUS),
            (MARITAL_GB_VS, urls.MARITAL_GB2261_2),
            from_v3,
        ),
    ]
    # 90 未说明的婚姻状况 is a null flavour in FHIR (marital-status binds v3-NullFlavor UNK too).
    maps[0]["group"].append(
        {
            "source": urls.MARITAL_GB2261_2,
            "target": urls.V3_NULL_FLAVOR,
            "element": [
                {
                    "code": "90",
                    "display": "未说明的婚姻状况",
                    "target": [{"code": "UNK", "display": "unknown", "equivalence": "equivalent"}],
                }
            ],
        }
    )
    maps[1]["group"].append(
        {
            "source": urls.V3_NULL_FLAVOR,
            "target": urls.MARITAL_GB2261_2,
            "element": [
                {
                    "code": "UNK",
                    "display": "unknown",
                    "target": [
                        {"code": "90", "display": "未说明的婚姻状况", "equivalence": "equivalent"}
                    ],
                }
            ],
        }
    )
    return maps
