"""What validation says about a document: findings with a rule id, a place and a Chinese message."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lxml import etree

V3 = "urn:hl7-org:v3"


class Severity(StrEnum):
    """`error` rejects the document; `warning` accepts it and is counted; `information` neither."""

    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"


class Layer(StrEnum):
    XML = "xml"
    STRUCTURE = "structure"
    HEADER = "header"
    TYPE = "type"
    CODES = "codes"
    VALUES = "values"


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: Severity
    layer: Layer
    xpath: str
    message_zh: str
    line: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "severity": str(self.severity),
            "layer": str(self.layer),
            "xpath": self.xpath,
            "line": self.line,
            "message": self.message_zh,
        }


@dataclass(frozen=True)
class Report:
    """All findings for one document; valid when none is an error."""

    findings: tuple[Finding, ...]

    @property
    def valid(self) -> bool:
        return not any(f.severity is Severity.ERROR for f in self.findings)

    def rule_ids(self) -> set[str]:
        return {f.rule_id for f in self.findings}


def local(element: etree._Element) -> str:
    """The element's local name ('' for comments and processing instructions)."""
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def xpath_of(element: etree._Element) -> str:
    """A readable XPath: local names with a position where siblings share the name.

    Every CDA element is in urn:hl7-org:v3, so the prefix is left out for the reader.
    """
    steps: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        name = local(node)
        parent = node.getparent()
        if parent is not None:
            same = [c for c in parent if c.tag == node.tag]
            if len(same) > 1:
                name = f"{name}[{same.index(node) + 1}]"
        steps.append(name)
        node = parent
    return "/" + "/".join(reversed(steps))


class Collector:
    """Findings of one layer, each placed at an element."""

    def __init__(self, layer: Layer) -> None:
        self.layer = layer
        self.findings: list[Finding] = []

    def add(
        self,
        rule_id: str,
        severity: Severity,
        element: etree._Element,
        message_zh: str,
        tail: str = "",
    ) -> None:
        self.findings.append(
            Finding(
                rule_id,
                severity,
                self.layer,
                xpath_of(element) + tail,
                message_zh,
                element.sourceline,
            )
        )

    def error(self, rule_id: str, element: etree._Element, message_zh: str, tail: str = "") -> None:
        self.add(rule_id, Severity.ERROR, element, message_zh, tail)

    def warning(
        self, rule_id: str, element: etree._Element, message_zh: str, tail: str = ""
    ) -> None:
        self.add(rule_id, Severity.WARNING, element, message_zh, tail)


def child(element: etree._Element, name: str) -> etree._Element | None:
    return element.find(f"{{{V3}}}{name}")


def children(element: etree._Element, name: str) -> list[etree._Element]:
    found: list[etree._Element] = element.findall(f"{{{V3}}}{name}")
    return found


def path(element: etree._Element, steps: str) -> list[etree._Element]:
    """Elements at a slash-separated path of V3 local names below `element`."""
    found: list[etree._Element] = element.findall(
        "/".join(f"{{{V3}}}{s}" for s in steps.split("/"))
    )
    return found
