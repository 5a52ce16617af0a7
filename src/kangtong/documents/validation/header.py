"""WS/T 500 / WS/T 483 header rules: what the Chinese standards add to the CDA R2 header."""

from __future__ import annotations

import datetime as dt
import re

from lxml import etree

from kangtong.core.ids.gb11643 import citizen_id_check
from kangtong.documents.doctypes import DocumentType, DocumentTypes
from kangtong.documents.validation.findings import Collector, Layer, Severity, child, children, path

TYPE_ID_ROOT = "2.16.840.1.113883.1.3"
# CDA R2 names the hierarchical description POCD_HD000040; WS/T 500's examples, and the
# documents Chinese implementations derive from them, write the model id POCD_MT000040.
TYPE_ID_EXTENSIONS = ("POCD_HD000040", "POCD_MT000040")
PATIENT_ID_ARC = "2.16.156.10011.1."
CITIZEN_ID_ROOT = "2.16.156.10011.1.3"
OID = re.compile(r"^[0-2](\.(0|[1-9]\d*))+$")
UUID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")


def check_header(
    root: etree._Element, types: DocumentTypes
) -> tuple[Collector, DocumentType | None]:
    """Header findings and the document's type when the table knows it."""
    found = Collector(Layer.HEADER)
    if not any(e.get("code") == "CN" for e in children(root, "realmCode")):
        found.error("CDA-H-REALM", root, '缺少 realmCode code="CN"', "/realmCode")
    type_id = child(root, "typeId")
    if type_id is not None and (
        type_id.get("root") != TYPE_ID_ROOT or type_id.get("extension") not in TYPE_ID_EXTENSIONS
    ):
        found.error(
            "CDA-H-TYPEID",
            type_id,
            f'typeId 必须为 root="{TYPE_ID_ROOT}" extension="POCD_HD000040"（或 POCD_MT000040）',
        )
    doc_type = _document_type(root, types, found)
    _document_id(root, found)
    _times(root, found)
    _patient(root, found)
    _author_and_custodian(root, found)
    return found, doc_type


def _document_type(
    root: etree._Element, types: DocumentTypes, found: Collector
) -> DocumentType | None:
    """The type named by the code (and its code system), else by a templateId."""
    code = child(root, "code")
    templates = [t.get("root") or "" for t in children(root, "templateId")]
    by_code = None
    if code is not None:
        by_code = types.by_code(code.get("code") or "", code.get("codeSystem") or "")
    if by_code is not None:
        if by_code.template_id and by_code.template_id not in templates:
            message = f'文档类型 {by_code.code}（{by_code.name}）要求 templateId root="{by_code.template_id}"'
            found.error("CDA-H-TEMPLATE", root, message, "/templateId")
        return by_code
    by_template = next((t for t in map(types.by_template, templates) if t is not None), None)
    if by_template is None:
        message = "文档类型代码与模板标识均不在文档类型表中：未检查该类型的必需章节"
        found.add(
            "CDA-H-TYPE-UNKNOWN", Severity.WARNING, code if code is not None else root, message
        )
    elif code is not None and by_template.code:
        message = f"文档类型代码应为 {by_template.code}，代码系统 {by_template.code_system}"
        found.error("CDA-H-TYPE-CODE", code, message)
    return by_template


def _valid_root(value: str) -> bool:
    return bool(OID.match(value) or UUID.match(value))


def _document_id(root: etree._Element, found: Collector) -> None:
    doc_id = child(root, "id")
    if doc_id is None:
        return
    if doc_id.get("nullFlavor") or not _valid_root(doc_id.get("root") or ""):
        found.error("CDA-H-ID", doc_id, "文档标识 id 必须有 OID 或 UUID 形式的 root")


def _full_time(value: str) -> bool:
    if len(value) < 8:
        return False
    try:
        dt.date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return False
    if len(value) >= 12 and value[8:12].isdigit():
        return int(value[8:10]) < 24 and int(value[10:12]) < 60
    return True


def _times(root: etree._Element, found: Collector) -> None:
    for element in (child(root, "effectiveTime"), *path(root, "author/time")):
        if element is None or element.get("nullFlavor"):
            continue
        if not _full_time(element.get("value") or ""):
            found.error(
                "CDA-H-TIME",
                element,
                "时间必须为有效日期，至少精确到日（YYYYMMDD[HHMM[SS]][+ZZZZ]）",
            )


def _patient(root: etree._Element, found: Collector) -> None:
    for role in path(root, "recordTarget/patientRole"):
        ids = children(role, "id") + path(role, "patient/id")
        if not any((i.get("root") or "").startswith(PATIENT_ID_ARC) for i in ids):
            found.error(
                "CDA-H-PATIENT-ID",
                role,
                "患者标识须至少有一个 root 在 2.16.156.10011.1.x 之下（如身份证号、健康卡号、门诊号、住院号）",
            )
    for element in root.iter("{urn:hl7-org:v3}id"):
        value = element.get("extension")
        if element.get("root") == CITIZEN_ID_ROOT and value and not citizen_id_check(value).valid:
            found.warning("CDA-H-CITIZEN-ID", element, "身份证号未通过 GB 11643 校验")


def _author_and_custodian(root: etree._Element, found: Collector) -> None:
    for assigned in path(root, "author/assignedAuthor"):
        if not any(i.get("root") and not i.get("nullFlavor") for i in children(assigned, "id")):
            found.error("CDA-H-AUTHOR", assigned, "文档创作者 assignedAuthor 须有标识 id")
    for org in path(root, "custodian/assignedCustodian/representedCustodianOrganization"):
        ids = [i for i in children(org, "id") if i.get("root") and not i.get("nullFlavor")]
        name = child(org, "name")
        if not ids or name is None or not (name.text or "").strip():
            found.error("CDA-H-CUSTODIAN", org, "文档保管机构须有标识 id 和名称 name")
