"""The layers in order, stopping where a lower layer's errors would make the next one noise.

- Bytes that are not safe, well-formed XML: one finding, nothing else is read.
- Structure errors (POCD_MT000040): the header and type rules assume the structure, so they
  are not run; the findings name what to fix first.
- Header errors do not stop the type rules (they check different parts), but a document whose
  type is unknown gets no type rules. Codes and placeholder values are checked whenever the
  structure holds.
"""

from __future__ import annotations

from lxml import etree

from kangtong.documents.doctypes import DocumentTypes, document_types
from kangtong.documents.safe_xml import XmlRefused, parse_xml
from kangtong.documents.validation.codes import CodeLookup, check_codes
from kangtong.documents.validation.findings import Finding, Layer, Report, Severity
from kangtong.documents.validation.header import check_header
from kangtong.documents.validation.placeholders import check_placeholders
from kangtong.documents.validation.sections import check_type
from kangtong.documents.validation.structure import check_structure


def validate_bytes(
    data: bytes, lookup: CodeLookup | None = None, types: DocumentTypes | None = None
) -> Report:
    """Validate a document given as bytes (the encoding comes from its XML declaration)."""
    try:
        tree = parse_xml(data)
    except XmlRefused as refused:
        where = "/" if refused.column is None else f"/ (column {refused.column})"
        return Report(
            (
                Finding(
                    refused.rule_id,
                    Severity.ERROR,
                    Layer.XML,
                    where,
                    refused.message_zh,
                    refused.line,
                ),
            )
        )
    return validate_tree(tree.getroot(), lookup, types)


def validate_tree(
    root: etree._Element, lookup: CodeLookup | None = None, types: DocumentTypes | None = None
) -> Report:
    structure = check_structure(root).findings
    if structure:
        return Report(tuple(structure))
    header, doc_type = check_header(root, types or document_types())
    findings: list[Finding] = list(header.findings)
    if doc_type is not None:
        findings += check_type(root, doc_type).findings
    if lookup is not None:
        findings += check_codes(root, lookup).findings
    findings += check_placeholders(root).findings
    return Report(tuple(findings))
