"""Reading media types: a Content-Type, an `Accept` header with q-values, FHIR's `_format`.

kangtong reads and writes FHIR JSON only. These functions answer one question each — is this
JSON? — so the FHIR API can refuse anything else with a clear 415 or 406 before it does work.
"""

from __future__ import annotations

from dataclasses import dataclass

# FHIR R4 §2.1.0.4 (http.html#mime-type): application/fhir+json; application/json is read the
# same way, and application/json+fhir is what DSTU2 clients still send.
JSON_MEDIA_TYPES = frozenset({"application/fhir+json", "application/json", "application/json+fhir"})
JSON_PATCH = "application/json-patch+json"
FORM = "application/x-www-form-urlencoded"
# FHIR's `_format` shorthand (http.html#mime-type) beside the media types themselves.
JSON_FORMATS = JSON_MEDIA_TYPES | {"json"}
XML_FORMATS = frozenset(
    {"xml", "text/xml", "application/xml", "application/fhir+xml", "application/xml+fhir"}
)


@dataclass(frozen=True, slots=True)
class MediaType:
    """A media type without its parameters (lower case), and its `charset` if one was given."""

    name: str
    charset: str | None = None


@dataclass(frozen=True, slots=True)
class MediaRange:
    """One entry of an `Accept` header: `type/subtype` (either may be `*`) and its weight."""

    name: str
    quality: float

    def matches(self, media_type: str) -> bool:
        kind, _, _ = media_type.partition("/")
        return self.name in ("*/*", f"{kind}/*", media_type)

    @property
    def specificity(self) -> int:
        """RFC 9110 §12.5.1: `text/html` overrides `text/*`, which overrides `*/*`."""
        return 0 if self.name == "*/*" else (1 if self.name.endswith("/*") else 2)


def media_type_of(header: str) -> MediaType:
    """The media type a Content-Type header names (`""` when the header is empty)."""
    name, *params = header.split(";")
    charset = None
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return MediaType(name.strip().lower(), charset)


def is_utf8(charset: str | None) -> bool:
    """FHIR JSON is UTF-8 (http.html#charset); no charset means UTF-8."""
    return charset is None or charset in ("utf-8", "utf8")


def media_ranges(accept: str) -> list[MediaRange]:
    """The ranges of an `Accept` header; a malformed one (no `/`, a bad `q`) is left out."""
    ranges = []
    for entry in accept.split(","):
        name, *params = entry.split(";")
        name = name.strip().lower()
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                quality = _quality(value.strip())
        if name.count("/") == 1 and 0.0 <= quality <= 1.0:
            ranges.append(MediaRange(name, quality))
    return ranges


def _quality(value: str) -> float:
    """A q-value (RFC 9110 §12.4.2: 0 to 1, at most three decimals); -1 when malformed."""
    digits = value.replace(".", "", 1)
    if not (value and digits.isascii() and digits.isdigit() and len(value) <= 5):
        return -1.0
    return float(value)


def quality_of(ranges: list[MediaRange], media_type: str) -> float:
    """The weight the most specific matching range gives `media_type`; 0 if none matches."""
    matching = [r for r in ranges if r.matches(media_type)]
    if not matching:
        return 0.0
    best = max(r.specificity for r in matching)
    return max(r.quality for r in matching if r.specificity == best)


def accepts_json(accept: str) -> bool:
    """Whether an `Accept` header admits some JSON type; a missing or unreadable one admits all."""
    ranges = media_ranges(accept)
    return not ranges or any(quality_of(ranges, t) > 0 for t in JSON_MEDIA_TYPES)


CDA = "application/hl7-cda+xml"  # HL7's media type for CDA R2 documents


def accepts_cda(accept: str) -> bool:
    """Whether an `Accept` header admits a CDA document; a missing or unreadable one admits all."""
    ranges = media_ranges(accept)
    return not ranges or quality_of(ranges, CDA) > 0


def format_name(value: str) -> str:
    """A `_format` value as compared: lower case, no parameters, and `+` that a query string
    decoded to a space restored (`_format=application/fhir+json` arrives as `fhir json`)."""
    return value.split(";")[0].strip().lower().replace(" ", "+")


def is_json_format(value: str) -> bool:
    return format_name(value) in JSON_FORMATS


def is_xml(name: str) -> bool:
    return name in XML_FORMATS or name.endswith("+xml")
