"""Section entries as rows of a definition table (条目): one row per clinical statement, nested
statements (entryRelationship, organizer components) indented below their parent.

Generic over every document type: the row is built from the statement's own structure (code,
value, time, reference range, dose, route …), never from knowledge of a particular template.
"""

from __future__ import annotations

from dataclasses import dataclass

from kangtong.documents.cda_xml import (
    Element,
    attr,
    child,
    children,
    local_name,
    text_of,
    xsi_type,
)
from kangtong.documents.render_values import (
    code_text,
    quantity_text,
    time_text,
    value_text,
    values_text,
)

STATEMENT_KINDS = {
    "observation": "观察",
    "substanceAdministration": "用药",
    "supply": "供应",
    "procedure": "操作",
    "encounter": "就诊",
    "act": "活动",
    "organizer": "组",
    "observationMedia": "多媒体",
    "regionOfInterest": "区域",
}
_NESTING = ("entryRelationship", "component")
_MAX_DEPTH = 12  # a document nesting statements deeper than this is shown down to here


@dataclass(frozen=True, slots=True)
class EntryRow:
    """One clinical statement, flattened for display."""

    depth: int
    kind: str
    name: str
    value: str
    details: tuple[str, ...]


def entry_rows(section: Element) -> list[EntryRow]:
    """Every statement of every `entry` of `section`, in document order."""
    rows: list[EntryRow] = []
    for entry in children(section, "entry"):
        for statement in entry:
            _collect(statement, 0, rows)
    return rows


def _collect(statement: Element, depth: int, rows: list[EntryRow]) -> None:
    kind = local_name(statement)
    if kind not in STATEMENT_KINDS or depth > _MAX_DEPTH:
        return
    rows.append(_row(statement, kind, depth))
    for relation in statement:
        if local_name(relation) in _NESTING:
            for nested in relation:
                _collect(nested, depth + 1, rows)


def _row(statement: Element, kind: str, depth: int) -> EntryRow:
    if kind == "substanceAdministration":
        name, value, details = _medication(statement)
    elif kind == "supply":
        name, value, details = (
            _product_name(statement),
            quantity_text(child(statement, "quantity")),
            [],
        )
    else:
        name, value, details = code_text(child(statement, "code")), values_text(statement), []
    details += _common_details(statement)
    if not name:
        name = text_of(child(statement, "text"))
    return EntryRow(depth, STATEMENT_KINDS[kind], name, value, tuple(filter(None, details)))


def _medication(statement: Element) -> tuple[str, str, list[str]]:
    dose = child(statement, "doseQuantity")
    details = [
        _labelled("途径", code_text(child(statement, "routeCode"))),
        _labelled("剂型", code_text(child(statement, "administrationUnitCode"))),
    ]
    for timing in children(statement, "effectiveTime"):
        details.append(_labelled("频次" if _is_frequency(timing) else "时间", _timing(timing)))
    details.append(_labelled("代码", code_text(child(statement, "code"))))
    return _product_name(statement), _labelled("剂量", quantity_text(dose)), details


def _product_name(statement: Element) -> str:
    product = child(statement, "consumable", "manufacturedProduct")
    if product is None:  # an lxml element is falsy when it has no children: test for None
        product = child(statement, "product", "manufacturedProduct")
    for material in ("manufacturedLabeledDrug", "manufacturedMaterial"):
        drug = child(product, material)
        if drug is not None:
            return text_of(child(drug, "name")) or code_text(child(drug, "code"))
    return ""


def _is_frequency(timing: Element) -> bool:
    return xsi_type(timing) in {"PIVL_TS", "EIVL_TS"}


def _timing(timing: Element) -> str:
    period = child(timing, "period")
    if period is not None:
        return f"每 {quantity_text(period)}"
    event = child(timing, "event")
    if event is not None:
        return code_text(event)
    return time_text(timing)


def _common_details(statement: Element) -> list[str]:
    details: list[str] = []
    if local_name(statement) != "substanceAdministration":
        details.append(_labelled("时间", time_text(child(statement, "effectiveTime"))))
    for interpretation in children(statement, "interpretationCode"):
        details.append(_labelled("解释", code_text(interpretation)))
    for method in children(statement, "methodCode"):
        details.append(_labelled("方法", code_text(method)))
    for site in children(statement, "targetSiteCode"):
        details.append(_labelled("部位", code_text(site)))
    for reference in children(statement, "referenceRange"):
        details.append(_labelled("参考范围", _range(reference)))
    status = attr(child(statement, "statusCode"), "code")
    details.append(_labelled("状态", status))
    return details


def _range(reference: Element) -> str:
    observation = child(reference, "observationRange")
    value = child(observation, "value")
    shown = value_text(value) if value is not None else ""
    return shown or text_of(child(observation, "text"))


def _labelled(label: str, text: str) -> str:
    return f"{label}：{text}" if text else ""
