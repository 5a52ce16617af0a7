"""Reading Content-Type, Accept (with q-values) and `_format` as RFC 9110 and FHIR R4 define them."""

from __future__ import annotations

import pytest

from kangtong.web.media_types import (
    accepts_json,
    is_json_format,
    is_utf8,
    media_ranges,
    media_type_of,
    quality_of,
)


def test_a_content_type_is_its_name_and_charset_without_other_parameters() -> None:
    parsed = media_type_of('Application/FHIR+JSON; fhirVersion=4.0; charset="UTF-8"')
    assert (parsed.name, parsed.charset) == ("application/fhir+json", "utf-8")
    assert media_type_of("").name == ""


@pytest.mark.parametrize(("charset", "utf8"), [(None, True), ("utf-8", True), ("utf8", True),
                                               ("gbk", False), ("iso-8859-1", False)])  # fmt: skip
def test_only_utf_8_is_fhir_json(charset: str | None, utf8: bool) -> None:
    assert is_utf8(charset) is utf8


def test_the_most_specific_range_decides_the_weight() -> None:
    ranges = media_ranges("application/fhir+json;q=0, application/*;q=0.4, */*;q=0.1")
    assert quality_of(ranges, "application/fhir+json") == 0
    assert quality_of(ranges, "application/json") == 0.4
    assert quality_of(ranges, "text/html") == 0.1
    assert quality_of(media_ranges("text/html"), "application/json") == 0


def test_ranges_with_a_malformed_weight_or_name_are_left_out() -> None:
    ranges = media_ranges("application/json;q=abc, json, text/html;q=2, text/plain;q=0.50")
    assert [(r.name, r.quality) for r in ranges] == [("text/plain", 0.5)]


@pytest.mark.parametrize(
    ("accept", "json"),
    [("", True), ("garbage", True), ("*/*", True), ("application/*", True),
     ("application/fhir+json;q=0.9, application/fhir+xml", True), ("application/json", True),
     ("application/fhir+xml", False), ("text/html", False), ("application/xml", False),
     ("application/fhir+json;q=0", False), ("*/*;q=0", False),
     ("application/fhir+json;q=0, */*", True)],  # application/json is still welcome
)  # fmt: skip
def test_accept_admits_json_or_not(accept: str, json: bool) -> None:
    assert accepts_json(accept) is json


@pytest.mark.parametrize(
    ("value", "json"),
    [("json", True), ("JSON", True), ("application/fhir+json", True),
     ("application/fhir json", True), ("application/json;charset=utf-8", True),
     ("xml", False), ("application/fhir+xml", False), ("text/html", False), ("ttl", False)],
)  # fmt: skip
def test_format_names_json_or_not(value: str, json: bool) -> None:
    assert is_json_format(value) is json
