"""Whatever is dropped, duplicated or renamed in a valid document, validation answers in findings.

Nothing else may come out: no exception reaches the caller, and every finding has a rule id, a
severity, an XPath and a Chinese message.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from kangtong.documents.validation import Severity, StaticCodes, validate_bytes

VALID = sorted((Path(__file__).parent / "corpus" / "valid").glob("*.xml"))
SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
OPERATIONS = (
    "drop",
    "duplicate",
    "rename",
    "drop-attribute",
    "rename-attribute",
    "blank-attribute",
)


def mutate(data: bytes, steps: list[tuple[str, int]]) -> bytes:
    root = etree.fromstring(data, SAFE)
    for operation, pick in steps:
        elements = [e for e in root.iter() if isinstance(e.tag, str)]
        element = elements[pick % len(elements)]
        parent = element.getparent()
        attributes = sorted(element.attrib)
        if operation == "drop" and parent is not None:
            parent.remove(element)
        elif operation == "duplicate" and parent is not None:
            element.addnext(etree.fromstring(etree.tostring(element), SAFE))
        elif operation == "rename":
            namespace = etree.QName(element).namespace
            element.tag = f"{{{namespace}}}x{pick}" if namespace else f"x{pick}"
        elif attributes:
            name = attributes[pick % len(attributes)]
            value = element.attrib.pop(name)
            if operation == "rename-attribute":
                element.set(f"a{pick}", value)
            elif operation == "blank-attribute":
                element.set(name, "")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


@settings(max_examples=150, deadline=None)
@given(
    document=st.sampled_from(VALID),
    steps=st.lists(
        st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 10_000)), min_size=1, max_size=4
    ),
)
def test_mutated_documents_yield_findings_and_nothing_else(
    document: Path, steps: list[tuple[str, int]]
) -> None:
    report = validate_bytes(mutate(document.read_bytes(), steps), StaticCodes())
    for finding in report.findings:
        assert finding.rule_id and finding.xpath.startswith("/") and finding.message_zh
        assert finding.severity in Severity


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=300) | st.text(max_size=200).map(lambda t: f"<a>{t}</a>".encode()))
def test_arbitrary_bytes_yield_findings_and_nothing_else(data: bytes) -> None:
    report = validate_bytes(data)
    assert all(f.rule_id for f in report.findings)
