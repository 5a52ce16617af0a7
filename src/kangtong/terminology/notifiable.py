"""法定传染病 (notifiable infectious diseases) as a CodeSystem with class and reporting deadline.

《中华人民共和国传染病防治法》(2013 text) art. 3 names the 甲/乙/丙 classes; art. 4 has
传染性非典型肺炎 and 肺炭疽 (乙类) managed as 甲类. Additions and changes by the health
commission: 人感染H7N9禽流感 乙类 and 人感染高致病性禽流感 no longer managed as 甲类 (2013-11),
新型冠状病毒感染 乙类乙管 (from 2023-01-08), 猴痘 乙类 (from 2023-09-20). Reporting deadlines,
《传染病信息报告管理规范（2015年版）》: 甲类 and the 乙类 managed as 甲类 within 2 hours; the
others within 24 hours. The law was revised again in 2025; the data file is the place to update.
"""

from __future__ import annotations

from pathlib import Path

from kangtong.terminology import urls
from kangtong.terminology.builders import MapEntry, concept_map
from kangtong.terminology.code_system_index import CodeSystemIndex
from kangtong.terminology.concepts import (
    CodeSystemContent,
    Concept,
    PropertyDefinition,
    PropertyValue,
)
from kangtong.terminology.importers.sources import read_rows

CLASS_DISPLAY = {"甲": "甲类传染病", "乙": "乙类传染病", "丙": "丙类传染病"}
PROPERTIES = (
    PropertyDefinition("class", "Coding", "传染病类别: 甲 / 乙 / 丙"),
    PropertyDefinition("reportDeadlineHours", "integer", "网络直报时限（小时）: 2 or 24"),
    PropertyDefinition("managedAsClassA", "boolean", "乙类按甲类管理 (e.g. 肺炭疽, SARS)"),
    PropertyDefinition("icd10", "Coding", "ICD-10 category (GB/T 14396) of the disease"),
)


def notifiable_diseases(path: Path) -> CodeSystemContent:
    concepts = []
    for row in read_rows(path):
        values = row.values
        disease_class = values["class"]
        props = [
            PropertyValue(
                "class",
                "valueCoding",
                {
                    "system": urls.NOTIFIABLE_CLASS,
                    "code": disease_class,
                    "display": CLASS_DISPLAY[disease_class],
                },
            ),
            PropertyValue(
                "reportDeadlineHours", "valueInteger", int(values["report_deadline_hours"])
            ),
            PropertyValue(
                "managedAsClassA", "valueBoolean", values["managed_as_class_a"] == "true"
            ),
        ]
        props += [
            PropertyValue("icd10", "valueCoding", {"system": urls.ICD10_CN, "code": code})
            for code in values["icd10"].split(";")
            if code
        ]
        parent = values.get("parent") or ""
        concepts.append(
            Concept(
                values["code"],
                values["display"],
                properties=tuple(props),
                parents=(parent,) if parent else (),
            )
        )
    return CodeSystemContent(
        id="notifiable-disease",
        url=urls.NOTIFIABLE_DISEASE,
        name="NotifiableDisease",
        title="法定传染病 (notifiable infectious diseases)",
        description=(__doc__ or "").strip(),
        value_set=urls.value_set_url("notifiable-disease"),
        properties=PROPERTIES,
        concepts=concepts,
    )


def disease_classes() -> CodeSystemContent:
    return CodeSystemContent(
        id="notifiable-disease-class",
        url=urls.NOTIFIABLE_CLASS,
        name="NotifiableDiseaseClass",
        title="传染病类别 (classes of notifiable diseases)",
        value_set=urls.value_set_url("notifiable-disease-class"),
        concepts=[Concept(code, display) for code, display in CLASS_DISPLAY.items()],
    )


def icd10_to_notifiable(diseases: CodeSystemContent, icd10: CodeSystemIndex) -> dict[str, object]:
    """ICD-10 → notifiable disease, for every ICD-10 code under a disease's categories.

    `$translate` maps codes, not hierarchies, so each category is expanded with the ICD-10
    codes the server holds below it (A16 → A16, A16.2 …).
    """
    entries = []
    for disease in diseases.concepts:
        for prop in disease.property_values("icd10"):
            category = prop.as_text()
            for code in icd10.codes_in_order([category, *icd10.descendants(category)]):
                concept = icd10.get(code)
                entries.append(
                    MapEntry(
                        code,
                        concept.display if concept else "",
                        disease.code,
                        disease.display,
                        "wider",
                    )
                )
    return concept_map(
        "icd10-to-notifiable-disease",
        "ICD-10 诊断 → 法定传染病",
        (urls.value_set_url("icd10-cn"), urls.ICD10_CN),
        (urls.value_set_url("notifiable-disease"), urls.NOTIFIABLE_DISEASE),
        entries,
    )
