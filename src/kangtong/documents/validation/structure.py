"""CDA R2 structure (POCD_MT000040), the parts kangtong relies on, written from the standard.

The header elements of ClinicalDocument come in a fixed order with fixed cardinalities; the
body is a structuredBody of sections or a nonXMLBody; sections carry a code. Elements in other
namespaces (extensions such as sdtc) are left alone, as the schema allows.
"""

from __future__ import annotations

import re

from lxml import etree

from kangtong.documents.validation.findings import (
    V3,
    Collector,
    Layer,
    child,
    children,
    local,
    path,
)

# (name, minimum, maximum or None for unbounded), in the order POCD_MT000040 gives them.
HEADER: tuple[tuple[str, int, int | None], ...] = (
    ("realmCode", 0, None),
    ("typeId", 1, 1),
    ("templateId", 0, None),
    ("id", 1, 1),
    ("code", 1, 1),
    ("title", 0, 1),
    ("effectiveTime", 1, 1),
    ("confidentialityCode", 1, 1),
    ("languageCode", 0, 1),
    ("setId", 0, 1),
    ("versionNumber", 0, 1),
    ("copyTime", 0, 1),
    ("recordTarget", 1, None),
    ("author", 1, None),
    ("dataEnterer", 0, 1),
    ("informant", 0, None),
    ("custodian", 1, 1),
    ("informationRecipient", 0, None),
    ("legalAuthenticator", 0, 1),
    ("authenticator", 0, None),
    ("participant", 0, None),
    ("inFulfillmentOf", 0, None),
    ("documentationOf", 0, None),
    ("relatedDocument", 0, None),
    ("authorization", 0, None),
    ("componentOf", 0, 1),
    ("component", 1, 1),
)
ORDER = {name: i for i, (name, _, _) in enumerate(HEADER)}
# HL7 TS: YYYY[MM[DD[HH[MM[SS[.U+]]]]]][+/-ZZZZ] (digits only, no separators). The fraction
# of a second may have any number of digits, as the CDA schema's `ts` pattern allows (a
# system writing microseconds sends six).
TS = re.compile(r"^(\d{4}|\d{6}|\d{8}|\d{10}|\d{12}|\d{14}(\.\d+)?)([+-]\d{4})?$")
TIME_ELEMENTS = frozenset({"effectiveTime", "time", "birthTime"})
INTERVAL_BOUNDS = frozenset({"low", "high", "center"})
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def check_structure(root: etree._Element) -> Collector:
    found = Collector(Layer.STRUCTURE)
    if root.tag != f"{{{V3}}}ClinicalDocument":
        found.error("CDA-S-ROOT", root, "根元素必须是 urn:hl7-org:v3 命名空间中的 ClinicalDocument")
        return found
    _header_elements(root, found)
    _participants(root, found)
    _body(root, found)
    _data_types(root, found)
    return found


def _header_elements(root: etree._Element, found: Collector) -> None:
    counts: dict[str, int] = {}
    last = -1
    for element in root:
        if not isinstance(element.tag, str) or etree.QName(element).namespace != V3:
            continue
        name = local(element)
        if name not in ORDER:
            found.error("CDA-S-UNKNOWN", element, f"ClinicalDocument 下不允许出现元素 {name}")
            continue
        counts[name] = counts.get(name, 0) + 1
        if ORDER[name] < last:
            found.error("CDA-S-ORDER", element, f"元素 {name} 的位置不符合 CDA R2 规定的顺序")
        last = max(last, ORDER[name])
    for name, minimum, maximum in HEADER:
        count = counts.get(name, 0)
        if count < minimum:
            found.error("CDA-S-MISSING", root, f"缺少必需的元素 {name}", f"/{name}")
        elif maximum is not None and count > maximum:
            found.error(
                "CDA-S-REPEATED",
                root,
                f"元素 {name} 最多出现 {maximum} 次，实有 {count} 次",
                f"/{name}",
            )
    if (counts.get("setId", 0) > 0) != (counts.get("versionNumber", 0) > 0):
        found.error("CDA-S-SETID-PAIR", root, "setId 与 versionNumber 必须同时出现")


def _require(
    found: Collector, parent: etree._Element, steps: str, what: str
) -> list[etree._Element]:
    elements = path(parent, steps)
    if not elements:
        found.error("CDA-S-MISSING", parent, f"缺少必需的元素 {what}", "/" + steps)
    return elements


def _participants(root: etree._Element, found: Collector) -> None:
    for target in children(root, "recordTarget"):
        for role in _require(found, target, "patientRole", "patientRole"):
            _require(found, role, "id", "patientRole/id")
    for author in children(root, "author"):
        _require(found, author, "time", "author/time")
        for assigned in _require(found, author, "assignedAuthor", "assignedAuthor"):
            _require(found, assigned, "id", "assignedAuthor/id")
    for custodian in children(root, "custodian"):
        for org in _require(
            found,
            custodian,
            "assignedCustodian/representedCustodianOrganization",
            "assignedCustodian/representedCustodianOrganization",
        ):
            _require(found, org, "id", "representedCustodianOrganization/id")


def _body(root: etree._Element, found: Collector) -> None:
    component = child(root, "component")
    if component is None:
        return
    bodies = [e for e in component if local(e) in ("structuredBody", "nonXMLBody")]
    if len(bodies) != 1:
        found.error(
            "CDA-S-BODY", component, "component 必须且只能包含一个 structuredBody 或 nonXMLBody"
        )
        return
    body = bodies[0]
    if local(body) == "nonXMLBody":
        _require(found, body, "text", "nonXMLBody/text")
        return
    if not children(body, "component"):
        found.error("CDA-S-BODY", body, "structuredBody 至少需要一个 component/section")
    for part in children(body, "component"):
        _require(found, part, "section", "section")
    # WS/T 500 names a document's sections by their LOINC codes, so a top-level section needs
    # one; CDA R2 makes Section.code optional (0..1), and a subsection an implementation adds
    # inside a coded section is left alone rather than rejecting the document.
    for part in children(body, "component"):
        section = child(part, "section")
        if section is not None and child(section, "code") is None:
            found.error("CDA-S-SECTION-CODE", section, "章节缺少 code（章节代码）")


def _data_types(root: etree._Element, found: Collector) -> None:
    """templateId/typeId need a root; the coded header elements a code; TS values are digits.

    An empty `id`, `setId` or `versionNumber` is left to the header rules: WS/T 500's own
    examples carry `<setId/>` and `<versionNumber/>`, which the CDA schema allows.
    """
    document_code = child(root, "code")
    for element in root.iter(f"{{{V3}}}*"):
        name = local(element)
        null = element.get("nullFlavor") is not None
        if name in ("templateId", "typeId") and not null and not element.get("root"):
            found.error("CDA-S-II", element, f"{name} 缺少 root 属性（或 nullFlavor）")
        elif (
            name in ("confidentialityCode", "realmCode", "languageCode") or element is document_code
        ):
            if not null and not element.get("code"):
                found.error("CDA-S-CODE", element, f"{name} 缺少 code 属性（或 nullFlavor）")
        elif _is_time_value(element) and not TS.match(element.get("value") or "00000000"):
            found.error(
                "CDA-S-TS",
                element,
                f"时间值“{element.get('value')}”不符合 HL7 TS 格式 YYYYMMDD[HHMM[SS]][+ZZZZ]",
            )


def _is_time_value(element: etree._Element) -> bool:
    """A TS: a time element, or a bound of an interval of times — not of quantities.

    `low`/`high` are TS only inside a time interval: a reference range's
    `<value xsi:type="IVL_PQ"><low value="3.5" unit="mmol/L"/>` holds quantities.
    """
    name = local(element)
    if name in TIME_ELEMENTS:
        return True
    if name not in INTERVAL_BOUNDS:
        return False
    parent = element.getparent()
    if parent is None:
        return False
    interval_type = (parent.get(XSI_TYPE) or "").split(":")[-1]
    if interval_type:
        return interval_type.endswith("_TS")
    return local(parent) in TIME_ELEMENTS
