"""Per-type rules, read from the type table: the sections and entries each type must contain."""

from __future__ import annotations

from lxml import etree

from kangtong.documents.doctypes import DocumentType, RequiredPart
from kangtong.documents.validation.findings import V3, Collector, Layer, Severity, child


def check_type(root: etree._Element, doc_type: DocumentType) -> Collector:
    found = Collector(Layer.TYPE)
    body = root.find(f"{{{V3}}}component/{{{V3}}}structuredBody")
    if body is None:
        return found  # a nonXMLBody carries no sections to check
    section_codes = {
        code.get("code")
        for s in body.iter(f"{{{V3}}}section")
        if (code := child(s, "code")) is not None
    }
    entry_codes = {
        c.get("code") for c in body.iter(f"{{{V3}}}code", f"{{{V3}}}value") if c.get("code")
    }
    for part in doc_type.sections:
        if part.code not in section_codes:
            _missing(
                found,
                body,
                part,
                "CDA-T-SECTION",
                f"{doc_type.name}缺少必需的章节：{part.name}（{part.code}）",
            )
    for part in doc_type.entries:
        if part.code not in entry_codes:
            _missing(
                found,
                body,
                part,
                "CDA-T-ENTRY",
                f"{doc_type.name}缺少必需的条目：{part.name}（{part.code}）",
            )
    return found


def _missing(
    found: Collector, body: etree._Element, part: RequiredPart, rule_id: str, message: str
) -> None:
    if part.confirmed:
        found.error(rule_id, body, message)
    else:
        found.add(
            rule_id + "-UNCONFIRMED",
            Severity.INFORMATION,
            body,
            message + "（该规则尚未与标准原文核实，仅作提示）",
        )
