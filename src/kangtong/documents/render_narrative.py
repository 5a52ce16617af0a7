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


def narrative_html(text: Element) -> Markup:
    """The HTML of a `section/text` element's content ('' when it holds nothing)."""
    return Markup("").join(_content(text))


def _content(node: Element) -> list[Markup]:
    parts = [escape(node.text or "")]
    for element in node:
        parts.append(_element(element))
        parts.append(escape(element.tail or ""))
    return parts


def _element(node: Element) -> Markup:
    name = local_name(node)
    if not name:
        return Markup("")  # a comment or processing instruction: never shown
    if not node.tag.startswith(f"{{{HL7}}}"):
        return Markup("").join(_content(node))
    if name == "br":
        return Markup("<br>")
    if name == "renderMultiMedia":
        return Markup('<span class="media">{}</span>').format(MEDIA_PLACEHOLDER)
    if name == "linkHtml":
        return _link(node)
    if name == "list":
        return _wrap("ol" if attr(node, "listType") == "ordered" else "ul", node)
    if name == "caption":
        html = "caption" if local_name(node.getparent()) == "table" else "strong"
        return _wrap(html, node)
    if name in _ELEMENTS:
        return _wrap(_ELEMENTS[name], node)
    return Markup("").join(_content(node))  # not narrative: its text without its markup


def _wrap(html: str, node: Element) -> Markup:
    inner = Markup("").join(_content(node))
    return Markup("<{0}{1}>{2}</{0}>").format(Markup(html), _attributes(node), inner)


def _attributes(node: Element) -> Markup:
    written = Markup("")
    classes = [_STYLE_CLASSES[s] for s in attr(node, "styleCode").split() if s in _STYLE_CLASSES]
    if classes:
        written += Markup(' class="{}"').format(" ".join(classes))
    for name in _SPAN_ATTRIBUTES:
        if _DIGITS.match(attr(node, name)):
            written += Markup(' {}="{}"').format(Markup(name), attr(node, name))
    return written


def _link(node: Element) -> Markup:
    inner = Markup("").join(_content(node))
    href = attr(node, "href")
    if _WEB_LINK.match(href):
        return Markup('<a href="{}" rel="noopener noreferrer nofollow">{}</a>').format(href, inner)
    return Markup("<span>{}</span>").format(inner)
