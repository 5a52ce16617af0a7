"""The hand-written CDA samples of tests/documents/samples and a safe parser for them.

Until `documents.safe_xml` lands (issue 15, validate), tests parse with lxml directly, with
entity resolution, DTDs and the network switched off.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

SAMPLES = Path(__file__).parent / "samples"
GOLDEN = Path(__file__).parent / "golden"
SAMPLE_NAMES = sorted(path.stem for path in SAMPLES.glob("*.xml"))


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, safe_parser())


def sample_bytes(name: str) -> bytes:
    return (SAMPLES / f"{name}.xml").read_bytes()


def sample(name: str) -> etree._Element:
    return parse(sample_bytes(name))
