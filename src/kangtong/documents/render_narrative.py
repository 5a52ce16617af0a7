"""A CDA section narrative (`section/text`, the StrucDocText block) as safe HTML (叙述块的安全转换).

Allow-list conversion: every CDA narrative element maps to a fixed HTML element chosen here; no
element or attribute name, and no value, is copied through unescaped. Text is escaped (so a
`<script>` that was written as text, an entity or CDATA shows as characters). Elements outside
the narrative model lose their markup and keep their text. The only attributes written are
`class` (from `styleCode` Bold/Italics/Underline), `colspan`/`rowspan` (digits only) and `href`
for http(s) links.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from kangtong.documents.cda_xml import HL7, Element, attr, local_name

# CDA narrative element → HTML element; the CDA names that are also HTML names map to themselves.
_ELEMENTS = {
    "paragraph": "p",
    "content": "span",
    "item": "li",
    "sub": "sub",
    "sup": "sup",
    "footnote": "small",
    "table": "table",
    "colgroup": "colgroup",
    "col": "col",
    "thead": "thead",
    "tbody": "tbody",
    "tfoot": "tfoot",
    "tr": "tr",
    "th": "th",
    "td": "td",
}
_STYLE_CLASSES = {"Bold": "bold", "Italics": "italics", "Underline": "underline"}
_SPAN_ATTRIBUTES = ("colspan", "rowspan")
_DIGITS = re.compile(r"^\d{1,3}$")
_WEB_LINK = re.compile(r"^https?://", re.IGNORECASE)
MEDIA_PLACEHOLDER = "[多媒体内容，不在此显示]"
# Deeper narrative markup is shown as plain text: the safe parser stops at 256 levels, but a tree
# built otherwise must not exhaust Python's recursion limit here.
_MAX_NESTING = 100


def narrative_html(text: Element) -> Markup:
    """The HTML of a `section/text` element's content ('' when it holds nothing)."""
    out: list[str] = []
    _content(text, out, 0)
    return Markup("".join(out))  # every piece below is escaped or a fixed string of this module


def _content(node: Element, out: list[str], depth: int) -> None:
    out.append(escape(node.text or ""))
    for element in node:
        _element(element, out, depth + 1)
        out.append(escape(element.tail or ""))


def _element(node: Element, out: list[str], depth: int) -> None:
    name = local_name(node)
    if not name:
        return  # a comment or processing instruction: never shown
    if depth > _MAX_NESTING:
        out.append(escape("".join(node.itertext(with_tail=False))))
    elif not node.tag.startswith(f"{{{HL7}}}"):
        _content(node, out, depth)  # not CDA: its text without its markup
    elif name == "br":
        out.append("<br>")
    elif name == "renderMultiMedia":
        out.append(f'<span class="media">{MEDIA_PLACEHOLDER}</span>')
    elif name == "linkHtml":
        _link(node, out, depth)
    elif name == "list":
        _wrap("ol" if attr(node, "listType") == "ordered" else "ul", node, out, depth)
    elif name == "caption":
        caption = "caption" if local_name(node.getparent()) == "table" else "strong"
        _wrap(caption, node, out, depth)
    elif name in _ELEMENTS:
        _wrap(_ELEMENTS[name], node, out, depth)
    else:
        _content(node, out, depth)  # not narrative: its text without its markup


def _wrap(html: str, node: Element, out: list[str], depth: int) -> None:
    out.append(f"<{html}{_attributes(node)}>")
    _content(node, out, depth)
    out.append(f"</{html}>")


def _attributes(node: Element) -> str:
    if not node.attrib:
        return ""
    written = ""
    classes = [_STYLE_CLASSES[s] for s in attr(node, "styleCode").split() if s in _STYLE_CLASSES]
    if classes:
        written += f' class="{" ".join(classes)}"'  # fixed class names only
    for name in _SPAN_ATTRIBUTES:
        if _DIGITS.match(attr(node, name)):
            written += f' {name}="{attr(node, name)}"'  # digits only
    return written


def _link(node: Element, out: list[str], depth: int) -> None:
    href = attr(node, "href")
    if _WEB_LINK.match(href):
        out.append(f'<a href="{escape(href)}" rel="noopener noreferrer nofollow">')
        _content(node, out, depth)
        out.append("</a>")
    else:
        _wrap("span", node, out, depth)
