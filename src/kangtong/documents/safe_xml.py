"""The one place the product parses XML: documents come from outside, so the parser trusts nothing.

CDA never needs a DOCTYPE, so any DOCTYPE is refused before lxml sees the bytes (UTF-16 and
UTF-32 bytes are decoded for that check, as a parser would read them): that closes
XXE (file and http), billion laughs, external DTDs and parameter entities in one rule. The
parser itself also resolves no entity, loads no DTD and touches no network, so a DOCTYPE the
pre-check missed still expands nothing. Size and depth are bounded; the declared encoding
(UTF-8, GB18030, GBK, with or without a BOM) is honoured by lxml from the bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

MAX_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 256

# A DOCTYPE can only come before the root element; a comment or PI may precede it.
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_PROLOG_TOKEN = re.compile(rb"<!--.*?-->|<\?.*?\?>|<[A-Za-z_:]", re.DOTALL)


# Encodings whose `<` is not the byte 0x3C, told by the first bytes as XML 1.0 appendix F does
# (UTF-32 before UTF-16: their little-endian byte-order marks share the first two bytes).
_WIDE_ENCODINGS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)


def _as_ascii_compatible(data: bytes) -> bytes:
    """UTF-16 and UTF-32 bytes re-encoded as UTF-8, so the byte checks below see their markup."""
    for start, encoding in _WIDE_ENCODINGS:
        if data.startswith(start):
            return data.decode(encoding, errors="replace").encode("utf-8")
    return data


def _prolog(data: bytes) -> bytes:
    """The bytes before the root element, the only place a DOCTYPE can be (the document's text
    may quote one); comments and processing instructions there are skipped, not trusted."""
    for token in _PROLOG_TOKEN.finditer(data):
        if not token.group().startswith((b"<!--", b"<?")):
            return data[: token.start()]
    return data


@dataclass(frozen=True)
class XmlRefused(Exception):
    """Bytes that are not (safe) XML: `rule_id` names why, `line`/`column` where when known."""

    rule_id: str
    message_zh: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = f" (line {self.line}" if self.line else ""
        if where and self.column is not None:
            where += f", column {self.column}"
        where += ")" if where else ""
        return f"{self.rule_id}: {self.message_zh}{where}"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse_xml(
    data: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH
) -> etree._ElementTree:
    """Parse `data` into a tree, or raise `XmlRefused` saying why it was not read."""
    if len(data) > max_bytes:
        raise XmlRefused("XML-SIZE", f"文档过大：{len(data)} 字节，上限 {max_bytes} 字节")
    prolog = _prolog(_as_ascii_compatible(data))
    if _DOCTYPE.search(prolog) or _ENTITY.search(prolog):
        raise XmlRefused("XML-DOCTYPE", "文档含 DOCTYPE 或实体声明：CDA 文档不需要，出于安全拒绝")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        # libxml2 ends some messages with a newline: a refusal is one line (CLI, OperationOutcome).
        message = " ".join(str(exc.msg or exc).split(", line ")[0].split())
        if "Excessive depth" in message:  # libxml2's own bound (256 without huge_tree)
            raise XmlRefused("XML-DEPTH", f"元素嵌套过深：超过 {max_depth} 层", line) from exc
        raise XmlRefused("XML-SYNTAX", f"XML 格式错误：{message}", line, column) from exc
    except ValueError as exc:  # e.g. an unknown declared encoding
        raise XmlRefused("XML-SYNTAX", f"XML 无法读取：{exc}") from exc
    if root is None:
        raise XmlRefused("XML-SYNTAX", "XML 文档为空")
    tree = root.getroottree()
    if tree.docinfo.doctype:
        raise XmlRefused("XML-DOCTYPE", "文档含 DOCTYPE：CDA 文档不需要，出于安全拒绝")
    _check_depth(root, max_depth)
    return tree


def _check_depth(root: etree._Element, max_depth: int) -> None:
    stack: list[tuple[etree._Element, int]] = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > max_depth:
            raise XmlRefused(
                "XML-DEPTH",
                f"元素嵌套过深：超过 {max_depth} 层",
                element.sourceline,
            )
        stack.extend((child, depth + 1) for child in element)
