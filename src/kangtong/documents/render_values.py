"""CDA data-type values as short zh-CN text (时间、数量、编码): TS, IVL_TS, PQ, CD and friends.

What the document says is shown as it says it: an unparseable timestamp is shown verbatim, a
code without a display name is shown as its code; nothing is looked up or computed.
"""

from __future__ import annotations

import re

from kangtong.documents.cda_xml import Element, attr, child, children, text_of, xsi_type

_TS = re.compile(
    r"^(?P<y>\d{4})(?P<mo>\d{2})?(?P<d>\d{2})?(?P<h>\d{2})?(?P<mi>\d{2})?(?P<s>\d{2})?"
    r"(?:\.\d+)?(?P<tz>[+-]\d{4})?$"
)
_CODED = {"CD", "CE", "CV", "CS", "CO"}
_BOOLEANS = {"true": "是", "false": "否"}


def format_ts(value: str) -> str:
    """`20240305143000+0800` → `2024年3月5日 14:30 (+0800)`; anything unparseable verbatim."""
    match = _TS.match(value.strip())
    if not match:
        return value.strip()
    parts = match.groupdict()
    text = f"{parts['y']}年"
    if parts["mo"]:
        text += f"{int(parts['mo'])}月"
    if parts["d"]:
        text += f"{int(parts['d'])}日"
    if parts["h"]:
        text += f" {parts['h']}:{parts['mi'] or '00'}"
        if parts["s"] and parts["s"] != "00":
            text += f":{parts['s']}"
    if parts["tz"]:
        text += f" ({parts['tz']})"
    return text


def time_text(node: Element | None) -> str:
    """A TS or IVL_TS element (`value`, or `low`/`high`/`center`) as text."""
    if node is None:
        return ""
    if attr(node, "value"):
        return format_ts(attr(node, "value"))
    low, high = attr(child(node, "low"), "value"), attr(child(node, "high"), "value")
    if low or high:
        return f"{format_ts(low) if low else '…'} 至 {format_ts(high) if high else '…'}"
    center = attr(child(node, "center"), "value")
    return format_ts(center) if center else text_of(node)


def quantity_text(node: Element | None) -> str:
    """A PQ (`value` + `unit`, the UCUM unit "1" left out), or an IVL_PQ range."""
    if node is None:
        return ""
    if attr(node, "value"):
        unit = attr(node, "unit")
        return f"{attr(node, 'value')} {unit}".strip() if unit != "1" else attr(node, "value")
    low_node, high_node = child(node, "low"), child(node, "high")
    low, high = attr(low_node, "value"), attr(high_node, "value")
    if low and high and attr(low_node, "unit") == attr(high_node, "unit"):
        unit = attr(high_node, "unit")
        return f"{low}–{high} {unit}".strip() if unit != "1" else f"{low}–{high}"
    if low or high:
        return f"{quantity_text(low_node) or '…'} – {quantity_text(high_node) or '…'}"
    return text_of(node)


def code_text(node: Element | None) -> str:
    """A coded value: `displayName (code)`, the code alone, or its original text."""
    if node is None:
        return ""
    code, display = attr(node, "code"), attr(node, "displayName")
    if display and code:
        return f"{display} ({code})"
    return display or code or text_of(child(node, "originalText")) or text_of(node)


def value_text(node: Element) -> str:
    """An observation `value` by its `xsi:type`; unknown types show what they carry."""
    kind = xsi_type(node)
    if kind in _CODED:
        return code_text(node)
    if kind in {"TS", "IVL_TS"}:
        return time_text(node)
    if kind in {"PQ", "IVL_PQ"}:
        return quantity_text(node)
    if kind == "BL":
        return _BOOLEANS.get(attr(node, "value"), attr(node, "value"))
    if kind == "MO":
        return f"{attr(node, 'value')} {attr(node, 'currency')}".strip()
    if kind in {"INT", "REAL", "IVL_INT", "IVL_REAL"} and not attr(node, "value"):
        return quantity_text(node)
    # ST, ED, SC and anything else: its text, else whatever value or code it carries.
    return text_of(node) or attr(node, "value") or code_text(node)


def values_text(node: Element) -> str:
    """Every `value` child of a clinical statement, joined."""
    return "；".join(filter(None, (value_text(value) for value in children(node, "value"))))
