"""Obvious placeholder values in the fields that identify a patient, an author or the document.

A warning, not an error: the document is kept and the placeholder is counted as a data-quality
problem by the exchange layer.
"""

from __future__ import annotations

import re

from lxml import etree

from kangtong.documents.validation.findings import Collector, Layer, child, children, path

PLACEHOLDER_WORDS = frozenset(
    {
        "无",
        "不详",
        "未知",
        "测试",
        "test",
        "testing",
        "null",
        "none",
        "n/a",
        "na",
        "xxx",
        "-",
        "--",
        "/",
        ".",
    }
)
REPEATED = re.compile(r"^(.)\1{5,}$")  # 000000…, 111111…, xxxxxx…


def is_placeholder(value: str) -> bool:
    text = value.strip()
    return text.lower() in PLACEHOLDER_WORDS or bool(REPEATED.match(text))


def check_placeholders(root: etree._Element) -> Collector:
    found = Collector(Layer.VALUES)
    ids = [child(root, "id")]
    for role in path(root, "recordTarget/patientRole"):
        ids += children(role, "id") + path(role, "patient/id")
    ids += path(root, "author/assignedAuthor/id")
    ids += path(root, "custodian/assignedCustodian/representedCustodianOrganization/id")
    for element in ids:
        if (
            element is not None
            and element.get("extension")
            and is_placeholder(element.get("extension") or "")
        ):
            found.warning(
                "CDA-P-PLACEHOLDER",
                element,
                f"标识“{element.get('extension')}”是占位值",
                "/@extension",
            )
    names = path(root, "recordTarget/patientRole/patient/name")
    names += path(root, "author/assignedAuthor/assignedPerson/name")
    names += path(root, "custodian/assignedCustodian/representedCustodianOrganization/name")
    for element in names:
        text = "".join(element.itertext())
        if text.strip() and is_placeholder(text):
            found.warning("CDA-P-PLACEHOLDER", element, f"名称“{text.strip()}”是占位值")
    return found
