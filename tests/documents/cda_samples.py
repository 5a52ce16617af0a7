"""The hand-written CDA samples of tests/documents/samples, read by the product's own parser."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from kangtong.documents.safe_xml import parse_xml

SAMPLES = Path(__file__).parent / "samples"
GOLDEN = Path(__file__).parent / "golden"
SAMPLE_NAMES = sorted(path.stem for path in SAMPLES.glob("*.xml"))


def parse(data: bytes) -> etree._Element:
    return parse_xml(data).getroot()


def sample_bytes(name: str) -> bytes:
    return (SAMPLES / f"{name}.xml").read_bytes()


def sample(name: str) -> etree._Element:
    return parse(sample_bytes(name))
