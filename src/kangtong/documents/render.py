"""A CDA R2 shared document as a readable zh-CN HTML page (文档浏览): `render_html`.

Generic over every WS/T 500 and WS/T 483 document type: the header and the sections are read from
the CDA structure itself, never from per-type code. The page is self-contained (inline CSS, no
scripts, no external assets, a Content-Security-Policy that forbids scripts), and everything taken
from the document is escaped by Jinja2's autoescape or converted by the narrative allow-list.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from lxml import etree
from markupsafe import Markup

from kangtong.core.errors import Invalid
from kangtong.documents.cda_xml import Element, attr, child, children, tag, text_of
from kangtong.documents.render_entries import EntryRow, entry_rows
from kangtong.documents.render_header import Header, read_header
from kangtong.documents.render_narrative import narrative_html
from kangtong.documents.render_values import code_text

_MAX_SECTION_DEPTH = 20  # deeper nesting is not rendered (a guard, not a CDA rule)


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    code: str
    narrative: Markup
    entries: tuple[EntryRow, ...]
    sections: tuple[Section, ...]


@dataclass(frozen=True, slots=True)
class Attachment:
    """A nonXMLBody: only its media type is shown, never its (base64) content."""

    media_type: str
    reference: str


def render_html(document: Element | etree._ElementTree) -> str:
    """The full HTML page of a parsed `ClinicalDocument` (its root element or tree).

    Raises `Invalid` when the root is not an HL7 v3 `ClinicalDocument`.
    """
    root = document.getroot() if isinstance(document, etree._ElementTree) else document
    if root.tag != tag("ClinicalDocument"):
        raise Invalid("不是 CDA 文档：根元素应为 urn:hl7-org:v3 命名空间的 ClinicalDocument")
    header: Header = read_header(root)
    body = child(root, "component", "structuredBody")
    return _template().render(
        header=header,
        sections=_sections(body, 0),
        attachment=_attachment(child(root, "component", "nonXMLBody")),
    )


@lru_cache(maxsize=1)
def _template() -> Template:
    environment = Environment(
        loader=PackageLoader("kangtong.documents", "render_templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("document.html")


def _sections(container: Element | None, depth: int) -> tuple[Section, ...]:
    if depth > _MAX_SECTION_DEPTH:
        return ()
    return tuple(
        _section(section, depth)
        for component in children(container, "component")
        for section in children(component, "section")
    )


def _section(section: Element, depth: int) -> Section:
    text = child(section, "text")
    return Section(
        title=text_of(child(section, "title")) or attr(child(section, "code"), "displayName"),
        code=code_text(child(section, "code")),
        narrative=narrative_html(text) if text is not None else Markup(""),
        entries=tuple(entry_rows(section)),
        sections=_sections(section, depth + 1),
    )


def _attachment(body: Element | None) -> Attachment | None:
    if body is None:
        return None
    text = child(body, "text")
    reference = attr(child(text, "reference"), "value")
    return Attachment(attr(text, "mediaType") or "text/plain", reference)
