"""Small read helpers over a CDA R2 tree (namespace `urn:hl7-org:v3`) for the renderer.

They never raise on a missing element: a document that lacks a field renders without it.
"""

from __future__ import annotations

from typing import TypeAlias

from lxml import etree

HL7 = "urn:hl7-org:v3"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
NS = {"h": HL7}

Element: TypeAlias = etree._Element  # lxml ships no type information: Any to mypy


def tag(local: str) -> str:
    """The Clark-notation name of a CDA element."""
    return f"{{{HL7}}}{local}"


def local_name(node: Element) -> str:
    """`section` for `{urn:hl7-org:v3}section`; '' for comments and processing instructions."""
    if not isinstance(node.tag, str):
        return ""
    return str(etree.QName(node).localname)


def child(node: Element | None, *path: str) -> Element | None:
    """The first element at `path` (CDA local names) below `node`, or None."""
    for step in path:
        if node is None:
            return None
        node = node.find(tag(step))
    return node


def children(node: Element | None, name: str) -> list[Element]:
    """Every direct child named `name` (CDA local name)."""
    return [] if node is None else list(node.iterfind(tag(name)))


def text_of(node: Element | None) -> str:
    """All text inside `node`, whitespace collapsed; '' when absent."""
    if node is None:
        return ""
    return " ".join("".join(node.itertext()).split())


def attr(node: Element | None, name: str) -> str:
    """An attribute's value, stripped; '' when the node or the attribute is absent."""
    if node is None:
        return ""
    return (node.get(name) or "").strip()


def xsi_type(node: Element) -> str:
    """The local part of `xsi:type` ("PQ" for "PQ" or "hl7:PQ"), upper-cased."""
    value = attr(node, XSI_TYPE)
    return value.rsplit(":", 1)[-1].upper()
