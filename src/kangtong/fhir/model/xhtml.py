"""Narrative XHTML (`Narrative.div`, the R4 `xhtml` type) checked as FHIR R4 demands.

FHIR R4 §2.4 (Narrative) and the `xhtml` datatype: the value is one `<div>` element in the XHTML
namespace, an XML fragment without a DTD or processing instructions, holding only "the basic
html formatting elements and attributes described in chapters 7-11 (except section 4 of chapter
9) and 15 of the HTML 4.0 standard, <a> elements (either name or href), images and internally
contained style attributes" (invariant txt-1) and "some non-whitespace content" (txt-2). No
head, body, scripts, forms, frames, iframes, objects or event-handler attributes.

The element and attribute lists are those the HL7 validator applies for txt-1. Beyond them,
URLs (`href`, `src`, `cite`, `longdesc`) may only be relative references or use http, https,
mailto, tel or urn — a `javascript:` link is active content, whatever its characters — and an
image may be a `data:` URL of a raster image type only (an SVG can carry script).

Parsed with expat, which never fetches anything; a DTD is refused as soon as it starts, so no
entity is ever declared or expanded (HTML entities such as `&nbsp;` are not XML: write the
character or `&#160;`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from kangtong.fhir.model.issues import Issues, error, json_kind
from kangtong.fhir.model.primitives import control_character_problem

XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_NS = "http://www.w3.org/XML/1998/namespace"

ELEMENTS = frozenset(
    {"p", "br", "div", "h1", "h2", "h3", "h4", "h5", "h6", "a", "span", "b", "em", "i", "strong",
     "small", "big", "tt", "dfn", "q", "var", "abbr", "acronym", "cite", "blockquote", "hr",
     "address", "bdo", "kbd", "sub", "sup", "ul", "ol", "li", "dl", "dt", "dd", "pre", "table",
     "caption", "colgroup", "col", "thead", "tr", "tfoot", "tbody", "th", "td", "code", "samp",
     "img", "map", "area"}
)  # fmt: skip
# Attributes allowed on every element (the table ones included, as the validator has them).
ATTRIBUTES = frozenset(
    {"title", "style", "class", "id", "lang", "xml:lang", "dir", "accesskey", "tabindex",
     "span", "width", "align", "valign", "char", "charoff", "abbr", "axis", "headers", "scope",
     "rowspan", "colspan", "xml:space"}
)  # fmt: skip
# Attributes allowed on one element only, as "element.attribute".
ELEMENT_ATTRIBUTES = frozenset(
    {"a.href", "a.name", "a.charset", "a.type", "a.hreflang", "a.rel", "a.rev", "a.shape",
     "a.coords", "img.src", "img.border", "img.alt", "img.longdesc", "img.height", "img.width",
     "img.usemap", "img.ismap", "map.name", "area.shape", "area.coords", "area.href",
     "area.nohref", "area.alt", "blockquote.cite", "q.cite", "table.summary", "table.width",
     "table.border", "table.frame", "table.rules", "table.cellspacing", "table.cellpadding",
     "pre.space", "td.nowrap"}
)  # fmt: skip
URL_ATTRIBUTES = frozenset({"href", "src", "cite", "longdesc"})
URL_SCHEMES = frozenset({"http", "https", "ftp", "mailto", "tel", "urn"})
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
_RASTER_DATA = re.compile(r"data:image/(png|gif|jpeg|jpg|webp|bmp)(;base64)?,")
MAX_PROBLEMS = 5  # per narrative: enough to fix it, not a flood


class _Refused(Exception):
    """Raised inside an expat handler to stop parsing at once (a DTD, an entity declaration)."""


@dataclass
class NarrativeFindings:
    structure: list[str] = field(default_factory=list)  # not a well-formed XHTML <div>
    txt1: list[str] = field(default_factory=list)  # elements, attributes, URLs not allowed
    has_content: bool = False  # txt-2: some non-whitespace text, or an image


def narrative_findings(div: str) -> NarrativeFindings:
    """What is wrong with `div` as a FHIR R4 narrative (nothing, for a valid one)."""
    found = NarrativeFindings()
    if not div.lstrip().startswith("<div"):
        found.structure.append("narrative XHTML must be a single <div> element")
        return found
    walker = _Walker(found)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = walker.refuse_dtd
    parser.EntityDeclHandler = walker.refuse_entity
    parser.ProcessingInstructionHandler = walker.refuse_instruction
    parser.StartElementHandler = walker.start
    parser.EndElementHandler = walker.end
    parser.CharacterDataHandler = walker.text
    parser.CommentHandler = walker.comment
    parser.StartCdataSectionHandler = walker.start_cdata
    parser.EndCdataSectionHandler = walker.end_cdata
    try:
        parser.Parse(div, True)
    except _Refused as refusal:
        found.structure.append(str(refusal))
    except expat.ExpatError as exc:
        found.structure.append(f"narrative is not well-formed XHTML: {expat.ErrorString(exc.code)}")
    return found


class _Walker:
    def __init__(self, found: NarrativeFindings) -> None:
        self.found = found
        self.depth = 0
        self.in_cdata = False

    def refuse_dtd(self, *_: Any) -> None:
        raise _Refused("narrative XHTML may not have a DTD (<!DOCTYPE …>)")

    def refuse_entity(self, *_: Any) -> None:
        raise _Refused("narrative XHTML may not declare entities")

    def refuse_instruction(self, target: str, _data: str) -> None:
        self.found.structure.append(
            f"narrative XHTML may not hold processing instructions <?{target}"
        )

    def start(self, name: str, attributes: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        if self.depth == 0 and (local != "div" or namespace != XHTML_NS):
            self.found.structure.append(
                f"the narrative must be a <div> in the XHTML namespace {XHTML_NS}"
            )
        elif namespace != XHTML_NS:
            self._txt1(f"<{local}> in the namespace {namespace or '(none)'} is not XHTML")
        elif local not in ELEMENTS:
            self._txt1(f"the element <{local}> is not allowed in a narrative")
        for qualified, value in attributes.items():
            self._attribute(local, _attribute_name(qualified), value)
        if local == "img":
            self.found.has_content = True
        self.depth += 1

    def end(self, _name: str) -> None:
        self.depth -= 1

    def text(self, data: str) -> None:
        if self.in_cdata and "<" in data:
            self._markup_hidden_from_xml("a CDATA section")
        if not self.found.has_content and data.strip():
            self.found.has_content = True

    # A browser showing text.div parses it as HTML, not XML: there `<![CDATA[` ends at the
    # first `>` and `<!-->` is a whole comment, so markup an XML parser reads as text or as a
    # comment becomes live elements (`<![CDATA[><img src=x onerror=…>]]>`). Comments and CDATA
    # sections are kept only when they hold no markup.
    def comment(self, data: str) -> None:
        if "<" in data:
            self._markup_hidden_from_xml("a comment")

    def start_cdata(self) -> None:
        self.in_cdata = True

    def end_cdata(self) -> None:
        self.in_cdata = False

    def _markup_hidden_from_xml(self, where: str) -> None:
        self._txt1(f"{where} in a narrative may not hold markup (an HTML parser would run it)")

    def _attribute(self, element: str, name: str, value: str) -> None:
        if name.lower().startswith("on"):
            self._txt1(f"the event handler attribute {name} on <{element}> is not allowed")
            return
        if name not in ATTRIBUTES and f"{element}.{name}" not in ELEMENT_ATTRIBUTES:
            self._txt1(f"the attribute {name} is not allowed on <{element}>")
            return
        if name in URL_ATTRIBUTES and (problem := unsafe_url(element, value)) is not None:
            self._txt1(f"{element}.{name}: {problem}")

    def _txt1(self, message: str) -> None:
        if len(self.found.txt1) < MAX_PROBLEMS and message not in self.found.txt1:
            self.found.txt1.append(message)


def _attribute_name(qualified: str) -> str:
    namespace, _, local = qualified.rpartition(" ")
    if namespace == XML_NS:
        return f"xml:{local}"
    return f"{{{namespace}}}{local}" if namespace else local


def unsafe_url(element: str, value: str) -> str | None:
    """Why a URL in a narrative is not allowed, or None when it is harmless.

    Browsers drop whitespace and control characters inside a scheme (`java\\tscript:`), so the
    scheme is read with them removed.
    """
    compact = "".join(ch for ch in value if ch > " ").lower()
    scheme = _SCHEME.match(compact)
    if scheme is None or scheme.group(1) in URL_SCHEMES:
        return None  # a relative reference, a fragment, or an allowed scheme
    if scheme.group(1) == "data" and element == "img" and _RASTER_DATA.match(compact):
        return None
    return f"the URL scheme {scheme.group(1)}: is not allowed"


def check_narrative_div(
    value: Any, owner: dict[str, Any], path: str, key: str, issues: Issues
) -> None:
    """The field check of every `xhtml` element: the R4 rules above, as validation issues."""
    where = f"{path}.{key}"
    if type(value) is not str:
        error(
            issues, "structure", where, f"expected a JSON string of XHTML, found {json_kind(value)}"
        )
        return
    if (problem := control_character_problem(value)) is not None:
        error(issues, "value", where, problem)
        return
    found = narrative_findings(value)
    for message in found.structure:
        error(issues, "structure", where, message)
    for message in found.txt1:
        error(issues, "invariant", where, f"txt-1: {message}")
    if not found.structure and not found.has_content:
        error(issues, "invariant", where, "txt-2: the narrative has no non-whitespace content")
