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


class SiblingPositions:
    """Each element's place among its same-named siblings, counted once per parent.

    Counting the siblings again for every finding made a document with many sibling findings
    quadratic (8,000 bad entries took 15 s); one pass per parent keeps it linear. The tables
    hold the element proxies, so lxml hands back the same proxy (and hash) for a node.
    """

    def __init__(self) -> None:
        self._tables: dict[etree._Element, dict[etree._Element, tuple[int, int]]] = {}

    def of(self, node: etree._Element, parent: etree._Element) -> tuple[int, int]:
        """(position from 1, number of siblings with the node's name)."""
        table = self._tables.get(parent)
        if table is None:
            counts: dict[object, int] = {}
            positions: list[tuple[etree._Element, int]] = []
            for sibling in parent:
                counts[sibling.tag] = counts.get(sibling.tag, 0) + 1
                positions.append((sibling, counts[sibling.tag]))
            table = {sibling: (place, counts[sibling.tag]) for sibling, place in positions}
            self._tables[parent] = table
        return table[node]


def xpath_of(element: etree._Element, positions: SiblingPositions | None = None) -> str:
    """A readable XPath: local names with a position where siblings share the name.

    Every CDA element is in urn:hl7-org:v3, so the prefix is left out for the reader.
    """
    positions = positions or SiblingPositions()
    steps: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        name = local(node)
        parent = node.getparent()
        if parent is not None:
            place, same = positions.of(node, parent)
            if same > 1:
                name = f"{name}[{place}]"
        steps.append(name)
        node = parent
    return "/" + "/".join(reversed(steps))


class Collector:
    """Findings of one layer, each placed at an element."""

    def __init__(self, layer: Layer) -> None:
        self.layer = layer
        self.findings: list[Finding] = []
        self._positions = SiblingPositions()

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
                xpath_of(element, self._positions) + tail,
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
